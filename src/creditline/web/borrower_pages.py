"""The borrower app's pages, under /app: overview, apply, decision, draw, loan, history, consents.

Routes translate a request into one `app` call and a template: ownership through the API's own
checks (`api.deps.visible_line` / `visible_loan`: another borrower's id is "not found"), every post
checked for its CSRF token, and every money-moving post carrying the idempotency key the page was
rendered with, so a double submit or a retry returns the first result.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from creditline.api.deps import visible_line, visible_loan
from creditline.app import applications, borrower_views, consents, decision, drawdowns, loans, quotes
from creditline.app.access import Principal
from creditline.app.drawdown_screening import Client
from creditline.errors import DomainError, TooManyAttempts
from creditline.identity.roles import Permission, require
from creditline.ids import ID_PATTERN
from creditline.web import borrower_servicing, sessions
from creditline.web.application_form import EMPLOYMENTS, application, consent_screens
from creditline.web.forms import FormInvalid, PageId, form_fields, json_body
from creditline.web.i18n import LANG_COOKIE, LANGUAGES
from creditline.web.rendering import Pages
from creditline.web.sessions import CSRF_FIELD, CSRF_HEADER, visitor

router = APIRouter()
Form = Annotated[dict[str, str], Depends(form_fields)]
Body = Annotated[dict[str, Any], Depends(json_body)]
DEVICE_COOKIE = "creditline_device"
NOTICES = ("repaid", "review_requested", "consent_withdrawn", "drawn")


def _pages(request: Request) -> Pages:
    return request.app.state.pages


def _page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    return _pages(request).render(request, template, context, visitor=visitor(request), status=status)


def _posted(request: Request, fields: dict[str, str]) -> Principal:
    principal = sessions.borrower(request)
    sessions.check_post(request, principal, fields.get(CSRF_FIELD))
    return principal


def _see_other(location: str) -> RedirectResponse:
    return RedirectResponse(location, status_code=303)


def _key() -> str:
    return secrets.token_hex(16)


@router.get("/")
def home(request: Request, notice: str | None = None) -> HTMLResponse:
    seen = visitor(request)
    if seen.principal is None or seen.principal.role.value != "borrower":
        return _page(request, "borrower/welcome.html")
    rt = sessions.runtime_of(request)
    overview = borrower_views.overview(rt.engine, seen.principal)
    return _page(request, "borrower/home.html", notice=notice if notice in NOTICES else None, **overview)


@router.get("/language/{code}")
def language(code: str) -> RedirectResponse:
    response = _see_other("/app/")
    if code in LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="lax", path="/")
    return response


@router.post("/sign-out")
def sign_out(request: Request, fields: Form) -> RedirectResponse:
    from creditline.app.access import sign_out as end_session

    principal = sessions.signed_in(request)
    sessions.check_post(request, principal, fields.get(CSRF_FIELD))
    end_session(sessions.runtime_of(request).engine, principal)
    response = _see_other("/app/")
    sessions.end(response)
    return response


# -- applying ----------------------------------------------------------------------------------------


def _apply_page(request: Request, status: int = 200, error: DomainError | None = None, fields: dict | None = None) -> HTMLResponse:
    language = _pages(request).language(request)
    return _page(request, "borrower/apply.html", status, consents=consent_screens(language), employments=EMPLOYMENTS,
                 form_key=(fields or {}).get("form_key") or _key(), fields=fields or {}, error=error)  # fmt: skip


@router.get("/apply")
def apply_form(request: Request) -> HTMLResponse:
    sessions.borrower(request)
    return _apply_page(request)


@router.post("/apply")
def apply(request: Request, fields: Form) -> Response:
    principal = _posted(request, fields)
    require(principal.role, Permission.APPLY)
    rt = sessions.runtime_of(request)
    key = fields.get("form_key", "")
    # a phone without the cookie yet: the same device for the same form, so a double tap is one request
    device = request.cookies.get(DEVICE_COOKIE) or hashlib.sha256(f"{principal.account_id}:{key}".encode()).hexdigest()[:32]
    ip = request.client.host if request.client else "127.0.0.1"
    stamped = applications.application_time(rt.engine, datetime.now(UTC))
    language = _pages(request).language(request)

    def made_at(at: datetime) -> dict[str, Any]:  # the form sent again is stamped as the first time: the same request
        return application(fields, language, device, ip, at)

    try:
        view, issued = applications.apply_for_account(rt.engine, principal, rt.access, key, made_at(stamped),
                                                      rt.origination, restamp=made_at)  # fmt: skip
    except DomainError as exc:
        page = _apply_page(request, exc.http_status, exc, {k: v for k, v in fields.items() if k != CSRF_FIELD})
        if isinstance(exc, TooManyAttempts):  # the account's identity attempts are used up: when to come back
            page.headers["Retry-After"] = str(exc.retry_after_s)
        return page
    response = _see_other(f"/app/decisions/{view['decision_id']}")
    response.set_cookie(DEVICE_COOKIE, device, max_age=5 * 365 * 86400, httponly=True, secure=rt.settings.https,
                        samesite="lax", path="/")  # fmt: skip
    if issued is not None:  # the account now reaches a borrower: its session was replaced
        sessions.start(response, rt, issued)
    return response


@router.get("/decisions/{decision_id}")
def show_decision(request: Request, decision_id: PageId, notice: str | None = None) -> HTMLResponse:
    from creditline.app.apply_explain import reason_text
    from creditline.app.ownership import lines_of

    principal = sessions.borrower(request)
    rt = sessions.runtime_of(request)
    view = applications.decision_for_account(rt.engine, principal.account_id, decision_id)
    line = next((line for line in lines_of(rt.engine, principal.borrower_id) if line["line_id"] == view["line_id"]), None)
    words = _pages(request).words(request)
    reasons = [{"code": code, "text": reason_text(code, words)} for code in view["reasons"]]
    return _page(request, "borrower/decision.html", decision=view, line=line, reasons=reasons,
                 notice=notice if notice in NOTICES else None)  # fmt: skip


@router.get("/decisions/{decision_id}/explanation")
def explanation(request: Request, decision_id: PageId) -> HTMLResponse:
    principal = sessions.borrower(request)
    rt = sessions.runtime_of(request)
    from creditline.app.apply_explain import in_words

    explained = applications.explanation_for_account(rt.engine, principal.account_id, decision_id)  # not found unless theirs
    pages = _pages(request)
    explained = in_words(explained, pages.words(request), pages.language(request).code)
    return _page(request, "borrower/explanation.html", explained=explained)


@router.post("/decisions/{decision_id}/review")
def ask_review(request: Request, decision_id: PageId, fields: Form) -> RedirectResponse:
    principal = _posted(request, fields)
    require(principal.role, Permission.REQUEST_REVIEW)
    rt = sessions.runtime_of(request)
    applications.decision_for_account(rt.engine, principal.account_id, decision_id)
    decision.request_review(rt.engine, decision_id, fields.get("reason", ""))
    return _see_other(f"/app/decisions/{decision_id}?notice=review_requested")


# -- drawing -------------------------------------------------------------------------------------------


@router.get("/lines/{line_id}")
def line_page(request: Request, line_id: PageId) -> HTMLResponse:
    principal = sessions.borrower(request)
    rt = sessions.runtime_of(request)
    visible_line(rt, principal, line_id)
    assert principal.borrower_id is not None, "visible_line found the borrower's own line"
    coupons = borrower_servicing.usable_coupons(rt.engine, principal.borrower_id)
    return _page(request, "borrower/draw.html", form_key=_key(), coupons=coupons, **borrower_views.draw_options(rt.engine, line_id))


@router.post("/lines/{line_id}/preview")
def preview(request: Request, line_id: PageId, fields: Form) -> HTMLResponse:
    """The live schedule (htmx): what this drawdown would cost, the APR next to the daily rate."""
    principal = _posted(request, fields)
    rt = sessions.runtime_of(request)
    visible_line(rt, principal, line_id)
    coupon_id = fields.get("coupon_id") or None
    if coupon_id is not None and not re.fullmatch(ID_PATTERN, coupon_id):
        return _page(request, "borrower/_preview.html", preview=None, error=FormInvalid("a coupon id", field="coupon_id"))
    try:
        term = int(fields.get("term_months", ""))
        shown = quotes.drawdown_preview(rt.engine, line_id, fields.get("amount", ""), term, fields.get("method") or None)
    except ValueError:
        return _page(request, "borrower/_preview.html", preview=None, error=FormInvalid("choose a term", field="term_months"))
    except DomainError as exc:
        return _page(request, "borrower/_preview.html", preview=None, error=exc)
    assert principal.borrower_id is not None, "visible_line found the borrower's own line"
    extras = borrower_servicing.preview_extras(rt.engine, principal.borrower_id, shown, coupon_id)
    lang = _pages(request).language(request).code
    return _page(request, "borrower/_preview.html", preview=shown, error=None, lang=lang, **extras)


def _drawdown_request(request: Request, line_id: str, body: dict[str, Any]) -> tuple[Principal, dict[str, Any]]:
    principal = sessions.borrower(request)
    sessions.check_post(request, principal, request.headers.get(CSRF_HEADER))
    require(principal.role, Permission.DRAW)
    rt = sessions.runtime_of(request)
    currency = visible_line(rt, principal, line_id)
    term, method = body.get("term_months"), body.get("method") or None
    if not isinstance(body.get("amount"), str):
        raise FormInvalid("the amount as text, like \"600.00\"", field="amount")
    if not isinstance(term, int) or isinstance(term, bool):
        raise FormInvalid("a whole number of months", field="term_months")
    if method is not None and not isinstance(method, str):
        raise FormInvalid("a method name", field="method")
    coupon_id = body.get("coupon_id") or None
    if coupon_id is not None and (not isinstance(coupon_id, str) or not re.fullmatch(ID_PATTERN, coupon_id)):
        raise FormInvalid("a coupon id", field="coupon_id")
    return principal, drawdowns.approval_request(line_id, currency, body["amount"], term, method, coupon_id)


@router.post("/lines/{line_id}/approval")
def approval(request: Request, line_id: PageId, body: Body) -> dict[str, Any]:
    """Options for the passkey assertion that approves exactly this drawdown."""
    principal, wanted = _drawdown_request(request, line_id, body)
    rt = sessions.runtime_of(request)
    return drawdowns.begin_approval(rt.engine, rt.access, principal, wanted)


@router.post("/lines/{line_id}/drawdowns")
def draw(request: Request, line_id: PageId, body: Body) -> JSONResponse:
    principal, wanted = _drawdown_request(request, line_id, body)
    rt = sessions.runtime_of(request)
    assertion = body.get("assertion")
    if not isinstance(assertion, dict) or not isinstance(body.get("key"), str):
        raise FormInvalid("the passkey approval and the idempotency key are required", field="assertion")
    client = Client(request.cookies.get(DEVICE_COOKIE))  # what transaction monitoring knows this phone by
    loan = drawdowns.draw_approved(rt.engine, rt.access, principal, body["key"], wanted, body["amount"], assertion, client=client)
    return JSONResponse({"location": f"/app/loans/{loan['loan_id']}?notice=drawn"}, status_code=201)


# -- loans -----------------------------------------------------------------------------------------------


@router.get("/loans/{loan_id}")
def loan_page(request: Request, loan_id: PageId, notice: str | None = None) -> HTMLResponse:
    principal = sessions.borrower(request)
    rt = sessions.runtime_of(request)
    visible_loan(rt, principal, loan_id)
    return _page(request, "borrower/loan.html", form_key=_key(), notice=notice if notice in NOTICES else None,
                 **borrower_views.loan_page(rt.engine, loan_id))  # fmt: skip


@router.post("/loans/{loan_id}/repayments")
def repay(request: Request, loan_id: PageId, fields: Form) -> Response:
    principal = _posted(request, fields)
    require(principal.role, Permission.REPAY_OWN)
    rt = sessions.runtime_of(request)
    visible_loan(rt, principal, loan_id)
    key = applications.client_key(principal.account_id, fields.get("form_key", ""))
    try:
        loans.repay(rt.engine, loans.Repay(loan_id, fields.get("amount", ""), key))
    except DomainError as exc:
        return _page(request, "borrower/loan.html", exc.http_status, form_key=_key(), notice=None, error=exc,
                     **borrower_views.loan_page(rt.engine, loan_id))  # fmt: skip
    return _see_other(f"/app/loans/{loan_id}?notice=repaid")


# -- history and consents ---------------------------------------------------------------------------------


@router.get("/history")
def history(request: Request) -> HTMLResponse:
    principal = sessions.borrower(request)
    rt = sessions.runtime_of(request)
    return _page(request, "borrower/history.html", **borrower_views.history(rt.engine, principal))


@router.get("/consents")
def consent_list(request: Request, notice: str | None = None) -> HTMLResponse:
    principal = sessions.borrower(request)
    rt = sessions.runtime_of(request)
    screens = {screen["scope"]: screen for screen in consent_screens(_pages(request).language(request))}
    return _page(request, "borrower/consents.html", consents=consents.list_consents(rt.engine, principal.account_id),
                 screens=screens, notice=notice if notice in NOTICES else None)  # fmt: skip


@router.post("/consents/{consent_id}/withdrawal")
def withdraw(request: Request, consent_id: PageId, fields: Form) -> RedirectResponse:
    principal = _posted(request, fields)
    require(principal.role, Permission.MANAGE_OWN_CONSENTS)
    consents.withdraw(sessions.runtime_of(request).engine, principal.account_id, consent_id)
    return _see_other("/app/consents?notice=consent_withdrawn")
