"""A borrower in arrears on a line draws no more from it, whatever the line's status.

The periodic limit review freezes such a line, but only on its cadence; until then a borrower past
due beyond grace, or whose loan was charged off or written off, could keep drawing. The snapshot's
`days_past_due` is the loan's ageing as of its last event or end of day, and `grace_days` the
product's, copied onto each loan when it was drawn.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import Connection, Select, bindparam, or_, select

from creditline.errors import DomainError

BAD_STATUSES = ("charged-off", "written-off")


class BorrowerInArrears(DomainError):
    """A drawdown while a loan on the line is past due beyond grace, or charged off or written off."""

    code = "borrower_in_arrears"


@cache
def _in_arrears() -> Select:
    """The first loan of a line (`:line_id`) in arrears: one module constant, compiled once per dialect
    and run on the driver (`store.driver_sql`), as it runs on every drawdown."""
    from creditline.store.tables import loans

    c = loans.c
    bad = or_(*(c.status == status for status in BAD_STATUSES), c.days_past_due > c.grace_days)
    return select(c.loan_id, c.status, c.days_past_due, c.grace_days).where(
        c.line_id == bindparam("line_id"), bad).order_by(c.loan_id).limit(1)  # fmt: skip


def check_not_in_arrears(connection: Connection, line_id: str) -> None:
    """Raise `BorrowerInArrears` naming the first such loan on `line_id` (in loan-id order)."""
    from creditline.store.driver_sql import execute

    found = execute(connection, _in_arrears(), {"line_id": line_id}).first()
    if found is None:
        return
    loan_id, status, days_past_due, grace_days = found
    why = f"is {status}" if status in BAD_STATUSES else f"is {days_past_due} days past due (grace {grace_days})"
    raise BorrowerInArrears(f"loan {loan_id} on this line {why}; no drawdowns while a loan is in arrears", field="line")
