"""Builders for the post-loan tests: days of end of day with the post-loan stages, origination records."""

from __future__ import annotations

import json
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any


def close_days(engine: Any, target: date, *, stages: tuple[str, ...] = ("collections",)) -> None:
    """End of day up to `target`, each day followed by the post-loan stages as the pipeline runs them."""
    from creditline.app import collections_eod, run_eod
    from creditline.store import UnitOfWork

    with UnitOfWork(engine, read_only=True) as uow:
        today = uow.system.business_date()
    assert today is not None
    names = {"early-warning": "early_warning", "limit-review": "limit_review", "collections": "collections"}
    while today < target:
        closed, today = today, today + timedelta(days=1)
        run_eod(engine, today)
        for stage in stages:
            getattr(collections_eod, names[stage])(engine, closed, SimpleNamespace(run_date=today))


def approved_with_income(engine: Any, borrower: str, line_id: str, income_monthly_minor: int,
                         elsewhere_minor: int = 0, obligations_monthly_minor: int = 0) -> None:  # fmt: skip
    """The origination record a line opened by an application would have (income it was assessed on)."""
    from creditline.store.tables_origination import origination_decisions

    record = {"limit_inputs": {"income_monthly_minor": income_monthly_minor, "obligations_monthly_minor": obligations_monthly_minor,
                               "online_microloan_balance_minor": elsewhere_minor}}  # fmt: skip
    with engine.begin() as connection:
        connection.execute(origination_decisions.insert().values(
            decision_id=f"D-{borrower}", client_key=f"K-{borrower}", request_hash="0" * 64, borrower_id=borrower,
            jurisdiction="CN", product_id="revolving-consumer", applied_at="2025-01-01T09:00:00+08:00",
            business_date=date(2025, 1, 1), outcome="approved", status="decided", strategy="champion", currency="CNY",
            line_id=line_id, record_json=json.dumps(record), record_sha256="0" * 64,
        ))  # fmt: skip


def installment_due(engine: Any, loan_id: str, on: date) -> str | None:
    """What clears the installments due on or before `on` (and any penalty), as text; None if nothing."""
    from creditline.app import show_loan
    from creditline.money import Money

    view = show_loan(engine, loan_id)
    due = [Money.parse(i["outstanding"], "CNY") for i in view["installments"]
           if i["due_date"] <= on.isoformat() and i["status"] in ("due", "overdue")]  # fmt: skip
    if not due:
        return None
    total = sum(due, Money.zero("CNY")) + Money.parse(view["penalty_receivable"], "CNY")
    return total.amount_str()
