"""A borrower's privacy requests: erasure and a copy of their data (docs/privacy.md).

The borrower asks for their own (`/v1/me/...`); an operator with `handle_subject_requests` (admins)
takes a request for a borrower named in the path, e.g. one received by letter, dated the day it came.
An erasure request is answered at once: `erased`, or `restricted` with the date erasure is due
(`app.subject_rights`); it takes an Idempotency-Key like every POST that changes what is held. The
export's read is logged in the borrower's access log.

A borrower whose account has a passkey steps up for their own export and erasure request
(`app.step_ups`): options from `POST /v1/me/export/approvals` or `/v1/me/erasure-request/approvals`,
then the request with `{"assertion"}`; without it `401 step_up_required`. So does an operator with a
passkey taking either for a borrower (`POST /v1/borrowers/{id}/export/approvals`, `…/erasure-request/approvals`),
the approval bound to that borrower; an operator account without one (a `serve --dev` session) acts on
its session alone. Both exports are therefore `POST`s (a `GET` carries no body: `405` with `Allow: POST`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path

from creditline.api.deps import Runtime, allowed, caller, own_borrower, runtime
from creditline.api.json_body import StrictJsonRoute
from creditline.api.params import ID_PATTERN, IdempotencyKey
from creditline.api.problems import PROBLEM_RESPONSES, VAULT_UNAVAILABLE
from creditline.api.schemas_access import PasskeyOptions
from creditline.api.schemas_privacy import ErasureAnswer, ErasureRequestIn, SubjectExport, SubjectStepUp
from creditline.app.access import Principal
from creditline.app.applications import client_key
from creditline.app.step_ups import StepUp
from creditline.app.subject_rights import (
    RequestErasure,
    erasure_approval,
    export_approval,
    export_subject,
    request_erasure,
)
from creditline.identity.roles import Permission

router = APIRouter(
    prefix="/v1", tags=["privacy"], responses=PROBLEM_RESPONSES | VAULT_UNAVAILABLE, route_class=StrictJsonRoute
)
Rt = Annotated[Runtime, Depends(runtime)]
Caller = Annotated[Principal, Depends(caller)]
Handler = Annotated[Principal, Depends(allowed(Permission.HANDLE_SUBJECT_REQUESTS))]
BorrowerId = Annotated[str, Path(pattern=ID_PATTERN)]
Request = Annotated[ErasureRequestIn | None, Body()]
Proof = Annotated[SubjectStepUp | None, Body()]


def _step_up(rt: Runtime, principal: Principal, body: SubjectStepUp | None) -> StepUp:
    return StepUp(rt.access, principal.account_id, None if body is None else body.assertion)


@router.post("/me/erasure-request/approvals", response_model=PasskeyOptions)
def my_erasure_approval(principal: Caller, rt: Rt) -> dict:
    """Options for the passkey assertion approving my erasure request (single-use, expiring)."""
    borrower_id = own_borrower(principal, Permission.READ_OWN)
    return erasure_approval(rt.engine, rt.access, principal.account_id, borrower_id)


@router.post("/me/erasure-request", response_model=ErasureAnswer)
def my_erasure(key: IdempotencyKey, principal: Caller, rt: Rt, body: Proof = None) -> dict:
    """Ask for my personal data to be erased: erased now if the law allows, else restricted until it does.
    An account with a passkey sends the step-up `assertion`; without it `401 step_up_required`."""
    borrower_id = own_borrower(principal, Permission.READ_OWN)
    command = RequestErasure(borrower_id, principal.account_id, None, client_key(principal.account_id, key),
                             step_up=_step_up(rt, principal, body))  # fmt: skip
    return request_erasure(rt.engine, command)


@router.post("/me/export/approvals", response_model=PasskeyOptions)
def my_export_approval(principal: Caller, rt: Rt) -> dict:
    """Options for the passkey assertion approving my export (single-use, expiring)."""
    borrower_id = own_borrower(principal, Permission.READ_OWN)
    return export_approval(rt.engine, rt.access, principal.account_id, borrower_id)


@router.post("/me/export", response_model=SubjectExport)
def my_export(principal: Caller, rt: Rt, body: Proof = None) -> dict:
    """A copy of everything held of me, as one JSON document (the read is in my access log). An account
    with a passkey sends the step-up `assertion`; without it `401 step_up_required`, and nothing is read."""
    borrower_id = own_borrower(principal, Permission.READ_OWN)
    return export_subject(rt.engine, borrower_id, principal.account_id, step_up=_step_up(rt, principal, body))


@router.post("/borrowers/{borrower_id}/erasure-request/approvals", response_model=PasskeyOptions)
def erasure_for_approval(borrower_id: BorrowerId, handler: Handler, rt: Rt) -> dict:
    """Options for the operator's passkey assertion approving this borrower's erasure request."""
    return erasure_approval(rt.engine, rt.access, handler.account_id, borrower_id)


@router.post("/borrowers/{borrower_id}/erasure-request", response_model=ErasureAnswer)
def erasure(borrower_id: BorrowerId, key: IdempotencyKey, handler: Handler, rt: Rt, body: Request = None) -> dict:
    """Take a borrower's erasure request (dated `date`, default today): erased now, or restricted until due.
    An operator with a passkey sends the step-up `assertion`; without it `401 step_up_required`."""
    on = body.date if body is not None else None
    command = RequestErasure(borrower_id, handler.account_id, on, client_key(handler.account_id, key),
                             step_up=_step_up(rt, handler, body), by_operator=True)  # fmt: skip
    return request_erasure(rt.engine, command)


@router.post("/borrowers/{borrower_id}/export/approvals", response_model=PasskeyOptions)
def export_for_approval(borrower_id: BorrowerId, handler: Handler, rt: Rt) -> dict:
    """Options for the operator's passkey assertion approving this borrower's export."""
    return export_approval(rt.engine, rt.access, handler.account_id, borrower_id)


@router.post("/borrowers/{borrower_id}/export", response_model=SubjectExport)
def export(borrower_id: BorrowerId, handler: Handler, rt: Rt, body: Proof = None) -> dict:
    """A borrower's export, taken for them (the read is in their access log under the operator's account).
    An operator with a passkey sends the step-up `assertion`; without it `401 step_up_required`."""
    return export_subject(rt.engine, borrower_id, handler.account_id, step_up=_step_up(rt, handler, body), by_operator=True)
