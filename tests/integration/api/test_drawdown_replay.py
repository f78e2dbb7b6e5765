"""A drawdown replayed with its Idempotency-Key answers with the first response, byte for byte —
monitoring object included (docs/api.md; docs/security.md, finding 7) — on SQLite and PostgreSQL,
however much happened to the borrower between the two."""

from __future__ import annotations

from api_flows import approved_borrower
from sqlalchemy import func, select

from creditline.store.tables import journal_entries, loans


def _counts(engine) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return tuple(connection.execute(select(func.count()).select_from(t)).scalar_one() for t in (loans, journal_entries))  # type: ignore[return-value]


def test_a_replayed_drawdown_answers_byte_for_byte_as_the_first_time(client, engine):
    person, decision = approved_borrower(client, "Replay Draw", min_limit="1300.00")
    line = decision["line_id"]
    terms = {"amount": "800.00", "term_months": 3}
    options = person.approval(line, terms)
    assertion = person.authenticator.get(options)
    first = person.post(f"/v1/lines/{line}/drawdowns", terms | {"assertion": assertion}, key="replay-1")
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["principal"] == "800.00"
    assert body["monitoring"] is not None and body["monitoring"]["status"] in ("allowed", "verified"), body
    after_first = _counts(engine)

    replay = person.post(f"/v1/lines/{line}/drawdowns", terms | {"assertion": assertion}, key="replay-1")
    assert replay.status_code == 201
    assert replay.content == first.content, "the same key and request: the first response, byte for byte"
    assert _counts(engine) == after_first, "a replay changes nothing"

    # Other activity in between: a second drawdown (another screening of the same borrower) and a repayment.
    other = person.draw(line, {"amount": "500.00", "term_months": 3}, key="replay-2")
    assert other.status_code == 201, other.text
    repaid = person.post(f"/v1/loans/{body['loan_id']}/repayments", {"amount": "50.00"}, key="replay-repay")
    assert repaid.status_code == 201, repaid.text
    later = person.post(f"/v1/lines/{line}/drawdowns", terms | {"assertion": assertion}, key="replay-1")
    assert later.status_code == 201
    assert later.content == first.content, "the stored response, not the loan as it stands now"
    assert other.json()["monitoring"]["outcome_id"] != body["monitoring"]["outcome_id"]
