"""A borrower in arrears on a line draws no more from it, whatever the line's status.

The periodic limit review freezes such a line, but only on its cadence; until then a borrower past
due beyond grace, or whose loan was charged off or written off, could keep drawing. The snapshot's
`days_past_due` is the loan's ageing as of its last event or end of day, and `grace_days` the
product's, copied onto each loan when it was drawn.
"""

from __future__ import annotations

from sqlalchemy import Connection, or_, select

from creditline.errors import DomainError

BAD_STATUSES = ("charged-off", "written-off")


class BorrowerInArrears(DomainError):
    """A drawdown while a loan on the line is past due beyond grace, or charged off or written off."""

    code = "borrower_in_arrears"


def check_not_in_arrears(connection: Connection, line_id: str) -> None:
    """Raise `BorrowerInArrears` naming the first such loan on `line_id` (in loan-id order)."""
    from creditline.store.tables import loans

    c = loans.c
    query = (
        select(c.loan_id, c.status, c.days_past_due, c.grace_days)
        .where(c.line_id == line_id, or_(c.status.in_(BAD_STATUSES), c.days_past_due > c.grace_days))
        .order_by(c.loan_id)
        .limit(1)
    )
    found = connection.execute(query).first()
    if found is None:
        return
    if found.status in BAD_STATUSES:
        why = f"is {found.status}"
    else:
        why = f"is {found.days_past_due} days past due (grace {found.grace_days})"
    raise BorrowerInArrears(f"loan {found.loan_id} on this line {why}; no drawdowns while a loan is in arrears", field="line")
