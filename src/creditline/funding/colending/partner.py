"""Funding partners: who they are, what money costs them, and what loans they will fund.

A partner file (YAML or TOML, validated by pydantic; unknown fields are refused) is versioned data:
a change is a new version, and every loan records the version it was funded under. Shares and rates
are fractions ("0.35") or percentages ("35%"); amounts are major units as text ("50000000.00").

    partner_id: city-bank-a
    version: 1
    name: City Commercial Bank A
    currency: CNY
    cost_of_funds: "3.2%"          # annual; the allocator offers loans to the cheapest first
    active: true
    concentration_limit: "40%"     # the largest part of the platform's book it may fund
    appetite:
      balance_max: "50000000.00"   # principal outstanding it funds, at most
      risk_grades: [A, B, C]       # absent: any grade, an unrated borrower included
      terms_months: [3, 6, 12]     # absent: any term
      share_min: "10%"             # of each loan it funds
      share_max: "70%"
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from creditline.errors import DomainError
from creditline.funding.colending.errors import OwnShareBreached, PartnerInvalid, SharesInvalid
from creditline.funding.colending.files import content_hash, parse_text, validate
from creditline.funding.colending.shares import SHARE_SCALE, bp_of_fraction, bp_text
from creditline.funding.spec import MajorAmount, Ratio
from creditline.lending.product_schema import VERSION_MAX
from creditline.money import Currency, Money, Rate, currency

GRADES_MAX = 50
TERMS_MAX = 60
COST_OF_FUNDS_MAX = Decimal(1)  # 100% a year: anything above is a typo (0.035 written as 3.5)


class AppetiteModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    balance_max: MajorAmount
    risk_grades: tuple[str, ...] | None = Field(default=None, min_length=1, max_length=GRADES_MAX)
    terms_months: tuple[int, ...] | None = Field(default=None, min_length=1, max_length=TERMS_MAX)
    share_min: Ratio = Decimal("0.01")
    share_max: Ratio

    @model_validator(mode="after")
    def _range(self) -> AppetiteModel:
        if self.share_min > self.share_max:
            raise ValueError("share_min is above share_max")
        if self.terms_months is not None and any(not 1 <= t <= 360 for t in self.terms_months):
            raise ValueError("terms_months are whole months from 1 to 360")
        return self


class PartnerModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    partner_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    version: int = Field(ge=1, le=VERSION_MAX)  # the store's INTEGER column
    name: str = Field(min_length=1, max_length=200)
    currency: str = Field(pattern=r"^[A-Za-z]{3}$")
    cost_of_funds: Ratio
    active: bool = True
    concentration_limit: Ratio
    appetite: AppetiteModel


@dataclass(frozen=True, slots=True)
class Appetite:
    balance_max: Money  # principal outstanding the partner funds, at most
    risk_grades: frozenset[str] | None  # None: any grade, unrated included
    terms_months: frozenset[int] | None  # None: any term
    share_min_bp: int
    share_max_bp: int

    def takes_grade(self, grade: str | None) -> bool:
        return self.risk_grades is None or grade in self.risk_grades

    def takes_term(self, term_months: int) -> bool:
        return self.terms_months is None or term_months in self.terms_months


@dataclass(frozen=True, slots=True)
class FundingPartner:
    partner_id: str
    version: int
    name: str
    currency: Currency
    cost_of_funds: Rate  # annual
    active: bool
    concentration_limit_bp: int  # of the platform's loan book (principal outstanding)
    appetite: Appetite
    content_hash: str


def load_partner(text: str, *, source: str, min_own_bp: int) -> FundingPartner:
    """Parse and check a partner file against the schema and the platform's minimum own share.

    A partner that could take more of a loan than the minimum own share leaves is refused here, at
    registration, naming `appetite.share_max`: the allocator never has to cut a share it was promised.
    """
    model = validate(PartnerModel, parse_text(text, source, PartnerInvalid), PartnerInvalid)
    return partner_of(model, min_own_bp=min_own_bp)


def partner_of(model: PartnerModel, *, min_own_bp: int) -> FundingPartner:
    cur = _currency(model.currency)
    appetite = model.appetite
    share_min_bp = _bp(appetite.share_min, "appetite.share_min")
    share_max_bp = _bp(appetite.share_max, "appetite.share_max")
    if share_min_bp == 0:
        raise PartnerInvalid("a partner funds a positive share of a loan", field="appetite.share_min")
    if share_max_bp > SHARE_SCALE - min_own_bp:
        raise OwnShareBreached(
            f"{bp_text(share_max_bp)} leaves the platform less than its minimum own share "
            f"{bp_text(min_own_bp)}; at most {bp_text(SHARE_SCALE - min_own_bp)}",
            field="appetite.share_max",
        )
    if model.cost_of_funds > COST_OF_FUNDS_MAX:
        raise PartnerInvalid(f"{model.cost_of_funds} is above 100% a year", field="cost_of_funds")
    return FundingPartner(
        partner_id=model.partner_id,
        version=model.version,
        name=model.name,
        currency=cur,
        cost_of_funds=Rate(model.cost_of_funds),
        active=model.active,
        concentration_limit_bp=_bp(model.concentration_limit, "concentration_limit"),
        appetite=Appetite(
            balance_max=_amount(appetite.balance_max, cur),
            risk_grades=None if appetite.risk_grades is None else frozenset(appetite.risk_grades),
            terms_months=None if appetite.terms_months is None else frozenset(appetite.terms_months),
            share_min_bp=share_min_bp,
            share_max_bp=share_max_bp,
        ),
        content_hash=content_hash(model),
    )


def _bp(value: Decimal, field: str) -> int:
    try:
        return bp_of_fraction(value, field=field)
    except SharesInvalid as exc:
        raise PartnerInvalid(exc.message, field=field) from None


def _currency(code: str) -> Currency:
    try:
        return currency(code.upper())
    except DomainError as exc:
        raise PartnerInvalid(exc.message, field="currency") from None


def _amount(value: Decimal, cur: Currency) -> Money:
    try:
        return Money.from_decimal(value, cur, rounding=None, field="appetite.balance_max")
    except DomainError as exc:
        raise PartnerInvalid(exc.message, field="appetite.balance_max") from None
