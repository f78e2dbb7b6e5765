"""A coupon on a borrower's drawdown: checked before the passkey prompt, redeemed with the draw,
and part of what the idempotency key names.

The redemption itself is `app.coupons.draw_with_coupon` (reserve, draw, attach). Two things are
added for the drawdown path of the API and the borrower app:

- **Ownership as "not found".** A borrower naming another borrower's coupon is told there is no
  such coupon (404 `coupon_not_found`), exactly as for an id that does not exist, like every other
  id a borrower sends (docs/api.md); the coupon engine's own `coupon_not_yours` stays for the CLI.
- **The key covers the coupon.** A drawdown retried under its key returns the first result; a retry
  that adds, drops or changes the coupon is a different request (409 `idempotency_key_reused`). The
  coupon row records the key it was redeemed under (`draw_key`), which is what is compared.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from creditline.app.errors import IdempotencyConflict
from creditline.store import UnitOfWork

DRAW_KEY_COUPONS_MAX = 2  # a key names one drawdown, so at most one coupon: two would be a bug


def _owner(uow: UnitOfWork, coupon_id: str) -> str | None:
    from creditline.store.tables_promotions import coupons

    query = select(coupons.c.borrower_id).where(coupons.c.coupon_id == coupon_id)
    return uow.connection.execute(query).scalar_one_or_none()


def check_owner(engine: Engine, coupon_id: str, borrower_id: str) -> None:
    from creditline.promotions import CouponNotFound

    with UnitOfWork(engine, read_only=True) as uow:
        owner = _owner(uow, coupon_id)
    if owner is None or owner != borrower_id:
        raise CouponNotFound(f"no coupon {coupon_id!r}", field="coupon_id")


def command_of(request: dict[str, Any], amount_text: str, key: str) -> Any:
    from creditline.app.coupons import DrawWithCoupon

    return DrawWithCoupon(request["line_id"], amount_text, request["term_months"], key, request["coupon_id"], request["method"])


def quote(engine: Engine, borrower_id: str, request: dict[str, Any], amount_text: str) -> dict[str, Any]:
    """What the coupon saves on this drawdown (every coupon and drawdown rule checked); changes nothing."""
    from creditline.app.coupons import quote_coupon

    check_owner(engine, request["coupon_id"], borrower_id)
    return quote_coupon(engine, command_of(request, amount_text, "quote"))


def draw(engine: Engine, borrower_id: str, request: dict[str, Any], amount_text: str, key: str) -> dict[str, Any]:
    from creditline.app.coupons import draw_with_coupon

    check_owner(engine, request["coupon_id"], borrower_id)
    drawn = draw_with_coupon(engine, command_of(request, amount_text, key))
    # The first redemption also prices the APRs; a replay cannot (the coupon is used): answer the same either way.
    coupon = {k: v for k, v in drawn["coupon"].items() if k not in ("apr_without_pct", "apr_with_pct")}
    return drawn | {"coupon": coupon}


def replayed(engine: Engine, borrower_id: str, request: dict[str, Any], amount_text: str, key: str,
             prior: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    """The first result of a drawdown retried under `key`, if the retry names the same coupon (or none)."""
    from creditline.store.tables_promotions import coupons

    c = coupons.c
    query = select(c.coupon_id).where(c.borrower_id == borrower_id, c.draw_key == key).limit(DRAW_KEY_COUPONS_MAX)
    with UnitOfWork(engine, read_only=True) as uow:
        used = list(uow.connection.execute(query).scalars())
    assert len(used) < DRAW_KEY_COUPONS_MAX, "one drawdown redeems at most one coupon"
    wanted = request.get("coupon_id")
    if used != ([wanted] if wanted else []):
        raise IdempotencyConflict(f"{key!r} was already used for a drawdown with another coupon", field="key")
    if wanted:  # resumes the saga wherever a crash stopped it; the drawdown itself replays
        return draw(engine, borrower_id, request, amount_text, key)
    return prior
