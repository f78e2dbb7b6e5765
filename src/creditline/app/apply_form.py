"""Application intake: the JSON a borrower's app sends, checked field by field before anything runs.

Bounded everywhere (every string, every list, the whole body), strict about types (an income is
text like "9000.00", never a float), and every failure a typed error naming the field by its path
(`applicant.income_monthly`). Identity fields stay raw here: their checks depend on jurisdiction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from creditline.errors import DomainError
from creditline.money import Money, currency
from creditline.privacy import ConsentRecord, ConsentScope, Purpose

BODY_BYTES_MAX = 64 * 1024
CONTACTS_MAX = 50
CONSENTS_MAX = 16
TEXT_MAX = 200


class InvalidApplication(DomainError):
    code = "invalid_application"


_STRICT = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class ApplicantForm(BaseModel):
    model_config = _STRICT
    name: str = Field(min_length=1, max_length=TEXT_MAX)
    id_number: str = Field(min_length=1, max_length=40)
    phone: str = Field(min_length=1, max_length=40)
    bank_card: str = Field(min_length=1, max_length=40)
    income_monthly: str = Field(min_length=1, max_length=30)  # major units as text
    income_annual_average: str | None = Field(default=None, max_length=30)
    employment: Literal["salaried", "self_employed", "student", "retired", "other"]


class DeviceForm(BaseModel):
    model_config = _STRICT
    device_id: str = Field(min_length=1, max_length=TEXT_MAX)
    ip: str = Field(min_length=2, max_length=45)
    selfie_ref: str = Field(min_length=1, max_length=TEXT_MAX)


class ConsentForm(BaseModel):
    model_config = _STRICT
    scope: ConsentScope
    text_version: str = Field(min_length=1, max_length=64)
    purpose: Purpose
    granted_at: datetime
    expires_at: datetime | None = None
    withdrawn_at: datetime | None = None


class ApplicationForm(BaseModel):
    model_config = _STRICT
    jurisdiction: str = Field(min_length=2, max_length=2)
    product_id: str = Field(min_length=1, max_length=64)
    applied_at: datetime
    applicant: ApplicantForm
    device: DeviceForm
    contacts: list[str] = Field(default_factory=list, max_length=CONTACTS_MAX)
    consents: list[ConsentForm] = Field(default_factory=list, max_length=CONSENTS_MAX)


@dataclass(frozen=True, slots=True)
class Application:
    """A well-formed application: amounts are Money, times carry an offset, consents are records."""

    form: ApplicationForm
    income_monthly: Money
    income_annual_average: Money | None
    consents: tuple[ConsentRecord, ...]

    @property
    def applied_at(self) -> datetime:
        return self.form.applied_at


def parse_application(data: Any, currency_code: str) -> Application:
    """Validate a decoded JSON object; raises `InvalidApplication` (or a money/consent error) by field."""
    return application_of(application_form(data), currency_code)


def application_form(data: Any) -> ApplicationForm:
    """The form of a decoded JSON object, values stripped of surrounding whitespace and times parsed;
    raises `InvalidApplication` naming the field."""
    try:
        form = ApplicationForm.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "application"
        raise InvalidApplication(first["msg"], field=where) from exc
    return checked_form(form)


def checked_form(form: ApplicationForm) -> ApplicationForm:
    """What the form's model does not check itself (a form validated elsewhere, as the API's body is)."""
    if form.applied_at.tzinfo is None:
        raise InvalidApplication("needs a time zone offset (e.g. +08:00)", field="applied_at")
    return form


def canonical_request(form: ApplicationForm) -> dict[str, Any]:
    """What an application's idempotency hash is taken of: the form as JSON, so the same application
    hashes alike whether it came over HTTP (validated into the form first) or from the CLI (raw JSON),
    with or without spaces around its values or the fields left at their defaults."""
    return form.model_dump(mode="json")


def application_of(form: ApplicationForm, currency_code: str) -> Application:
    """The application of a validated form: amounts as Money in the product's currency, consents as records."""
    cur = currency(currency_code)
    income = Money.parse(form.applicant.income_monthly, cur, field="applicant.income_monthly")
    if income.is_negative():
        raise InvalidApplication("income cannot be negative", field="applicant.income_monthly")
    annual = None
    if form.applicant.income_annual_average is not None:
        annual = Money.parse(form.applicant.income_annual_average, cur, field="applicant.income_annual_average")
        if annual.is_negative():
            raise InvalidApplication("income cannot be negative", field="applicant.income_annual_average")
    consents = tuple(
        ConsentRecord(c.scope, c.text_version, c.purpose, c.granted_at, c.expires_at, c.withdrawn_at)
        for c in form.consents
    )
    return Application(form, income, annual, consents)
