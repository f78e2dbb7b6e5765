"""Campaign files (TOML or YAML), checked with pydantic and hashed like product files.

Amounts and percentages are text ("20", "50000.00") so no binary float becomes money or a rate.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from creditline.errors import DomainError
from creditline.lending.product_schema import TERM_MONTHS_MAX
from creditline.money import Money, currency
from creditline.promotions.campaign import Campaign, CouponKind, Eligibility
from creditline.promotions.errors import CampaignInvalid

FILE_CHARS_MAX = 20_000
VERSION_MAX = 2**31 - 1  # the store keeps it in an INTEGER column


def _text_number(value: Any) -> str:
    if isinstance(value, bool | float):
        raise ValueError('write numbers as text in quotes ("20", "50000.00"), never as a bare float')
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, str):
        raise ValueError(f"expected a number as text, got {type(value).__name__}")
    return value.strip()


TextNumber = Annotated[str, BeforeValidator(_text_number)]


class EligibilityModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    risk_grades: tuple[str, ...] | None = Field(default=None, max_length=50)
    tenure_days_min: int = Field(default=0, ge=0, le=36_500)
    members_only: bool = False


class CampaignModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    campaign_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    version: int = Field(ge=1, le=VERSION_MAX)
    name: str = Field(min_length=1, max_length=200)
    kind: CouponKind
    currency: str = Field(pattern=r"^[A-Za-z]{3}$")
    budget_cap: TextNumber
    issue_from: date
    issue_until: date
    valid_days: int = Field(ge=1, le=366)
    discount_pct: TextNumber | None = None
    installments_max: int | None = Field(default=None, ge=1, le=360)
    free_days: int | None = Field(default=None, ge=1, le=366)
    eligibility: EligibilityModel = EligibilityModel()
    amount_min: TextNumber | None = None
    terms_months: tuple[int, ...] | None = Field(default=None, max_length=50)
    per_borrower_max: int = Field(default=1, ge=1, le=100)

    @field_validator("terms_months")
    @classmethod
    def _terms(cls, terms: tuple[int, ...] | None) -> tuple[int, ...] | None:
        # An empty list or a term no product has would make coupons no drawdown can use.
        if terms is not None and (not terms or any(not 1 <= t <= TERM_MONTHS_MAX for t in terms)):
            raise ValueError(f"one or more terms, each from 1 to {TERM_MONTHS_MAX} months (omit it for every term)")
        return terms


def load_campaign(text: str, *, source: str) -> Campaign:
    """Parse and validate a campaign file; every mistake is a `CampaignInvalid` naming its field."""
    if len(text) > FILE_CHARS_MAX:
        raise CampaignInvalid(f"a campaign file is at most {FILE_CHARS_MAX} characters", field="file")
    data = _parse(text, source)
    try:
        model = CampaignModel.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or None
        raise CampaignInvalid(f"{first['msg'].removeprefix('Value error, ')} (in {source})", field=where) from None
    return _campaign(model)


def _parse(text: str, source: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text) if source.lower().endswith((".yaml", ".yml")) else tomllib.loads(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError, ValueError, RecursionError) as exc:  # a date like 2025-02-30; nested too deep
        raise CampaignInvalid(f"{source} is not valid: {' '.join(str(exc).split())}", field="file") from None
    if not isinstance(data, dict):
        raise CampaignInvalid(f"{source} must hold a table of settings", field="file")
    return data


def _campaign(model: CampaignModel) -> Campaign:
    try:
        cur = currency(model.currency.upper())
        budget = Money.parse(model.budget_cap, cur, field="budget_cap")
        amount_min = None if model.amount_min is None else Money.parse(model.amount_min, cur, field="amount_min")
    except DomainError as exc:
        raise CampaignInvalid(exc.message, field=exc.field) from None
    grades = model.eligibility.risk_grades
    return Campaign(
        campaign_id=model.campaign_id,
        version=model.version,
        name=model.name,
        kind=model.kind,
        currency=cur,
        budget_cap=budget,
        issue_from=model.issue_from,
        issue_until=model.issue_until,
        valid_days=model.valid_days,
        discount_pct=None if model.discount_pct is None else _percent(model.discount_pct),
        installments_max=model.installments_max,
        free_days=model.free_days,
        eligibility=Eligibility(
            None if grades is None else frozenset(grades),
            model.eligibility.tenure_days_min,
            model.eligibility.members_only,
        ),
        amount_min=amount_min,
        terms_months=None if model.terms_months is None else frozenset(model.terms_months),
        per_borrower_max=model.per_borrower_max,
        content_hash=_content_hash(model),
    )


def _percent(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CampaignInvalid(f"{text!r} is not a number", field="discount_pct") from None
    if not value.is_finite():
        raise CampaignInvalid(f"{text!r} is not a finite number", field="discount_pct")
    return value


def _content_hash(model: CampaignModel) -> str:
    canonical = json.dumps(model.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
