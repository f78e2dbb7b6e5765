"""Drawdowns a borrower approves with their passkey: every drawdown needs a fresh, user-verified
assertion bound to exactly that request (line, amount, currency, term, method).

`begin_approval` issues the challenge; `draw_approved` checks the client key first — a retry of a
drawdown that already went through returns the stored loan without asking for another assertion
(the first one was used up) — then verifies the assertion, screens the drawdown with transaction
monitoring (`app.drawdown_screening`: the approval counts as the step-up; a hold stops it) and runs
`app.loans.draw`, or `app.coupons.draw_with_coupon` when the request names a coupon
(`app.drawdown_coupons`; the passkey approves the coupon with the rest).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from creditline.app import drawdown_coupons
from creditline.app.access import AccessConfig, Principal
from creditline.app.applications import client_key
from creditline.app.catalogue import product_of
from creditline.app.drawdown_screening import Client, recorded_outcome, screen_drawdown
from creditline.app.errors import LineNotFound
from creditline.app.idempotency import check_key, first_result
from creditline.app.loans import Draw, draw
from creditline.app.passkey_flows import begin_step_up, verify_step_up
from creditline.store import UnitOfWork


def approval_request(
    line_id: str, currency: str, amount_text: str, term_months: int, method: str | None, coupon_id: str | None = None
) -> dict[str, Any]:
    """What the borrower's passkey signs for: the amount in minor units, so "500" and "500.00" agree
    (and the coupon, when one is used: the borrower approves the saving they were shown)."""
    from creditline.money import Money

    amount = Money.parse(amount_text, currency, field="amount")
    request = {"line_id": line_id, "amount_minor": amount.minor, "currency": currency, "term_months": term_months, "method": method}
    return request | ({"coupon_id": coupon_id} if coupon_id else {})


def begin_approval(engine: Engine, access: AccessConfig, principal: Principal, request: dict[str, Any]) -> dict[str, Any]:
    """Check the drawdown as `draw` would (product terms, line status, available limit) before the
    borrower is asked to approve it: a passkey prompt for a drawdown that must fail helps no one."""
    _check_offer(engine, request)
    if request.get("coupon_id"):
        assert principal.borrower_id is not None, "the entrypoint checked the line is the borrower's"
        drawdown_coupons.quote(engine, principal.borrower_id, request, _amount_text(request))
    return begin_step_up(engine, access, principal.account_id, request)


def _amount_text(request: dict[str, Any]) -> str:
    from creditline.money import Money

    return Money.of_minor(request["amount_minor"], request["currency"]).amount_str()


def _check_offer(engine: Engine, request: dict[str, Any]) -> None:
    from creditline.app.arrears import check_not_in_arrears
    from creditline.app.common import business_date
    from creditline.money import Money

    with UnitOfWork(engine, read_only=True) as uow:
        on = business_date(uow)
        record = uow.lines.get(request["line_id"])
        if record is None:
            raise LineNotFound(f"no credit line {request['line_id']!r}", field="line")
        product = product_of(uow, record.line.product_id, record.product_version)
        check_not_in_arrears(uow.connection, record.line.line_id)
    amount = Money.of_minor(request["amount_minor"], request["currency"])
    method = request["method"] or str(product.methods[0])
    product.check_drawdown(amount, request["term_months"], method, record.line.rate_daily)
    record.line.reserve(amount, on)  # raises when the line is frozen or the limit does not cover it


def draw_approved(
    engine: Engine,
    access: AccessConfig,
    principal: Principal,
    key: str,
    request: dict[str, Any],
    amount_text: str,
    assertion: dict[str, Any],
    *,
    client: Client | None = None,
) -> dict[str, Any]:
    borrower_id = principal.borrower_id
    assert borrower_id is not None, "the entrypoint checked the line is the borrower's"
    scoped = check_key(client_key(principal.account_id, key))
    prior = _earlier_draw(engine, scoped, request)
    if prior is not None:
        first = drawdown_coupons.replayed(engine, borrower_id, request, amount_text, scoped, prior)
        return first | {"monitoring": recorded_outcome(engine, borrower_id, scoped, request)}  # the stored response, as sent
    verify_step_up(engine, access, principal.account_id, request, assertion)
    monitoring = screen_drawdown(engine, borrower_id, request, scoped, client)  # a hold raises: nothing is drawn
    if request.get("coupon_id"):
        return drawdown_coupons.draw(engine, borrower_id, request, amount_text, scoped) | {"monitoring": monitoring}
    command = Draw(request["line_id"], amount_text, request["term_months"], scoped, request["method"])
    return draw(engine, command) | {"monitoring": monitoring}


def _earlier_draw(engine: Engine, key: str, request: dict[str, Any]) -> dict[str, Any] | None:
    """The stored result of this key's drawdown, None for a new key; a key reused for another request raises.

    The request is described the way `app.loans.draw` records it (line, minor units, term, method
    with the product's default filled in), so the comparison is the one `draw` itself would make.
    """
    with UnitOfWork(engine, read_only=True) as uow:
        if uow.idempotency.get("draw", key) is None:
            return None
        record = uow.lines.get(request["line_id"])
        if record is None:
            raise LineNotFound(f"no credit line {request['line_id']!r}", field="line")
        product = product_of(uow, record.line.product_id, record.product_version)
        method = request["method"] or str(product.methods[0])
        recorded = {"line": request["line_id"], "amount_minor": request["amount_minor"], "term": request["term_months"], "method": method}
        return first_result(uow, "draw", key, recorded)
