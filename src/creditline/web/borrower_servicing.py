"""What the borrower app's drawdown page adds from the servicing engines: the coupons a borrower can
use, and beside the live schedule the recommended repayment plan and a chosen coupon's saving (with
the APR it leaves, next to the daily rate).

The figures come from the same `app` functions as the API's (`servicing_views.plan_preview`,
`drawdown_coupons.quote`); a preview that cannot be priced (no income on record, a coupon that does
not apply) shows its reason instead of a figure and never stops the schedule from showing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from creditline.app import drawdown_coupons, drawdowns, servicing_views
from creditline.errors import DomainError


def usable_coupons(engine: Engine, borrower_id: str) -> list[dict[str, Any]]:
    from creditline.app.coupons import list_coupons

    return [c for c in list_coupons(engine, borrower_id)["coupons"] if c["status"] == "issued"]


def preview_extras(engine: Engine, borrower_id: str, preview: dict[str, Any], coupon_id: str | None) -> dict[str, Any]:
    """The recommended plan for the previewed amount, and the coupon's quote on the previewed terms."""
    extras: dict[str, Any] = {"plan": None, "plan_error": None, "coupon": None, "coupon_error": None}
    try:
        extras["plan"] = servicing_views.plan_preview(engine, preview["line_id"], preview["amount"])
    except DomainError as exc:
        extras["plan_error"] = exc
    if coupon_id:
        request = drawdowns.approval_request(preview["line_id"], preview["currency"], preview["amount"],
                                             preview["term_months"], preview["method"], coupon_id)  # fmt: skip
        try:
            extras["coupon"] = drawdown_coupons.quote(engine, borrower_id, request, preview["amount"])
        except DomainError as exc:
            extras["coupon_error"] = exc
    return extras
