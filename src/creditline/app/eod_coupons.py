"""The coupon end-of-day stage: apply the savings falling due on the day being closed, before auto-debit.

An OPEN stage (docs/eod.md): it runs while B is still the business date, so `coupon_benefits.settle`
applies every saving due by B — an interest waiver booked to the promotional-discount account — and
the auto-debit stage that follows asks the bank for the reduced installment, never the gross one.
`settle` is idempotent (a saving applied is marked applied, one loan per transaction), which is what
an OPEN stage must be: a killed run calls it again from the start and nothing is applied twice.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine

from creditline.app.eod_stages import EodContext, StageResult

STAGE = "coupon-settle"


def settle_coupons(engine: Engine, business_date: date, context: EodContext) -> StageResult:
    from creditline.app.coupon_benefits import settle
    from creditline.app.errors import EodDateInvalid

    summary: dict[str, Any] = settle(engine)
    if summary["business_date"] != business_date.isoformat():  # the date cannot move during OPEN; say so if it did
        raise EodDateInvalid(f"coupons settled on {summary['business_date']}, not {business_date}", field="date")
    message = (
        f"coupons: {summary['applied_minor']} minor units saved on {summary['loans']} loans, "
        f"{summary['forfeited_minor']} forfeited, {summary['reservations_released']} reservations released"
    )
    return StageResult(STAGE, summary, message)
