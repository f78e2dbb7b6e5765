"""Small tapes and deals for the funding tests, built in code so each test states what it needs."""

from __future__ import annotations

from typing import Any

from creditline.funding.tape import LoanTape, loan_tape


def tape_columns(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Rows (dicts with only the fields that matter) as tape columns, defaults filled in."""
    defaults = {
        "borrower_id": None,
        "currency": "CNY",
        "outstanding_principal_minor": "100000",
        "annual_rate": "0.12",
        "remaining_term_months": "12",
        "days_past_due": "0",
        "status": "current",
        "risk_grade": "B",
        "amortisation": "level",
        "origination_date": "2025-01-10",
        "pd_annual": "0.03",
    }
    full = []
    for i, row in enumerate(rows):
        merged = defaults | {"loan_id": f"L{i}"} | row
        if merged["borrower_id"] is None:
            merged["borrower_id"] = f"B{i}"
        full.append(merged)
    return {key: [r[key] for r in full] for key in full[0]}


def small_tape(rows: list[dict[str, Any]]) -> LoanTape:
    return loan_tape(tape_columns(rows))


def deal_data(**overrides: Any) -> dict[str, Any]:
    """A three-tranche deal on a pool of any size (tranches sized by share)."""
    base: dict[str, Any] = {
        "name": "test deal",
        "currency": "CNY",
        "cut_off_date": "2025-06-30",
        "closing_date": "2025-07-15",
        "first_payment_date": "2025-08-26",
        "tranches": [
            {"name": "A", "share": "80%", "coupon_rate": "3%"},
            {"name": "B", "share": "12%", "coupon_rate": "5%"},
            {"name": "Sub", "share": "8%"},
        ],
    }
    return base | overrides
