"""The platform's own loans as a securitisation loan tape (the columns of docs/securitisation.md).

Read from the end-of-day snapshot of the cut-off date (balances, days past due, status, remaining
term, PDs) and each loan's contract (its rate and repayment method), so the deal is struck on the
book the simulator left, not on a synthetic tape. Only loans with principal outstanding are
listed; credit lines without a loan and closed loans are not assets to sell.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine

# Nominal annual rate of a daily-quoted loan on actual days: the tape projects a month's interest
# as annual / 12, and a month of daily interest is 365 / 12 days on average.
DAYS_IN_YEAR_ACTUAL = 365
# The platform's risk grade on a tape: the PD the origination model gave, in bands (upper bounds).
GRADE_BANDS = (("A", 0.03), ("B", 0.05), ("C", 0.08), ("D", 0.12))
GRADE_WORST = "E"
AMORTISATION = {
    "equal-installment": "level",
    "equal-principal": "even_principal",
    "interest-only": "interest_only",
}
DEFAULTED_DAYS_PAST_DUE = 90


def grade_of(pd_origination: float) -> str:
    return next((grade for grade, upper in GRADE_BANDS if pd_origination < upper), GRADE_WORST)


def tape_status(status: str, days_past_due: int) -> str:
    if status == "charged_off":
        return "written_off"
    if days_past_due >= DEFAULTED_DAYS_PAST_DUE:
        return "defaulted"
    return "delinquent" if days_past_due > 0 else "current"


def platform_tape(engine: Engine, as_of: date) -> dict[str, list[str]]:
    """Tape columns (values as text, as a CSV holds them) of every loan with principal on `as_of`."""
    import polars as pl

    from creditline.app.eod_reports import portfolio_snapshots

    frame = portfolio_snapshots(engine, as_of).filter(
        (pl.col("as_of") == as_of) & (pl.col("principal_minor") > 0)
    )
    rows = frame.sort("loan_id").to_dicts()
    contracts = _contracts(engine, [row["loan_id"] for row in rows])
    columns: dict[str, list[str]] = {name: [] for name in _COLUMNS}
    for row in rows:
        terms = contracts[row["loan_id"]]
        if not _projectable(terms):
            continue
        for name, value in _tape_row(row, terms).items():
            columns[name].append(value)
    return columns


_COLUMNS = ("loan_id", "borrower_id", "currency", "outstanding_principal_minor", "annual_rate",
            "remaining_term_months", "days_past_due", "status", "risk_grade", "payment_frequency",
            "amortisation", "origination_date", "pd_annual")  # fmt: skip


def _projectable(terms: dict[str, Any]) -> bool:
    """Monthly installments by a method the cash-flow engine projects; a bullet or weekly loan stays out."""
    return (
        terms["method"] in AMORTISATION and terms.get("frequency") == "monthly" and terms.get("every", 1) == 1
    )


def _tape_row(row: dict[str, Any], terms: dict[str, Any]) -> dict[str, str]:
    from creditline.money import Rate
    from creditline.money.rate import RateUnit

    rate = Rate(Decimal(terms["rate"]), RateUnit(terms["rate_unit"]))
    return {
        "loan_id": row["loan_id"],
        "borrower_id": row["borrower_id"],
        "currency": row["currency"],
        "outstanding_principal_minor": str(row["principal_minor"]),
        "annual_rate": format(rate.annual(DAYS_IN_YEAR_ACTUAL).normalize(), "f"),
        "remaining_term_months": str(row["remaining_term_months"]),
        "days_past_due": str(row["days_past_due"]),
        "status": tape_status(row["status"], row["days_past_due"]),
        "risk_grade": grade_of(row["pd_12m_origination"]),
        "payment_frequency": "monthly",
        "amortisation": AMORTISATION[terms["method"]],
        "origination_date": row["origination_date"].isoformat(),
        "pd_annual": repr(float(row["pd_12m"])),
    }


def _contracts(engine: Engine, loan_ids: list[str]) -> dict[str, dict[str, Any]]:
    from creditline.store import UnitOfWork

    found: dict[str, dict[str, Any]] = {}
    with UnitOfWork(engine, read_only=True) as uow:
        for loan_id in loan_ids:
            record = uow.loans.get(loan_id)
            assert record is not None, f"snapshot loan {loan_id} has a contract"
            found[loan_id] = json.loads(record.terms_json)
    return found
