"""Loans (contract + snapshot) and their events.

A loan row holds what it was agreed as (product version, schedule terms) and a snapshot of its
state: the replay of its events as of `as_of`, which commands rewrite after replaying and which EOD
advances without replaying (the domain's `AccrualState`, stored as JSON beside the balances).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update

from creditline.lending.loan.events import LoanEvent
from creditline.lending.loan.state import LoanState, LoanTotals
from creditline.money import Currency, Money, currency
from creditline.store import tables as t
from creditline.store.accrual_columns import ACCRUAL_COLUMNS, accrual_values
from creditline.store.terms_codec import terms_to_json

BALANCE_COLUMNS = (
    "principal_outstanding_minor",
    "interest_receivable_minor",
    "penalty_receivable_minor",
    "fee_receivable_minor",
    "credit_balance_minor",
)


@dataclass(frozen=True, slots=True)
class LoanRecord:
    loan_id: str
    borrower_id: str
    line_id: str
    product_id: str
    product_version: int
    currency: Currency
    terms_json: str
    status: str
    as_of: date
    principal_outstanding: Money
    totals: LoanTotals
    version: int


_c = t.loans.c
_SELECT_LOAN = select(
    _c.loan_id, _c.borrower_id, _c.line_id, _c.product_id, _c.product_version, _c.currency, _c.terms_json,
    _c.status, _c.as_of, _c.principal_outstanding_minor, _c.totals_json, _c.version,
    _c.interest_accrued_minor, _c.penalty_accrued_minor,
).where(_c.loan_id == bindparam("k_loan_id"))  # fmt: skip
_SELECT_LOAN_FOR_UPDATE = _SELECT_LOAN.with_for_update()
_INSERT_LOAN = insert(t.loans)
_INSERT_EVENTS = insert(t.loan_events)
_SELECT_EVENTS = (
    select(t.loan_events).where(t.loan_events.c.loan_id == bindparam("k_loan_id")).order_by(t.loan_events.c.sequence)
)


@cache
def _update_snapshot(columns: tuple[str, ...]) -> Any:
    return (
        update(t.loans)
        .where(_c.loan_id == bindparam("k_loan_id"), _c.version == bindparam("k_version"))
        .values({name: bindparam(name) for name in (*columns, "version")})
    )


class LoanRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def get(self, loan_id: str, *, for_update: bool = False) -> LoanRecord | None:
        query = _SELECT_LOAN_FOR_UPDATE if for_update else _SELECT_LOAN
        row = self.connection.execute(query, {"k_loan_id": loan_id}).mappings().first()
        if row is None:
            return None
        cur = currency(row["currency"])
        return LoanRecord(
            loan_id=row["loan_id"],
            borrower_id=row["borrower_id"],
            line_id=row["line_id"],
            product_id=row["product_id"],
            product_version=row["product_version"],
            currency=cur,
            terms_json=row["terms_json"],
            status=row["status"],
            as_of=row["as_of"],
            principal_outstanding=Money(row["principal_outstanding_minor"], cur),
            totals=LoanTotals.of_minor(cur, _totals(row)),
            version=row["version"],
        )

    def add(self, *, contract: Any, state: LoanState) -> None:
        self.connection.execute(
            _INSERT_LOAN,
            {
                "loan_id": contract.loan_id,
                "borrower_id": contract.borrower_id,
                "line_id": contract.line_id,
                "product_id": contract.product.product_id,
                "product_version": contract.product.version,
                "currency": contract.currency_code,
                "terms_json": terms_to_json(contract.terms),
                "disbursed_on": contract.terms.disbursed,
                "eod_interest_posted_minor": 0,
                "eod_penalty_posted_minor": 0,
                "version": 0,
                **snapshot_values(state),
            },
        )

    def save_state(self, loan_id: str, state: LoanState, version: int) -> None:
        """Rewrite the snapshot; the version check asserts the caller holds the loan's lock."""
        values = snapshot_values(state)
        result = self.connection.execute(
            _update_snapshot(tuple(values)), {"k_loan_id": loan_id, "k_version": version, "version": version + 1, **values}
        )
        assert result.rowcount == 1, f"loan {loan_id} changed under us (version {version})"

    # -- events ---------------------------------------------------------------------------------------
    def events(self, loan_id: str) -> list[LoanEvent]:
        return [_event(row) for row in self.connection.execute(_SELECT_EVENTS, {"k_loan_id": loan_id}).mappings()]

    def add_events(self, loan_id: str, borrower_id: str, events: Sequence[LoanEvent], recorded_on: date) -> None:
        self.connection.execute(
            _INSERT_EVENTS,
            [
                {
                    "event_id": ev.event_id,
                    "loan_id": loan_id,
                    "borrower_id": borrower_id,
                    "sequence": ev.sequence,
                    "kind": str(ev.kind),
                    "effective_date": ev.effective_date,
                    "amount_minor": None if ev.amount is None else ev.amount.minor,
                    "currency": None if ev.amount is None else ev.amount.currency.code,
                    "reverses": ev.reverses,
                    "data_json": json.dumps(dict(ev.data), sort_keys=True),
                    "recorded_on": recorded_on,
                }
                for ev in events
            ],
        )

    # -- views for the books ------------------------------------------------------------------------
    def balance_rows(self) -> list[dict[str, Any]]:
        c = t.loans.c
        query = select(
            c.loan_id, c.currency, *(c[name] for name in BALANCE_COLUMNS),
            c.eod_interest_posted_minor, c.eod_penalty_posted_minor,
        )  # fmt: skip
        return [dict(row) for row in self.connection.execute(query).mappings()]

    def all_ids(self, limit: int) -> list[str]:
        query = select(t.loans.c.loan_id).order_by(t.loans.c.loan_id).limit(limit)
        return list(self.connection.execute(query).scalars())

    def snapshot_row(self, loan_id: str) -> dict[str, Any]:
        c = t.loans.c
        names = ("status", "as_of", *BALANCE_COLUMNS, "totals_json", *ACCRUAL_COLUMNS[1:])
        query = select(*(c[name] for name in names)).where(c.loan_id == loan_id)
        return dict(self.connection.execute(query).mappings().one())

    def ids_of_line(self, line_id: str) -> list[str]:
        query = select(t.loans.c.loan_id).where(t.loans.c.line_id == line_id).order_by(t.loans.c.disbursed_on)
        return list(self.connection.execute(query).scalars())

    def count(self) -> int:
        return int(self.connection.execute(select(func.count()).select_from(t.loans)).scalar_one())


# Totals kept as columns (EOD advances them) rather than inside totals_json.
ACCRUED_TOTALS = {"interest_accrued": "interest_accrued_minor", "penalty_accrued": "penalty_accrued_minor"}


def snapshot_values(state: LoanState) -> dict[str, Any]:
    totals = state.totals.as_minor()
    assert totals["interest_accrued"] == state.accrual.interest_accrued_minor, "one figure, two places"
    assert totals["penalty_accrued"] == state.accrual.penalty_accrued_minor, "one figure, two places"
    return {
        **accrual_values(state.accrual),
        "status": str(state.status),
        "as_of": state.as_of,
        "principal_outstanding_minor": state.principal_outstanding.minor,
        "interest_receivable_minor": state.interest_receivable.minor,
        "penalty_receivable_minor": state.penalty_receivable.minor,
        "fee_receivable_minor": state.fee_receivable.minor,
        "credit_balance_minor": state.credit_balance.minor,
        "days_past_due": state.days_past_due,
        "totals_json": json.dumps({k: v for k, v in totals.items() if k not in ACCRUED_TOTALS}, sort_keys=True),
    }


def _totals(row: Any) -> dict[str, int]:
    totals = json.loads(row["totals_json"])
    for name, column in ACCRUED_TOTALS.items():
        totals[name] = row[column]
    return totals


def _event(row: Any) -> LoanEvent:
    amount = None if row["amount_minor"] is None else Money(row["amount_minor"], currency(row["currency"]))
    return LoanEvent(
        event_id=row["event_id"],
        kind=row["kind"],
        effective_date=row["effective_date"],
        sequence=row["sequence"],
        amount=amount,
        reverses=row["reverses"],
        data=tuple(json.loads(row["data_json"]).items()),
    )
