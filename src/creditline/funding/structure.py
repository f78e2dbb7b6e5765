"""The deal structure: tranches, fees, reserve account, triggers, revolving period and clean-up call.

`DealSpec` is what an analyst writes (a YAML/TOML/JSON file validated by pydantic); `resolve_structure`
checks it against the selected pool and returns a `Structure` with every amount in integer minor units.
Tranches are listed senior first; the last one is the subordinated (first-loss) tranche, which also
receives whatever is left after each period's waterfall (the residual).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from creditline.funding.errors import StructureError, TrancheSizeMismatch, UnknownTriggerMetric
from creditline.funding.pool import EligibilityCriteria
from creditline.funding.ratio import parse_amount_minor
from creditline.funding.sale import PRICE_MAX
from creditline.funding.spec import AnnualRate, MajorAmount, Ratio, Share, custom_error, parse_spec
from creditline.funding.tape import Amortisation
from creditline.money import DayCount, Money

TRANCHES_MAX = 20
FEES_MAX = 20
TRIGGERS_MAX = 20
# The payment dates of the longest horizon (600 months, 50 years) from this date still exist (year 9999).
DATE_MAX = date(9900, 12, 31)


class TriggerMetric(StrEnum):
    CUMULATIVE_DEFAULT_RATE = "cumulative_default_rate"  # defaults to date / (initial pool + purchases)
    CUMULATIVE_LOSS_RATE = "cumulative_loss_rate"  # defaults less recoveries, same denominator
    DELINQUENCY_RATE = "delinquency_rate"  # 30+ days past due / current pool balance
    ANNUALISED_DEFAULT_RATE = "annualised_default_rate"  # this period's defaults as an annual rate (CDR)


class TriggerAction(StrEnum):
    SEQUENTIAL = "sequential"  # principal switches from pro-rata to sequential
    END_REVOLVING = "end_revolving"  # early amortisation: collections stop buying new loans


class TrancheSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=40)
    balance: MajorAmount | None = None
    share: Ratio | None = None  # of the pool balance at the cut-off date
    coupon_rate: AnnualRate = Decimal(0)
    day_count: DayCount | None = None  # the deal's day count when absent
    price: Ratio = Decimal(1)  # fraction of par an investor pays, for the yield

    @field_validator("price")
    @classmethod
    def _sane_price(cls, value: Decimal) -> Decimal:
        if not 0 < value <= PRICE_MAX:  # as the sale price: 99.5 is a percent written without its sign
            raise ValueError(f"a tranche price is a fraction of par above 0 and at most {PRICE_MAX}")
        return value

    @model_validator(mode="after")
    def _one_size(self) -> TrancheSpec:
        if (self.balance is None) == (self.share is None):
            raise ValueError("give the tranche either a balance or a share of the pool")
        return self


class FeeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=40)
    annual_rate: AnnualRate = Decimal(0)  # on the pool balance at the start of the period
    fixed_per_period: MajorAmount = Decimal(0)


class ReserveSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    initial: MajorAmount = Decimal(0)  # funded at closing from the issue proceeds
    target_share: Share = Decimal(0)  # of the rated (non-subordinated) tranche balance
    floor: MajorAmount = Decimal(0)


class TriggerSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field("", max_length=40)
    metric: str
    above: Ratio
    actions: tuple[TriggerAction, ...] = (TriggerAction.SEQUENTIAL,)
    curable: bool = False  # a curable trigger switches back when the metric falls to the level

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, value: str) -> str:
        known = [m.value for m in TriggerMetric]
        if value not in known:
            raise custom_error(
                UnknownTriggerMetric(f"unknown metric {value!r}; expected one of {', '.join(known)}")
            )
        return value


class RevolvingSpec(BaseModel):
    """New loans bought with principal collections during the first `months` payment periods."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    months: int = Field(ge=1, le=120)
    annual_rate: AnnualRate
    term_months: int = Field(ge=1, le=600)
    amortisation: Amortisation = Amortisation.LEVEL


class DealSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=80)
    currency: str = Field(min_length=3, max_length=3)
    cut_off_date: date
    closing_date: date
    first_payment_date: date
    day_count: DayCount = DayCount.ACT_365F
    principal_payment: Literal["sequential", "pro_rata"] = "sequential"
    sale_price: Ratio = Decimal(1)
    servicing_fee_rate: AnnualRate = Decimal(0)
    fees: tuple[FeeSpec, ...] = Field(default=(), max_length=FEES_MAX)
    tranches: tuple[TrancheSpec, ...] = Field(min_length=1, max_length=TRANCHES_MAX)
    reserve: ReserveSpec | None = None
    triggers: tuple[TriggerSpec, ...] = Field(default=(), max_length=TRIGGERS_MAX)
    revolving: RevolvingSpec | None = None
    clean_up_call: Share | None = None  # pool factor at or below which the servicer buys the pool back
    eligibility: EligibilityCriteria = EligibilityCriteria()

    @field_validator("cut_off_date", "closing_date", "first_payment_date")
    @classmethod
    def _date_in_range(cls, value: date) -> date:
        if value > DATE_MAX:
            raise ValueError(f"must be on or before {DATE_MAX}, got {value}")
        return value

    @field_validator("sale_price")
    @classmethod
    def _sane_price(cls, value: Decimal) -> Decimal:
        if not 0 < value <= PRICE_MAX:
            raise ValueError(f"a sale price is a fraction of par above 0 and at most {PRICE_MAX}")
        return value

    @model_validator(mode="after")
    def _dates_in_order(self) -> DealSpec:
        if self.closing_date < self.cut_off_date:
            raise ValueError("closing_date precedes cut_off_date")
        if self.first_payment_date <= self.closing_date:
            raise ValueError("first_payment_date must fall after closing_date")
        return self

    @field_validator("tranches")
    @classmethod
    def _unique_names(cls, tranches: tuple[TrancheSpec, ...]) -> tuple[TrancheSpec, ...]:
        names = [t.name for t in tranches]
        if len(set(names)) != len(names):
            raise ValueError("tranche names must be unique")
        return tranches


@dataclass(frozen=True, slots=True)
class Tranche:
    name: str
    balance_minor: int
    coupon_rate: Decimal
    day_count: DayCount
    price: Decimal


@dataclass(frozen=True, slots=True)
class Fee:
    name: str
    annual_rate: Decimal
    fixed_minor: int


@dataclass(frozen=True, slots=True)
class Reserve:
    initial_minor: int
    target_share: Decimal
    floor_minor: int


@dataclass(frozen=True, slots=True)
class Trigger:
    name: str
    metric: TriggerMetric
    above: Decimal
    actions: frozenset[TriggerAction]
    curable: bool


@dataclass(frozen=True, slots=True)
class Structure:
    name: str
    currency: str
    cut_off_date: date
    closing_date: date
    first_payment_date: date
    day_count: DayCount
    pro_rata: bool
    sale_price: Decimal
    pool_balance_minor: int  # at the cut-off date; the tranches add up to it exactly
    fees: tuple[Fee, ...]  # paid in this order; the servicing fee comes first
    tranches: tuple[Tranche, ...]  # senior first; the last is subordinated and takes the residual
    reserve: Reserve
    triggers: tuple[Trigger, ...]
    revolving: RevolvingSpec | None
    clean_up_call: Decimal | None

    @property
    def rated_count(self) -> int:
        """Tranches senior to the subordinated one (the reserve supports these)."""
        return len(self.tranches) - 1

    def payment_date(self, period: int) -> date:
        """Payment date of period `period` (1-based); period 0 is the closing date."""
        if period == 0:
            return self.closing_date
        return add_months(self.first_payment_date, period - 1)


def add_months(start: date, months: int) -> date:
    """Same day of month `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def deal_spec(data: object) -> DealSpec:
    return parse_spec(DealSpec, data)  # type: ignore[arg-type]


def resolve_structure(spec: DealSpec, pool_balance_minor: int) -> Structure:
    """Check the spec against the pool and express every amount in minor units."""
    code = spec.currency.upper()
    Money.zero(code)  # unknown currency -> UnknownCurrency naming "currency"
    return Structure(
        name=spec.name,
        currency=code,
        cut_off_date=spec.cut_off_date,
        closing_date=spec.closing_date,
        first_payment_date=spec.first_payment_date,
        day_count=spec.day_count,
        pro_rata=spec.principal_payment == "pro_rata",
        sale_price=spec.sale_price,
        pool_balance_minor=pool_balance_minor,
        fees=_fees(spec, code),
        tranches=_tranches(spec, code, pool_balance_minor),
        reserve=_reserve(spec, code),
        triggers=tuple(_trigger(t, i) for i, t in enumerate(spec.triggers)),
        revolving=spec.revolving,
        clean_up_call=spec.clean_up_call,
    )


def _tranches(spec: DealSpec, code: str, pool_minor: int) -> tuple[Tranche, ...]:
    by_share = [t.share is not None for t in spec.tranches]
    if any(by_share) and not all(by_share):
        raise StructureError(
            "size every tranche by balance or every tranche by share, not a mix", field="tranches"
        )
    if all(by_share):
        sizes = _sizes_from_shares(spec, code, pool_minor)
    else:
        sizes = [
            parse_amount_minor(t.balance, code, field=f"tranches[{i}].balance")
            for i, t in enumerate(spec.tranches)
        ]
    total = sum(sizes)
    if total != pool_minor:
        raise TrancheSizeMismatch(
            f"tranches add up to {Money(total, Money.zero(code).currency).amount_str()} but the pool is "
            f"{Money(pool_minor, Money.zero(code).currency).amount_str()} {code}",
            field="tranches",
        )
    return tuple(
        Tranche(t.name, size, t.coupon_rate, t.day_count or spec.day_count, t.price)
        for t, size in zip(spec.tranches, sizes, strict=True)
    )


def _sizes_from_shares(spec: DealSpec, code: str, pool_minor: int) -> list[int]:
    shares = [t.share for t in spec.tranches]
    if sum(shares) != 1:  # type: ignore[arg-type]
        raise TrancheSizeMismatch(f"tranche shares add up to {sum(shares)}, not 1 (100%)", field="tranches")  # type: ignore[arg-type]
    if pool_minor == 0:
        return [0 for _ in shares]
    # largest remainder: the parts are within a minor unit of their share and sum to the pool exactly
    return [m.minor for m in Money.of_minor(pool_minor, code).allocate(shares)]  # type: ignore[arg-type]


def _fees(spec: DealSpec, code: str) -> tuple[Fee, ...]:
    servicing = Fee("servicing", spec.servicing_fee_rate, 0)
    others = tuple(
        Fee(
            f.name,
            f.annual_rate,
            parse_amount_minor(f.fixed_per_period, code, field=f"fees[{i}].fixed_per_period"),
        )
        for i, f in enumerate(spec.fees)
    )
    return (servicing, *others)


def _reserve(spec: DealSpec, code: str) -> Reserve:
    if spec.reserve is None:
        return Reserve(0, Decimal(0), 0)
    return Reserve(
        parse_amount_minor(spec.reserve.initial, code, field="reserve.initial"),
        spec.reserve.target_share,
        parse_amount_minor(spec.reserve.floor, code, field="reserve.floor"),
    )


def _trigger(spec: TriggerSpec, index: int) -> Trigger:
    return Trigger(
        name=spec.name or f"trigger {index + 1}",
        metric=TriggerMetric(spec.metric),
        above=spec.above,
        actions=frozenset(spec.actions),
        curable=spec.curable,
    )
