"""An application refused for the identity it named (409 identity_claimed / identity_mismatch) tells an
account with no borrower that the ID number is a customer's. Refusals are counted per account in the
database: the fourth application within 24 hours is refused 429 identity_attempts_exceeded, with
Retry-After, before any identity is looked up, and nothing is written; other accounts are not held up;
once the window has passed the account applies again. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from api_flows import Person, application, business_date_of

from creditline.app import identity_claims

T0 = 1_900_000_000
CLOCK = "creditline.app.identity_claims.wall_clock_s"


def _holder(client, first_serial: int) -> dict:  # type: ignore[no-untyped-def]
    """The application form of a person approved for a line under their own identity (and so linked)."""
    for serial in range(first_serial, first_serial + 20):  # the simulated population declines some
        person = Person(client, "Holder")
        person.register()
        form = application(serial, business_date_of(client))
        decided = person.post("/v1/applications", form, key=f"holder-{serial}").json()
        if decided["outcome"] == "approve" and decided["linked"]:
            return form
    raise AssertionError("no approval in 20 applicants")


def _kept(engine) -> dict:  # type: ignore[no-untyped-def]
    from integration_helpers import dump

    return {name: rows for name, rows in dump(engine).items() if "session" not in name}


@pytest.fixture
def clock(monkeypatch):  # type: ignore[no-untyped-def]
    now = [T0]
    monkeypatch.setattr(CLOCK, lambda: now[0])
    return now


def test_three_refusals_then_429_before_any_lookup_until_the_window_passes(client, engine, clock, caplog, monkeypatch):
    form = _holder(client, 2000)
    prober = Person(client, "Prober")
    prober.register()
    for n in range(identity_claims.REFUSALS_MAX):
        clock[0] = T0 + 600 * n  # ten minutes apart
        with caplog.at_level("INFO", logger="creditline.security"):
            refused = prober.post("/v1/applications", form, key=f"probe-{n}")
        assert refused.status_code == 409, refused.text
        assert (refused.json()["code"], refused.json()["errors"][0]["field"]) == ("identity_claimed", "applicant.id_number")
    flagged = [r.fields for r in caplog.records if r.fields.get("event") == "identity_attempts_exceeded"]  # type: ignore[attr-defined]
    assert flagged == [{"event": "identity_attempts_exceeded", "account_id": prober.account["account_id"],
                        "refusals": 3, "window_s": 86_400}], "flagged once, for the fraud team"  # fmt: skip

    clock[0] = T0 + 3600
    before = _kept(engine)
    nobodys = application(2100, business_date_of(client))  # an identity nobody holds: no lookup tells it apart

    def no_lookup(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("no identity is looked up for an account with no attempts left")

    monkeypatch.setattr("creditline.app.apply._decided", no_lookup)  # the count is read with the key's decision
    for body, key in ((form, "probe-3"), (nobodys, "own-1")):
        waited = prober.post("/v1/applications", body, key=key)
        assert waited.status_code == 429, waited.text
        assert waited.headers["content-type"] == "application/problem+json"
        assert waited.headers["Retry-After"] == str(86_400 - 3600)  # when the first refusal leaves the window
        problem = waited.json()
        assert (problem["code"], problem["errors"][0]["field"]) == ("identity_attempts_exceeded", "applicant.id_number")
    assert _kept(engine) == before, "nothing written: no decision, no line, no refusal counted"
    monkeypatch.undo()
    monkeypatch.setattr(CLOCK, lambda: clock[0])

    other = Person(client, "Other")  # another account is not held up
    other.register()
    refused = other.post("/v1/applications", form, key="other-1")
    assert (refused.status_code, refused.json()["code"]) == (409, "identity_claimed")

    clock[0] = T0 + 86_400  # the first refusal's last second in the window
    assert prober.post("/v1/applications", nobodys, key="own-2").headers.get("Retry-After") == "1"
    clock[0] = T0 + 86_401  # two refusals left in the window: one attempt back
    allowed = prober.post("/v1/applications", nobodys, key="own-3")
    assert allowed.status_code == 201, allowed.text


def test_both_refusals_are_worded_alike_and_count(client, engine, clock):
    form = _holder(client, 2300)
    for serial in range(2200, 2220):  # an account linked to its own person (some do not confirm theirs)
        linked = Person(client, "Linked")
        linked.register()
        own = application(serial, business_date_of(client))
        decided = linked.post("/v1/applications", own, key="own")
        assert decided.status_code == 201, decided.text
        if decided.json()["linked"]:
            break
    assert decided.json()["linked"], "no applicant of 20 confirmed their identity"
    linked.token = decided.json()["session"]["token"]
    mismatch = linked.post("/v1/applications", form, key="as-holder")
    stranger = Person(client, "Stranger")
    stranger.register()
    claimed = stranger.post("/v1/applications", form, key="as-holder")
    assert (mismatch.json()["code"], claimed.json()["code"]) == ("identity_mismatch", "identity_claimed")
    assert mismatch.json()["detail"] == claimed.json()["detail"], "one wording: no more said to either"
    for n in range(identity_claims.REFUSALS_MAX - 1):
        assert linked.post("/v1/applications", form, key=f"again-{n}").status_code == 409
    waited = linked.post("/v1/applications", own, key="own-again")
    assert (waited.status_code, waited.json()["code"]) == (429, "identity_attempts_exceeded")


def test_refusals_sent_together_get_no_more_answers_than_the_limit(client, engine, clock):
    """Requests sent together all pass the first look at the count; the count taken again under the
    account's lock lets only REFUSALS_MAX of them answer 409, the rest are 429 and not recorded."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from sqlalchemy import func, select

    from creditline.app.applications import IDENTITY_REFUSED, IdentityClaimed
    from creditline.store.tables_identity import identity_claim_refusals as refusals

    racer = Person(client, "Racer")
    racer.register()
    account_id = racer.account["account_id"]
    together = 2 * identity_claims.REFUSALS_MAX
    barrier = Barrier(together)

    def refused(_: int) -> str:
        barrier.wait()
        return identity_claims.counted(engine, account_id, IdentityClaimed(IDENTITY_REFUSED, field="applicant.id_number")).code

    with ThreadPoolExecutor(together) as pool:
        codes = sorted(pool.map(refused, range(together)))
    assert codes == ["identity_attempts_exceeded"] * 3 + ["identity_claimed"] * 3
    with engine.connect() as connection:
        counted = connection.execute(select(func.count()).where(refusals.c.account_id == account_id)).scalar_one()
    assert counted == identity_claims.REFUSALS_MAX
