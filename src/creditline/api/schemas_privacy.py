"""Request and response bodies of a borrower's privacy requests: erasure and export (docs/privacy.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class SubjectStepUp(BaseModel):
    """An export or erasure request (the borrower's own, or an operator's for them): the step-up an
    account with a passkey sends."""

    model_config = ConfigDict(extra="forbid")
    assertion: dict[str, Any] | None = Field(
        default=None,
        description="navigator.credentials.get() answering this request's approval options (POST …/approvals, user "
        "verification); required when the signed-in account has a passkey",
    )


class ErasureRequestIn(SubjectStepUp):
    """An operator's erasure request for a borrower: the day it was made, and the operator's step-up."""

    date: dt.date | None = Field(default=None, description="the day the request was made; default the business date, never later")


class ErasureAnswer(BaseModel):
    borrower_id: str
    outcome: Literal["erased", "restricted"]
    already: bool = Field(description="the data had been erased by an earlier request")
    requested_on: str
    erase_on: str | None = Field(description="when the data may go; null while obligations are open")
    erased_on: str | None
    fields_erased: int | None
    policy_version: str
    reason: str


class SubjectExport(BaseModel):
    format: Literal["creditline-subject-export/v1"]
    borrower_id: str
    generated_at: str
    personal_data: dict[str, str | None]
    records: dict[str, list[dict[str, Any]]] = Field(
        description="consents, applications, credit_lines, loans, journal_lines, access_log; money as "
        '{"amount", "currency", "minor"}'
    )
