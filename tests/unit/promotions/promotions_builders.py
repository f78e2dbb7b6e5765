"""Builders for promotions tests: a campaign of either kind and a contract schedule."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from creditline.lending.product import builtin_product
from creditline.lending.schedule import Schedule, build_schedule
from creditline.money import Money, currency
from creditline.promotions import Campaign, CouponKind

DISBURSED = date(2025, 1, 15)


def cny(text: str) -> Money:
    return Money.parse(text, "CNY")


def campaign(kind: str = "interest-free-days", **changes: Any) -> Campaign:
    base = Campaign(
        campaign_id="spring",
        version=1,
        name="Spring",
        kind=CouponKind(kind),
        currency=currency("CNY"),
        budget_cap=cny("1000"),
        issue_from=date(2025, 1, 1),
        issue_until=date(2025, 3, 31),
        valid_days=30,
        free_days=30 if kind == "interest-free-days" else None,
        discount_pct=Decimal("20") if kind == "rate-discount" else None,
    )
    return replace(base, **changes)


def schedule(
    amount: str = "12000", term: int = 12, method: str = "equal-installment", rate: str = "0.0005",
    disbursed: date = DISBURSED,
) -> Schedule:  # fmt: skip
    product = builtin_product("revolving-consumer")
    return build_schedule(product.schedule_terms(cny(amount), term, method, Decimal(rate), disbursed))
