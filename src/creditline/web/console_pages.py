"""The operator console's pages, under /console: each gated by the permission its work needs.

Collections and early warning show the post-loan engine's work items and alerts (`app.collections`,
`app.alerts`); an agent takes a work item, an operator acknowledges or resolves an alert here.

dashboard (read_portfolio) · reviews (review_decisions) · collections (work_collections) · alerts
(read_portfolio or work_collections) · models (read_decision_records) · funding (manage_funding or
read_portfolio) · audit (read_audit). The navigation shows an operator only the pages their role
opens; a page they may not see answers 403 whatever the URL.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from creditline.app import console_views, decision
from creditline.app.access import Principal
from creditline.errors import DomainError, NotFound
from creditline.identity.roles import Permission, PermissionDenied, Role, allows
from creditline.web import sessions
from creditline.web.figures import CHARTS, Figures, live_book
from creditline.web.forms import PageId, PageNumber, form_fields
from creditline.web.rendering import Pages
from creditline.web.sessions import CSRF_FIELD, visitor

router = APIRouter()
Form = Annotated[dict[str, str], Depends(form_fields)]
# A chart opens to the roles of the page that shows it: the dashboard's (read_portfolio) unless named here.
CHART_PERMISSIONS = {"psi": Permission.READ_DECISION_RECORDS}  # model monitoring
SVG_HEADERS = {"cache-control": "private, max-age=60", "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'"}

# (path, title, any of these permissions opens it)
SECTIONS: tuple[tuple[str, str, tuple[Permission, ...]], ...] = (
    ("/console/", "Portfolio", (Permission.READ_PORTFOLIO,)),
    ("/console/reviews", "Decision reviews", (Permission.REVIEW_DECISIONS,)),
    ("/console/collections", "Collections", (Permission.WORK_COLLECTIONS,)),
    ("/console/alerts", "Early warning", (Permission.READ_PORTFOLIO, Permission.WORK_COLLECTIONS)),
    ("/console/models", "Model monitoring", (Permission.READ_DECISION_RECORDS,)),
    ("/console/funding", "Funding", (Permission.MANAGE_FUNDING, Permission.READ_PORTFOLIO)),
    ("/console/audit", "Audit log", (Permission.READ_AUDIT,)),
    ("/console/holds", "Monitoring holds", (Permission.REVIEW_HOLDS,)),  # web/console_servicing.py
    ("/console/campaigns", "Coupon campaigns", (Permission.READ_CAMPAIGNS,)),
)


def _opens(role: Role, permissions: tuple[Permission, ...]) -> bool:
    return any(allows(role, p) for p in permissions)


def _operator(request: Request, *permissions: Permission) -> Principal:
    principal = sessions.signed_in(request)
    if principal.role is Role.BORROWER:
        raise PermissionDenied("the console is for operators", field="role")
    if not _opens(principal.role, permissions):
        raise PermissionDenied(f"the {principal.role} role may not open this page", field="role")
    return principal


def _page(request: Request, template: str, principal: Principal, status: int = 200, **context: Any) -> HTMLResponse:
    pages: Pages = request.app.state.pages
    nav = [(path, title) for path, title, needed in SECTIONS if _opens(principal.role, needed)]
    return pages.render(request, template, {"nav": nav, **context}, visitor=visitor(request), status=status)


def _figures(request: Request) -> Figures:
    return request.app.state.figures


def _engine(request: Request) -> Any:
    return sessions.runtime_of(request).engine


@router.get("/sign-in")
def sign_in(request: Request) -> HTMLResponse:
    pages: Pages = request.app.state.pages
    return pages.render(request, "console/sign_in.html", {"nav": []}, visitor=visitor(request))


@router.post("/sign-out")
def sign_out(request: Request, fields: Form) -> RedirectResponse:
    from creditline.app.access import sign_out as end_session

    principal = sessions.signed_in(request)
    sessions.check_post(request, principal, fields.get(CSRF_FIELD))
    end_session(_engine(request), principal)
    response = RedirectResponse("/console/sign-in", status_code=303)
    sessions.end(response)
    return response


@router.get("/")
def dashboard(request: Request, currency: str | None = None) -> Response:
    """The live book (every currency) and the risk and regulatory figures of one currency's loans:
    `?currency=` (an ISO 4217 code), or the book's main currency."""
    principal = sessions.signed_in(request)
    if principal.role is not Role.BORROWER and not allows(principal.role, Permission.READ_PORTFOLIO):
        first = next((path for path, _, needed in SECTIONS if _opens(principal.role, needed)), None)
        if first is not None:
            return RedirectResponse(first, status_code=303)
    principal = _operator(request, Permission.READ_PORTFOLIO)
    code = _currency_code(currency)
    figures = _figures(request)
    live, report = figures.live_now(), figures.report_now(code=code)
    books = [] if live is None or live.value is None else live.value["currencies"]
    reported = None if report is None or report.value is None else report.value
    charted = None if live is None or live.value is None else live_book(live.value, code)
    choices = sorted({book["currency"] for book in books} | set([] if reported is None else reported["currencies"]))
    chosen = code or (reported["currency"] if reported is not None else charted["currency"] if charted else None)
    return _page(request, "console/dashboard.html", principal, live=live, report=report, currency=code,
                 choices=choices, chosen=chosen, charted=None if charted is None else charted["currency"])  # fmt: skip


def _currency_code(text: str | None) -> str | None:
    """A `?currency=` value as its ISO 4217 code; an unknown code is refused naming the field."""
    from creditline.money import currency

    return None if text is None else currency(text).code


@router.get("/charts/{name}.svg")
def chart(request: Request, name: str, currency: str | None = None) -> Response:
    _operator(request, CHART_PERMISSIONS.get(name, Permission.READ_PORTFOLIO))
    if name not in CHARTS:
        raise NotFound(f"no chart {name[:40]!r}", field="chart", code="chart_not_found")
    svg = _figures(request).chart(name, _currency_code(currency))
    if svg is None:
        return Response(status_code=204)
    return Response(svg, media_type="image/svg+xml", headers=SVG_HEADERS)


@router.get("/reviews")
def reviews(request: Request, notice: str | None = None) -> HTMLResponse:
    principal = _operator(request, Permission.REVIEW_DECISIONS)
    queue = console_views.review_queue(_engine(request), words=request.app.state.pages.words(request))
    return _page(request, "console/reviews.html", principal, queue=queue, notice=notice, error=None)


@router.post("/reviews/{review_id}/resolution")
def resolve(request: Request, review_id: PageNumber, fields: Form) -> Response:
    principal = _operator(request, Permission.REVIEW_DECISIONS)
    sessions.check_post(request, principal, fields.get(CSRF_FIELD))
    try:
        decision.resolve_review(_engine(request), review_id, fields.get("resolution", ""), principal.account_id,
                                fields.get("note", ""))  # fmt: skip
    except DomainError as exc:
        queue = console_views.review_queue(_engine(request), words=request.app.state.pages.words(request))
        return _page(request, "console/reviews.html", principal, exc.http_status, queue=queue, notice=None, error=exc)
    return RedirectResponse(f"/console/reviews?notice=resolved-{review_id}", status_code=303)


@router.get("/collections")
def collections(request: Request) -> HTMLResponse:
    principal = _operator(request, Permission.WORK_COLLECTIONS)
    return _page(request, "console/collections.html", principal, work_items=console_views.work_queue(_engine(request)),
                 past_due=_figures(request).past_due_now())  # fmt: skip


@router.get("/alerts")
def alerts(request: Request, notice: str | None = None) -> HTMLResponse:
    principal = _operator(request, Permission.READ_PORTFOLIO, Permission.WORK_COLLECTIONS)
    return _alerts_page(request, principal, 200, notice=notice, error=None)


def _alerts_page(request: Request, principal: Principal, status: int, **context: Any) -> HTMLResponse:
    """Everyone the page opens to sees the alerts; only a role that handles them gets the forms."""
    return _page(request, "console/alerts.html", principal, status, alerts=console_views.early_warnings(_engine(request)),
                 live=_figures(request).live_now(), handles=allows(principal.role, Permission.HANDLE_ALERTS),
                 **context)  # fmt: skip


@router.post("/alerts/{alert_id}/{step}")
def move_alert(request: Request, alert_id: PageNumber, step: str, fields: Form) -> Response:
    """Acknowledge or resolve an alert (early-warning engine, `app.alerts`), with an optional note: `handle_alerts`,
    as /v1/alerts (the page opens to more roles than may act on it)."""
    from creditline.app import alerts as alert_cases

    principal = _operator(request, Permission.HANDLE_ALERTS)
    sessions.check_post(request, principal, fields.get(CSRF_FIELD))
    moves = {"acknowledgement": alert_cases.acknowledge_alert, "resolution": alert_cases.resolve_alert}
    if step not in moves:
        raise NotFound(f"no step {step[:40]!r}", field="step")
    try:
        moves[step](_engine(request), alert_id, principal.account_id, fields.get("note") or None)
    except DomainError as exc:
        return _alerts_page(request, principal, exc.http_status, notice=None, error=exc)
    return RedirectResponse(f"/console/alerts?notice={step}", status_code=303)


@router.post("/collections/{item_id}/assignment")
def take_item(request: Request, item_id: PageId, fields: Form) -> RedirectResponse:
    """Take a work item: it is assigned to the signed-in agent."""
    from creditline.app.collections import assign_item

    principal = _operator(request, Permission.WORK_COLLECTIONS)
    sessions.check_post(request, principal, fields.get(CSRF_FIELD))
    assign_item(_engine(request), item_id, principal.account_id)
    return RedirectResponse("/console/collections", status_code=303)


@router.get("/models")
def models(request: Request) -> HTMLResponse:
    principal = _operator(request, Permission.READ_DECISION_RECORDS)
    return _page(request, "console/models.html", principal, monitoring=_figures(request).monitoring_now())


@router.get("/funding")
def funding(request: Request) -> HTMLResponse:
    principal = _operator(request, Permission.MANAGE_FUNDING, Permission.READ_PORTFOLIO)
    return _page(request, "console/funding.html", principal, funding=console_views.funding_overview(_engine(request)))


@router.get("/audit")
def audit(request: Request) -> HTMLResponse:
    principal = _operator(request, Permission.READ_AUDIT)
    return _page(request, "console/audit.html", principal, heads=console_views.audit_heads(_engine(request)), result=None,
                 error=None)  # fmt: skip


@router.post("/audit/verification")
def verify(request: Request, fields: Form) -> HTMLResponse:
    """Run the verifier over the whole log now (seconds on a large book: an explicit action, not a page)."""
    from creditline.store.audit_log import signing_key_from_environment

    principal = _operator(request, Permission.READ_AUDIT)
    sessions.check_post(request, principal, fields.get(CSRF_FIELD))
    heads = console_views.audit_heads(_engine(request))
    try:
        key = signing_key_from_environment().public_key()
        result = console_views.verify_audit_log(_engine(request), key)
    except DomainError as exc:
        return _page(request, "console/audit.html", principal, 422, heads=heads, result=None, error=exc)
    return _page(request, "console/audit.html", principal, heads=heads, result=result, error=None)
