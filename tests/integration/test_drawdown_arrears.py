"""A borrower past due beyond grace, or with a loan charged off or written off, draws no more from the
line: the limit review froze such a line only on its cadence, and until then the borrower kept drawing."""

from __future__ import annotations

from datetime import date

import pytest
from integration_helpers import cli, dump, ok
from lending_fixtures import eod_to, open_line, setup_books

from creditline.app import Draw, draw
from creditline.app.arrears import BorrowerInArrears

DRAW = ("draw", "--line", "L1", "--amount", "1000", "--term", "3")


def _overdue_loan(engine) -> str:  # type: ignore[no-untyped-def]
    """Line L1 with a loan whose first installment (due 2025-02-01, grace 3 days) is unpaid through 2025-02-04."""
    setup_books(engine, start=date(2025, 1, 1))
    open_line(engine, "B1", line_id="L1")
    loan = draw(engine, Draw("L1", "3000", 3, "d1"))["loan_id"]
    eod_to(engine, date(2025, 2, 4))
    return loan


def test_a_drawdown_past_grace_is_refused_naming_the_loan_and_changes_nothing(engine, db_url: str) -> None:  # type: ignore[no-untyped-def]
    loan = _overdue_loan(engine)
    within_grace = ok(*DRAW, "--db", db_url, "--key", "d2")
    assert within_grace["principal_outstanding"] == "1000.00"  # 3 days past due: still within grace
    eod_to(engine, date(2025, 2, 5))
    before = dump(engine)
    refused = cli(*DRAW, "--db", db_url, "--key", "d3")
    assert (refused.exit_code, refused.stdout) == (2, "")
    assert refused.stderr.strip() == (
        f"error: --line: loan {loan} on this line is 4 days past due (grace 3); no drawdowns while a loan is in arrears"
    )
    with pytest.raises(BorrowerInArrears) as caught:
        draw(engine, Draw("L1", "1000", 3, "d3"))
    assert (caught.value.code, caught.value.field) == ("borrower_in_arrears", "line")
    assert dump(engine) == before
    ok("repay", "--db", db_url, "--loan", loan, "--amount", "1100", "--key", "r1")  # the arrears paid: drawing again
    assert ok(*DRAW, "--db", db_url, "--key", "d3")["principal_outstanding"] == "1000.00"


def test_a_written_off_loan_stops_drawdowns_on_its_line(engine, db_url: str) -> None:  # type: ignore[no-untyped-def]
    loan = _overdue_loan(engine)
    ok("loan", "write-off", loan, "--db", db_url, "--key", "w1")
    before = dump(engine)
    refused = cli(*DRAW, "--db", db_url, "--key", "d2")
    assert refused.exit_code == 2
    assert refused.stderr.strip() == f"error: --line: loan {loan} on this line is written-off; no drawdowns while a loan is in arrears"
    assert dump(engine) == before
