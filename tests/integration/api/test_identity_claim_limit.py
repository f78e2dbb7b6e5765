"""An application refused for the identity it named (409 identity_claimed / identity_mismatch) tells an
account with no borrower that the ID number is a customer's. Refusals are counted per account in the
database: the fourth application within 24 hours is refused 429 identity_attempts_exceeded, with
Retry-After, before any identity is looked up, and nothing is written; other accounts are not held up;
once the window has passed the account applies again. They are counted per claimed identity as well:
after three refusals naming one ID number, from any accounts, a fourth account naming it is refused
the same 429, and its holder is not held up. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from api_flows import Person, application, business_date_of

from creditline.app import identity_claims

T0 = 1_900_000_000
CLOCK = "creditline.app.identity_claims.wall_clock_s"


def _holder(client, first_serial: int) -> dict:  # type: ignore[no-untyped-def]
    """The application form of a person approved for a line under their own identity (and so linked)."""
    return _holding(client, first_serial)[1]


def _holding(client, first_serial: int) -> tuple[Person, dict]:  # type: ignore[no-untyped-def]
    """A person approved for a line under their own identity (and so linked), signed in, and their form."""
    for serial in range(first_serial, first_serial + 20):  # the simulated population declines some
        person = Person(client, "Holder")
        person.register()
        form = application(serial, business_date_of(client))
        decided = person.post("/v1/applications", form, key=f"holder-{serial}").json()
        if decided["outcome"] == "approve" and decided["linked"]:
            person.token = decided["session"]["token"]
            return person, form
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

    other = Person(client, "Other")  # another account is not held up for another identity
    other.register()
    same = other.post("/v1/applications", form, key="other-1")  # the probed identity has no attempt left
    assert (same.status_code, same.json()["code"], same.headers["Retry-After"]) == (
        429, "identity_attempts_exceeded", str(86_400 - 3600))
    own = other.post("/v1/applications", application(2101, business_date_of(client)), key="other-2")
    assert own.status_code == 201, own.text

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
    for n in range(identity_claims.REFUSALS_MAX - 1):  # as other people, so each identity is refused once
        as_other = application(2400 + n, business_date_of(client))
        assert linked.post("/v1/applications", as_other, key=f"again-{n}").json()["code"] == "identity_mismatch"
    waited = linked.post("/v1/applications", own, key="own-again")
    assert (waited.status_code, waited.json()["code"]) == (429, "identity_attempts_exceeded")


def test_refusals_sent_together_get_no_more_answers_than_the_limit(client, engine, clock):
    """Requests sent together all pass the first look at the count; the count taken again under the
    account's lock lets only REFUSALS_MAX of them answer 409, the rest are 429 and not recorded."""
    from creditline.store.tables_identity import identity_claim_refusals as refusals

    racer = Person(client, "Racer")
    racer.register()
    account_id = racer.account["account_id"]
    codes, counted = _refused_together(engine, [account_id] * 2 * identity_claims.REFUSALS_MAX, "B-claimed",
                                       refusals.c.account_id == account_id)  # fmt: skip
    assert codes == ["identity_attempts_exceeded"] * 3 + ["identity_claimed"] * 3
    assert counted == identity_claims.REFUSALS_MAX


def _refused_together(engine, accounts: list[str], claimed: str, where) -> tuple[list[str], int]:  # type: ignore[no-untyped-def]
    """Refusals of `accounts` naming `claimed` recorded all at once: the answers' codes, sorted, and how
    many refusals `where` picks out afterwards."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from sqlalchemy import func, select

    from creditline.app.applications import IDENTITY_REFUSED, IdentityClaimed

    barrier = Barrier(len(accounts))

    def refused(account_id: str) -> str:
        barrier.wait()
        error = IdentityClaimed(IDENTITY_REFUSED, field="applicant.id_number")
        return identity_claims.counted(engine, account_id, error, claimed).code

    with ThreadPoolExecutor(len(accounts)) as pool:
        codes = sorted(pool.map(refused, accounts))
    with engine.connect() as connection:
        return codes, connection.execute(select(func.count()).where(where)).scalar_one()


def test_three_refusals_naming_one_identity_from_any_accounts_then_429_for_every_other_account(client, engine, clock, caplog):
    holder, form = _holding(client, 2500)
    probers = []
    for n in range(identity_claims.REFUSALS_MAX):  # each account tries once: within its own limit
        clock[0] = T0 + 600 * n
        prober = Person(client, f"Prober {n}")
        prober.register()
        probers.append(prober)
        with caplog.at_level("INFO", logger="creditline.security"):
            refused = prober.post("/v1/applications", form, key="probe")
        assert (refused.status_code, refused.json()["code"]) == (409, "identity_claimed"), refused.text
    flagged = [r.fields for r in caplog.records if r.fields.get("event") == "claimed_identity_attempts_exceeded"]  # type: ignore[attr-defined]
    assert len(flagged) == 1 and (flagged[0]["refusals"], flagged[0]["window_s"]) == (3, 86_400), flagged

    clock[0] = T0 + 3600
    fourth = Person(client, "Prober 3")
    fourth.register()
    before = _kept(engine)
    waited = fourth.post("/v1/applications", form, key="probe")
    assert waited.status_code == 429, waited.text
    assert waited.headers["Retry-After"] == str(86_400 - 3600)  # when the first refusal of the identity leaves
    problem = waited.json()
    assert (problem["code"], problem["errors"][0]["field"]) == ("identity_attempts_exceeded", "applicant.id_number")
    assert "this ID number" in problem["detail"]
    assert _kept(engine) == before, "nothing written: no decision, no refusal counted"
    again = probers[0].post("/v1/applications", form, key="probe-again")  # an account with attempts left, too
    assert (again.status_code, again.json()["code"]) == (429, "identity_attempts_exceeded")
    own = fourth.post("/v1/applications", application(2600, business_date_of(client)), key="own")
    assert own.status_code == 201, own.text  # the account itself is not held up for another identity

    mine = holder.post("/v1/applications", form, key="holder-again")  # the holder is never held up by it
    assert mine.status_code == 201, mine.text

    clock[0] = T0 + 86_401  # the first refusal has left the window: one attempt back for the identity
    late = Person(client, "Prober 4")
    late.register()
    refused = late.post("/v1/applications", form, key="probe")
    assert (refused.status_code, refused.json()["code"]) == (409, "identity_claimed")
    assert late.post("/v1/applications", form, key="probe-2").status_code == 429


def test_refusals_of_one_identity_from_accounts_sent_together_get_no_more_answers_than_the_limit(client, engine, clock):
    """Each account is within its own limit; the identity's lock lets only REFUSALS_MAX of them answer."""
    from creditline.store.tables_identity import identity_claim_refusals as refusals

    accounts = []
    for n in range(2 * identity_claims.REFUSALS_MAX):
        racer = Person(client, f"Racer {n}")
        racer.register()
        accounts.append(racer.account["account_id"])
    codes, counted = _refused_together(engine, accounts, "B-claimed-together",
                                       refusals.c.claimed_borrower_id == "B-claimed-together")  # fmt: skip
    assert codes == ["identity_attempts_exceeded"] * 3 + ["identity_claimed"] * 3
    assert counted == identity_claims.REFUSALS_MAX
