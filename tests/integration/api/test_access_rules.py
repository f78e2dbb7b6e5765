"""The access rules on their own: session expiry and idle boundaries, the permission table, the
rate limiter's bound (property-based), challenge binding, and single-use challenges under a race."""

from __future__ import annotations

import threading

import pytest
from api_flows import ORIGIN, Person
from hypothesis import given
from hypothesis import strategies as st

from creditline.api.ratelimit import RateLimiter
from creditline.app.access import AccessConfig
from creditline.identity.passkeys import PasskeyRejected, RelyingParty, bound_challenge
from creditline.identity.roles import PERMISSIONS, Permission, PermissionDenied, Role, require
from creditline.identity.sessions import SessionExpired, SessionPolicy, issue, rotate

POLICY = SessionPolicy(lifetime_s=3600, idle_s=600)


def test_session_expiry_and_idle_boundaries():
    session = issue("AC1", Role.BORROWER, 1, 1_000, POLICY).session
    session.check(1_000 + 599, POLICY, 1)
    with pytest.raises(SessionExpired):
        session.check(1_000 + 600, POLICY, 1)  # idle for exactly the timeout
    touched = rotate(session, 1_000 + 3_000).session
    touched.check(1_000 + 3_599, POLICY, 1)
    with pytest.raises(SessionExpired):
        touched.check(1_000 + 3_600, POLICY, 1)  # rotation never extends the lifetime
    with pytest.raises(SessionExpired):
        session.check(1_001, POLICY, 2)  # the account's epoch moved on
    assert touched.token_hash != session.token_hash and touched.csrf_hash != session.csrf_hash


def test_csrf_tokens_match_only_their_session():
    first, second = issue("AC1", Role.BORROWER, 1, 0, POLICY), issue("AC1", Role.BORROWER, 1, 0, POLICY)
    assert first.session.csrf_matches(first.csrf_token)
    assert not first.session.csrf_matches(second.csrf_token)
    assert not first.session.csrf_matches(None) and not first.session.csrf_matches("x" * 500)


def test_separation_of_duties_in_the_permission_table():
    movers = {role for role, granted in PERMISSIONS.items() if Permission.POST_REPAYMENT in granted}
    deciders = {role for role, granted in PERMISSIONS.items() if Permission.REVIEW_DECISIONS in granted}
    refunders = {role for role, granted in PERMISSIONS.items() if Permission.REFUND_CREDIT in granted}
    assert movers == {Role.COLLECTIONS_AGENT, Role.FINANCE}
    assert refunders == {Role.FINANCE}, "money paid out to a borrower is finance's alone"
    assert deciders == {Role.RISK_ANALYST}
    assert not (movers | refunders) & deciders, "no role both decides credit and moves money"
    assert Role.ADMIN not in movers | refunders | deciders
    with pytest.raises(PermissionDenied):
        require(Role.FINANCE, Permission.MANAGE_OPERATORS)
    assert all(Permission.DRAW not in PERMISSIONS[role] for role in Role if role is not Role.BORROWER)


@given(
    rate=st.floats(0.5, 200), burst=st.integers(1, 50),
    gaps=st.lists(st.floats(0, 0.5), min_size=1, max_size=300),
)  # fmt: skip
def test_the_rate_limiter_never_lets_more_through_than_burst_plus_rate_times_time(rate, burst, gaps):
    clock = [0.0]
    limiter = RateLimiter(rate, burst, clock=lambda: clock[0])
    allowed = 0
    for gap in gaps:
        clock[0] += gap
        wait = limiter.take("client")
        allowed += wait == 0
        assert wait >= 0
    assert allowed <= burst + rate * clock[0] + 1e-9


def test_a_challenge_commits_to_the_request_it_approves():
    nonce = b"n" * 32
    base = {"line_id": "LN1", "amount_minor": 100_000, "currency": "CNY", "term_months": 3, "method": None}
    assert bound_challenge(nonce, base) == bound_challenge(nonce, dict(reversed(list(base.items()))))
    for change in ({"amount_minor": 100_001}, {"term_months": 6}, {"line_id": "LN2"}, {"currency": "USD"}):
        assert bound_challenge(nonce, base | change) != bound_challenge(nonce, base)


def test_one_assertion_signs_in_once_even_when_raced(client, engine):
    from creditline.app.passkey_flows import finish_sign_in

    person = Person(client, "Racer")
    person.register()
    options = client.post("/v1/sessions/options").json()["publicKey"]
    assertion = person.authenticator.get(options)
    config = AccessConfig(RelyingParty("localhost", "creditline", (ORIGIN,)))
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def attempt() -> None:
        barrier.wait()
        try:
            finish_sign_in(engine, config, assertion)
            outcomes.append("signed in")
        except PasskeyRejected as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["challenge_used"] * 3 + ["signed in"]
