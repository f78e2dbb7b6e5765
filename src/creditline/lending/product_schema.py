"""The shape of a product file, checked with pydantic before it becomes a `Product`.

Numbers that are money or rates are written as text ("0.0005", "500.00"): TOML and YAML read a bare
0.0005 as a binary float, and no float ever becomes a rate or an amount here.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, field_validator, model_validator

from creditline.lending.product_allocation import DEFAULT_ORDER, AllocationStyle, Component
from creditline.lending.schedule import DaysInMonth, DaysInYear, InterestBasis, Method
from creditline.money import Rounding

TERM_MONTHS_MAX = 360
GRACE_DAYS_MAX = 30
CHARGE_OFF_DAYS_MAX = 3650
PENALTY_MULTIPLIER_MAX = Decimal(3)
APR_CAP_PCT_MAX = Decimal(1000)
VERSION_MAX = 2**31 - 1  # the store's INTEGER column
# The loan engine accrues interest per calendar day on the declining balance; flat interest is a
# schedule shape only (its interest does not follow the balance), so products cannot offer it.
ENGINE_METHODS = (Method.EQUAL_INSTALLMENT, Method.EQUAL_PRINCIPAL, Method.INTEREST_ONLY, Method.BULLET)


def _decimal_text(value: Any) -> Decimal:
    if isinstance(value, bool | float):
        raise ValueError('write decimals as text in quotes ("0.0005"), never as a bare float')
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if not isinstance(value, str):
        raise ValueError(f"expected a decimal as text, got {type(value).__name__}")
    try:
        parsed = Decimal(value.strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not parsed.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return parsed


def _amount_text(value: Any) -> str:
    if isinstance(value, bool | float):
        raise ValueError('write amounts as text in quotes ("500.00"), never as a bare float')
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, str):
        raise ValueError(f"expected an amount as text, got {type(value).__name__}")
    return value


DecimalText = Annotated[Decimal, BeforeValidator(_decimal_text)]
AmountText = Annotated[str, BeforeValidator(_amount_text)]
# A count is a whole number as written: `true` is not 1 month and "3" or 3.0 are not 3 days.
Count = Annotated[int, Strict()]


class AllocationModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    style: AllocationStyle = AllocationStyle.OLDEST_FIRST
    order: tuple[Component, ...] = DEFAULT_ORDER

    @field_validator("order")
    @classmethod
    def _each_component_once(cls, order: tuple[Component, ...]) -> tuple[Component, ...]:
        if sorted(order) != sorted(Component):
            names = ", ".join(c.value for c in Component)
            raise ValueError(f"must name each of {names} exactly once")
        return order


class ProductModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    product_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    version: Count = Field(ge=1, le=VERSION_MAX)
    name: str = Field(min_length=1, max_length=200)
    currency: str = Field(pattern=r"^[A-Za-z]{3}$")
    terms_months: tuple[Count, ...] = Field(min_length=1)
    methods: tuple[Method, ...] = Field(min_length=1)
    rate_daily_min: DecimalText
    rate_daily_max: DecimalText
    drawdown_min: AmountText
    drawdown_max: AmountText
    penalty_rate_multiplier: DecimalText = Decimal("1.5")
    grace_days: Count = Field(default=3, ge=0, le=GRACE_DAYS_MAX)
    early_repayment_free: bool = True
    apr_cap_pct: DecimalText = Decimal(24)
    rounding: Rounding = Rounding.HALF_UP
    interest_basis: InterestBasis = InterestBasis.DAILY
    days_in_year: DaysInYear = DaysInYear.D360
    days_in_month: DaysInMonth = DaysInMonth.ACTUAL
    allocation: AllocationModel = AllocationModel()
    charge_off_days: Count = Field(default=180, ge=1, le=CHARGE_OFF_DAYS_MAX)

    @field_validator("terms_months")
    @classmethod
    def _terms(cls, terms: tuple[int, ...]) -> tuple[int, ...]:
        if any(not 1 <= t <= TERM_MONTHS_MAX for t in terms):
            raise ValueError(f"every term must be from 1 to {TERM_MONTHS_MAX} months")
        if len(set(terms)) != len(terms):
            raise ValueError("terms must not repeat")
        return tuple(sorted(terms))

    @field_validator("methods")
    @classmethod
    def _methods(cls, methods: tuple[Method, ...]) -> tuple[Method, ...]:
        unsupported = [m.value for m in methods if m not in ENGINE_METHODS]
        if unsupported:
            raise ValueError(
                f"the loan engine accrues on the declining balance; {unsupported} is not offered"
            )
        if len(set(methods)) != len(methods):
            raise ValueError("methods must not repeat")
        return methods

    @field_validator("interest_basis")
    @classmethod
    def _daily_basis(cls, basis: InterestBasis) -> InterestBasis:
        if basis is not InterestBasis.DAILY:
            raise ValueError("the loan engine accrues interest day by day, so the basis must be daily")
        return basis

    @field_validator("days_in_month")
    @classmethod
    def _actual_days(cls, days: DaysInMonth) -> DaysInMonth:
        if days is not DaysInMonth.ACTUAL:
            raise ValueError("the loan engine accrues per calendar day, so days in month must be actual")
        return days

    @field_validator("early_repayment_free")
    @classmethod
    def _free_prepayment(cls, free: bool) -> bool:
        if not free:
            raise ValueError("prepayment fees are not supported yet; early repayment must be free")
        return free

    @model_validator(mode="after")
    def _ranges(self) -> ProductModel:
        _check_rate_range(self)
        if not Decimal(1) <= self.penalty_rate_multiplier <= PENALTY_MULTIPLIER_MAX:
            raise ValueError(f"penalty_rate_multiplier must be from 1 to {PENALTY_MULTIPLIER_MAX}")
        if self.charge_off_days <= self.grace_days:
            raise ValueError("charge_off_days must be more than grace_days")
        return self


def _check_rate_range(model: ProductModel) -> None:
    from creditline.lending.product import RATE_DAILY_PLACES_MAX, decimal_places

    for name in ("rate_daily_min", "rate_daily_max"):
        if decimal_places(getattr(model, name)) > RATE_DAILY_PLACES_MAX:
            raise ValueError(f"{name} has more than {RATE_DAILY_PLACES_MAX} decimal places")
    if model.rate_daily_min < 0:
        raise ValueError("rate_daily_min must not be negative")
    if model.rate_daily_max < model.rate_daily_min:
        raise ValueError("rate_daily_max must not be below rate_daily_min")
    if not Decimal(0) < model.apr_cap_pct <= APR_CAP_PCT_MAX:
        raise ValueError(f"apr_cap_pct must be above 0 and at most {APR_CAP_PCT_MAX}")
    # A daily rate over a 365-day year: the annualised figure the borrower is shown cannot exceed the cap.
    if model.rate_daily_max * 365 * 100 > model.apr_cap_pct:
        raise ValueError(
            f"rate_daily_max {model.rate_daily_max} is {model.rate_daily_max * 36500}% a year, "
            f"above the APR cap of {model.apr_cap_pct}%"
        )
