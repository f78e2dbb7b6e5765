"""A borrower in arrears draws no more over HTTP, on SQLite and PostgreSQL: a drawdown approved while
the late loan was still within grace is refused the day after grace with `422 borrower_in_arrears`
naming the loan, and so is the approval itself; nothing is drawn (app.arrears; the app and CLI tests
are tests/integration/test_drawdown_arrears.py)."""

from __future__ import annotations

from typing import Any

from api_flows import with_loan
from servicing_flows import close_days, daytime
from sqlalchemy import text

TERMS = {"amount": "500.00", "term_months": 3}
DAYS_MAX = 60  # drawn on 30 June, first due 30 July: past grace in about 34 days


def aged(engine: Any, loan_id: str) -> tuple[int, int]:
    """The loan's (days past due, grace days) as end of day left them."""
    with engine.connect() as connection:
        row = connection.execute(text("SELECT days_past_due, grace_days FROM loans WHERE loan_id = :l"), {"l": loan_id}).one()
    return int(row[0]), int(row[1])


def drawn(engine: Any, line_id: str) -> tuple:
    """What a drawdown would change: the line's loans, and the journal's entries for the line's borrower."""
    with engine.connect() as connection:
        loans = connection.execute(text("SELECT loan_id, borrower_id FROM loans WHERE line_id = :l ORDER BY loan_id"),
                                   {"l": line_id}).all()  # fmt: skip
        borrower_id = loans[0][1]
        entries = connection.execute(text("SELECT entry_id FROM journal_entries WHERE borrower_id = :b ORDER BY entry_id"),
                                     {"b": borrower_id}).all()  # fmt: skip
    return [tuple(r) for r in loans], [tuple(r) for r in entries]


def test_a_drawdown_past_grace_is_refused_naming_the_loan(client, engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    daytime(monkeypatch)
    borrower, line_id, loan_id = with_loan(client, "Arrears", "1000.00")
    for _ in range(DAYS_MAX):  # end of day until the first installment, unpaid, is exactly at the end of grace
        days_past_due, grace_days = aged(engine, loan_id)
        if days_past_due == grace_days:
            break
        close_days(engine, 1, stages=())
    assert (days_past_due, grace_days) == aged(engine, loan_id) and days_past_due == grace_days > 0
    options = borrower.approval(line_id, TERMS)  # within grace: the drawdown is approved
    close_days(engine, 1, stages=())
    assert aged(engine, loan_id) == (grace_days + 1, grace_days)
    before, line_before = drawn(engine, line_id), borrower.get(f"/v1/lines/{line_id}").json()

    assertion = borrower.authenticator.get(options)
    refused = borrower.post(f"/v1/lines/{line_id}/drawdowns", TERMS | {"assertion": assertion}, key="draw-in-arrears",
                            headers={"X-Device-Id": "phone-1"})  # fmt: skip
    message = f"loan {loan_id} on this line is {grace_days + 1} days past due (grace {grace_days}); no drawdowns while a loan is in arrears"
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert (problem["type"], problem["code"], problem["status"]) == ("/problems/borrower_in_arrears", "borrower_in_arrears", 422)
    assert problem["detail"] == f"line: {message}"
    assert problem["errors"] == [{"field": "line", "code": "borrower_in_arrears", "message": message}]
    assert problem["instance"] == f"/v1/lines/{line_id}/drawdowns"

    again = borrower.post(f"/v1/lines/{line_id}/drawdown-approvals", TERMS)  # no passkey prompt for a drawdown that must fail
    assert (again.status_code, again.json()["code"]) == (422, "borrower_in_arrears")
    assert again.json()["errors"] == problem["errors"]
    assert drawn(engine, line_id) == before, "nothing drawn, nothing booked"
    assert borrower.get(f"/v1/lines/{line_id}").json() == line_before
