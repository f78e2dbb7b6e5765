"""A live portfolio summary from the loan snapshots: balances by status and by delinquency bucket.

The full regulatory report (vintages, roll rates, ECL, LCR, capital) is `creditline report
portfolio` over EOD snapshots; this is the figure an operator's dashboard polls: one grouped query
over the loans table, per currency, with the M0–M7 buckets of `portfolio.delinquency` and the share
of the outstanding principal more than 90 days past due.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Engine, func, select

from creditline.app.common import business_date
from creditline.store import UnitOfWork
from creditline.store.tables import loans


def portfolio_summary(engine: Engine) -> dict[str, Any]:
    from creditline.money import Money
    from creditline.portfolio.delinquency import BUCKET_NAMES, bucket_of, is_default

    c = loans.c
    query = select(
        c.currency, c.status, c.days_past_due, func.count(), func.sum(c.principal_outstanding_minor),
        func.sum(c.interest_receivable_minor), func.sum(c.penalty_receivable_minor),
    ).group_by(c.currency, c.status, c.days_past_due)  # fmt: skip
    with UnitOfWork(engine, read_only=True) as uow:
        on = business_date(uow)
        rows = uow.connection.execute(query).all()
    figures: dict[str, dict[str, Any]] = defaultdict(_empty)
    for currency, status, days, count, principal, interest, penalty in rows:
        f = figures[currency]
        f["loans"] += count
        f["by_status"][status] = f["by_status"].get(status, 0) + count
        f["principal"] += int(principal or 0)
        f["interest"] += int(interest or 0)
        f["penalty"] += int(penalty or 0)
        f["buckets"][BUCKET_NAMES[bucket_of(days)]] += int(principal or 0)
        if is_default(days):
            f["default_principal"] += int(principal or 0)
    currencies = []
    for code, f in sorted(figures.items()):
        share = Decimal(0) if not f["principal"] else Decimal(f["default_principal"]) / Decimal(f["principal"])
        currencies.append(
            {
                "currency": code,
                "loans": f["loans"],
                "loans_by_status": dict(sorted(f["by_status"].items())),
                "principal_outstanding": Money.of_minor(f["principal"], code).amount_str(),
                "interest_receivable": Money.of_minor(f["interest"], code).amount_str(),
                "penalty_receivable": Money.of_minor(f["penalty"], code).amount_str(),
                "principal_by_bucket": {b: Money.of_minor(v, code).amount_str() for b, v in f["buckets"].items()},
                "principal_90_plus_pct": format((share * 100).quantize(Decimal("0.01"), ROUND_HALF_UP), "f"),
            }
        )
    return {"business_date": on.isoformat(), "currencies": currencies}


def _empty() -> dict[str, Any]:
    from creditline.portfolio.delinquency import BUCKET_NAMES

    return {
        "loans": 0, "by_status": {}, "principal": 0, "interest": 0, "penalty": 0, "default_principal": 0,
        "buckets": dict.fromkeys(BUCKET_NAMES, 0),
    }  # fmt: skip
