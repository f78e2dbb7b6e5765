"""Whose is it: the borrower behind a line, a loan or a decision, and a borrower's own lists.

Entrypoints ask these before acting for a borrower, and answer "not found" when the thing belongs
to someone else — the same answer as for an id that does not exist, so nothing leaks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, bindparam, select

from creditline.store import UnitOfWork
from creditline.store.driver_sql import execute
from creditline.store.identity_repository import single_read
from creditline.store.tables import credit_lines, loans

PAGE_SIZE_MAX = 100

_LINE_OWNER = select(credit_lines.c.borrower_id, credit_lines.c.currency).where(credit_lines.c.line_id == bindparam("id"))
_LOAN_OWNER = select(loans.c.borrower_id, loans.c.currency).where(loans.c.loan_id == bindparam("id"))


@dataclass(frozen=True, slots=True)
class Owner:
    borrower_id: str
    currency: str


def line_owner(engine: Engine, line_id: str) -> Owner | None:
    with single_read(engine) as connection:
        row = connection.execute(_LINE_OWNER, {"id": line_id}).first()
    return None if row is None else Owner(row[0], row[1])


def loan_owner(engine: Engine, loan_id: str) -> Owner | None:
    with single_read(engine) as connection:  # on the driver's cursor: every payment asks this first
        row = execute(connection, _LOAN_OWNER, {"id": loan_id}).first()
    return None if row is None else Owner(row[0], row[1])


def decision_submitter(engine: Engine, decision_id: str) -> str | None:
    """The account that submitted an application (None for one that came in another way)."""
    from creditline.store.identity_repository import IdentityRepository

    with UnitOfWork(engine, read_only=True) as uow:
        return IdentityRepository(uow.connection).application_owner(decision_id)


def lines_of(engine: Engine, borrower_id: str | None) -> list[dict[str, Any]]:
    from creditline.app.common import business_date
    from creditline.app.lines import line_view

    if borrower_id is None:
        return []
    query = select(credit_lines.c.line_id).where(credit_lines.c.borrower_id == borrower_id).order_by(credit_lines.c.line_id)
    with UnitOfWork(engine, read_only=True) as uow:
        on = business_date(uow)
        views = []
        for line_id in uow.connection.execute(query).scalars():
            record = uow.lines.get(line_id)
            assert record is not None
            views.append(line_view(uow, record.line, on))
    return views


def loans_of(engine: Engine, borrower_id: str | None, *, after: str | None, limit: int) -> list[dict[str, Any]]:
    """A page of the borrower's loans (snapshot figures), ordered by loan id, after a cursor."""
    from creditline.money import Money

    if borrower_id is None:
        return []
    c = loans.c
    query = (
        select(c.loan_id, c.line_id, c.currency, c.status, c.disbursed_on, c.principal_outstanding_minor,
               c.interest_receivable_minor, c.penalty_receivable_minor, c.days_past_due, c.as_of)
        .where(c.borrower_id == borrower_id)
        .order_by(c.loan_id)
        .limit(min(limit, PAGE_SIZE_MAX))
    )  # fmt: skip
    if after is not None:
        query = query.where(c.loan_id > after)
    with UnitOfWork(engine, read_only=True) as uow:
        rows = uow.connection.execute(query).mappings().all()
    return [
        {
            "loan_id": r["loan_id"],
            "line_id": r["line_id"],
            "currency": r["currency"],
            "status": r["status"],
            "disbursed_on": r["disbursed_on"].isoformat(),
            "as_of": r["as_of"].isoformat(),
            "principal_outstanding": Money.of_minor(r["principal_outstanding_minor"], r["currency"]).amount_str(),
            "interest_receivable": Money.of_minor(r["interest_receivable_minor"], r["currency"]).amount_str(),
            "penalty_receivable": Money.of_minor(r["penalty_receivable_minor"], r["currency"]).amount_str(),
            "days_past_due": r["days_past_due"],
        }
        for r in rows
    ]
