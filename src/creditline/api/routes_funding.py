"""/v1/funding: co-lending partners and the deals sold to trusts, for finance (and anyone who reads the
portfolio). Read-only: money moves through `creditline partner remit` and `creditline abs sell`, run by
treasury, and through end of day (docs/co-lending.md, docs/securitisation.md)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from creditline.api.deps import Runtime, caller, runtime
from creditline.api.json_body import StrictJsonRoute
from creditline.api.params import ID_PATTERN
from creditline.api.problems import PROBLEM_RESPONSES
from creditline.app.access import Principal
from creditline.identity.roles import Permission, PermissionDenied, allows

router = APIRouter(prefix="/v1/funding", tags=["funding"], responses=PROBLEM_RESPONSES, route_class=StrictJsonRoute)
Rt = Annotated[Runtime, Depends(runtime)]
PartnerId = Annotated[str, Path(pattern=ID_PATTERN)]
DealId = Annotated[str, Path(pattern=ID_PATTERN)]
READERS = (Permission.MANAGE_FUNDING, Permission.READ_PORTFOLIO)


async def funding_reader(principal: Principal = Depends(caller)) -> Principal:
    """Finance manages funding; whoever reads the portfolio may read it too (the console's rule)."""
    if not any(allows(principal.role, p) for p in READERS):
        raise PermissionDenied(f"the {principal.role} role may not read funding", field="role")
    return principal


Reader = Annotated[Principal, Depends(funding_reader)]


@router.get("/partners")
def partners(principal: Reader, rt: Rt) -> dict[str, Any]:
    """Every co-lending partner: principal funded, payable held, concentration, appetite used, allowance share."""
    from creditline.app.partner_settlement import partner_funding

    return {"partners": partner_funding(rt.engine)}


@router.get("/partners/{partner_id}")
def partner(partner_id: PartnerId, principal: Reader, rt: Rt) -> dict[str, Any]:
    """A partner's terms, appetite, position and remittances."""
    from creditline.app.colending import show_partner
    from creditline.app.partner_settlement import partner_remittances

    return show_partner(rt.engine, partner_id) | {"remittances": partner_remittances(rt.engine, partner_id)}


@router.get("/partners/{partner_id}/statement")
def statement(
    partner_id: PartnerId,
    principal: Reader,
    rt: Rt,
    period_from: Annotated[date, Query(alias="from")],
    period_to: Annotated[date, Query(alias="to")],
) -> dict[str, Any]:
    """The partner's statement for closed days (stored on first request, then returned unchanged)."""
    from creditline.app.colending_books import partner_statement

    return partner_statement(rt.engine, partner_id, period_from, period_to)


@router.get("/partners/{partner_id}/reconciliation")
def partner_reconciliation(partner_id: PartnerId, principal: Reader, rt: Rt) -> dict[str, Any]:
    """The partner's position from the journal against its shares of the loans, and the GL control totals."""
    from creditline.app.colending_books import reconcile_partners

    return reconcile_partners(rt.engine, partner_id)


@router.get("/deals")
def deals(principal: Reader, rt: Rt) -> dict[str, Any]:
    """Every pool sold to a trust."""
    from creditline.app.securitisation import list_deals

    return {"deals": list_deals(rt.engine)}


@router.get("/deals/{deal_id}")
def deal(deal_id: DealId, principal: Reader, rt: Rt) -> dict[str, Any]:
    """A deal as sold (tranches, price, notes kept) and its trust's position in the books now."""
    from creditline.app.securitisation import show_deal

    return show_deal(rt.engine, deal_id)


@router.get("/deals/{deal_id}/waterfall")
def waterfall(deal_id: DealId, principal: Reader, rt: Rt) -> dict[str, Any]:
    """The deal's waterfall run on what its loans collected, period by period: tranche balances, triggers."""
    from creditline.app.trust_waterfall import deal_run

    return deal_run(rt.engine, deal_id)


@router.get("/reconciliation")
def reconciliation(principal: Reader, rt: Rt) -> dict[str, Any]:
    """Both funding reconciliations: every partner's and every trust's, with their GL control totals."""
    from creditline.app.colending_books import reconcile_partners
    from creditline.app.trust_books import reconcile_trusts

    partners_report, trusts_report = reconcile_partners(rt.engine), reconcile_trusts(rt.engine)
    return {"clean": partners_report["clean"] and trusts_report["clean"], "partners": partners_report,
            "trusts": trusts_report}  # fmt: skip
