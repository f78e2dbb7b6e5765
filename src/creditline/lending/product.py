"""Products as versioned data: a TOML or YAML file per product, validated, hashed, immutable.

A loan records the product id, version and `content_hash` it was drawn under, so its rules can be
explained and replayed later even after the product file changes (a change is a new version).
`builtin_products()` reads the files shipped in `lending/products/`.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib import resources
from typing import Any

import yaml
from pydantic import ValidationError

from creditline.errors import DomainError
from creditline.lending.product_allocation import DEFAULT_ALLOCATION, AllocationRule
from creditline.lending.product_errors import (
    DrawdownAboveMaximum,
    DrawdownBelowMinimum,
    MethodNotOffered,
    ProductInvalid,
    ProductNotFound,
    RateOutOfRange,
    TermNotOffered,
)
from creditline.lending.product_schema import ProductModel
from creditline.lending.schedule import (
    DaysInMonth,
    DaysInYear,
    Frequency,
    InterestBasis,
    Method,
    ScheduleTerms,
)
from creditline.money import Currency, CurrencyMismatch, Money, Rate, RateUnit, Rounding, currency

# A daily rate has at most 8 decimal places as a fraction (0.012345 % a day is 0.00012345): the accrual
# works in integers over the rate's own denominator (`loan/pricing.py`), and a finer rate makes that
# denominator, and every numerator over it, too large for end of day's int64 batch and the store's BIGINT.
RATE_DAILY_PLACES_MAX = 8

__all__ = [
    "RATE_DAILY_PLACES_MAX",
    "AllocationRule",
    "Product",
    "ProductInvalid",
    "ProductNotFound",
    "builtin_products",
    "load_product",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Product:
    product_id: str
    version: int
    name: str
    currency: Currency
    terms_months: tuple[int, ...]
    methods: tuple[Method, ...]
    rate_daily_min: Decimal  # fractions: 0.0002 is 0.02% a day
    rate_daily_max: Decimal
    drawdown_min: Money
    drawdown_max: Money
    penalty_rate_multiplier: Decimal = Decimal("1.5")
    grace_days: int = 3
    early_repayment_free: bool = True
    apr_cap_pct: Decimal = Decimal(24)
    rounding: Rounding = Rounding.HALF_UP
    interest_basis: InterestBasis = InterestBasis.DAILY
    days_in_year: DaysInYear = DaysInYear.D360
    days_in_month: DaysInMonth = DaysInMonth.ACTUAL
    allocation: AllocationRule = DEFAULT_ALLOCATION
    charge_off_days: int = 180
    content_hash: str = ""

    def check_drawdown(
        self, amount: Money, term_months: int, method: Method | str, rate_daily: Decimal
    ) -> None:
        """Raise the typed error for the first thing about a drawdown request this product does not offer."""
        if amount.currency != self.currency:
            raise CurrencyMismatch(
                f"{amount.currency.code} given; {self.product_id} lends in {self.currency.code}",
                field="currency",
            )
        if amount < self.drawdown_min:
            raise DrawdownBelowMinimum(
                f"{amount.amount_str()} is below the minimum drawdown of {self.drawdown_min.amount_str()}",
                field="amount",
            )
        if amount > self.drawdown_max:
            raise DrawdownAboveMaximum(
                f"{amount.amount_str()} is above the maximum drawdown of {self.drawdown_max.amount_str()}",
                field="amount",
            )
        if term_months not in self.terms_months:
            offered = ", ".join(str(t) for t in self.terms_months)
            raise TermNotOffered(
                f"{term_months} months is not offered; choose one of {offered}", field="term"
            )
        if str(method) not in {m.value for m in self.methods}:
            offered = ", ".join(m.value for m in self.methods)
            raise MethodNotOffered(f"{method} is not offered; choose one of {offered}", field="method")
        self.check_rate(rate_daily)

    def check_rate(self, rate_daily: Decimal) -> None:
        """Refuse a daily rate (a fraction) outside the product's range or finer than the engine accrues."""
        shown = f"{(rate_daily * 100).normalize():f}% a day"
        if decimal_places(rate_daily) > RATE_DAILY_PLACES_MAX:
            raise RateOutOfRange(
                f"{shown} has more than {RATE_DAILY_PLACES_MAX - 2} decimal places", field="daily_rate"
            )
        if not self.rate_daily_min <= rate_daily <= self.rate_daily_max:
            raise RateOutOfRange(
                f"{shown} is outside {self.rate_daily_min * 100:f}%–{self.rate_daily_max * 100:f}%",
                field="daily_rate",
            )

    def schedule_terms(
        self, amount: Money, term_months: int, method: Method | str, rate_daily: Decimal, disbursed: date
    ) -> ScheduleTerms:
        """The schedule terms of a drawdown under this product (checked first)."""
        self.check_drawdown(amount, term_months, method, rate_daily)
        return ScheduleTerms(
            principal=amount,
            rate=Rate(rate_daily, RateUnit.DAILY),
            installments=term_months,
            disbursed=disbursed,
            method=Method(method),
            frequency=Frequency.MONTHLY,
            interest_basis=self.interest_basis,
            days_in_year=self.days_in_year,
            days_in_month=self.days_in_month,
            rounding=self.rounding,
        )

    @property
    def key(self) -> str:
        return f"{self.product_id}@{self.version}"


def decimal_places(value: Decimal) -> int:
    """Decimal places of `value` once trailing zeros are dropped ("0.00050" has 4)."""
    exponent = value.normalize().as_tuple().exponent
    return max(-exponent, 0) if isinstance(exponent, int) else 0


def load_product(text: str, *, source: str) -> Product:
    """Parse and validate a product file (TOML, or YAML when `source` ends in .yaml/.yml)."""
    data = _parse(text, source)
    try:
        model = ProductModel.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or None
        message = first["msg"].removeprefix("Value error, ")
        raise ProductInvalid(f"{message} (in {source})", field=where) from None
    return _product(model, source)


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader refusing a key given twice in one table, as TOML does: plain YAML keeps the
    last silently, so a file saying `grace_days: 3` and further down `grace_days: 30` loaded as 30."""


def _mapping_once(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":  # `<<: *base`: overriding what it merges is allowed
            continue
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, Hashable) and key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"{key!r} is given twice", key_node.start_mark)
        if isinstance(key, Hashable):
            seen.add(key)
    return loader.construct_mapping(node, deep=True)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_once)


def _parse(text: str, source: str) -> dict[str, Any]:
    try:
        is_yaml = source.lower().endswith((".yaml", ".yml"))
        data = yaml.load(text, Loader=_UniqueKeyLoader) if is_yaml else tomllib.loads(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError, ValueError, RecursionError) as exc:  # a date like 2025-02-30; nested too deep
        raise ProductInvalid(
            f"{source} is not valid: {' '.join(str(exc).split())}", field="product"
        ) from None
    if not isinstance(data, dict):
        raise ProductInvalid(f"{source} must hold a table of settings", field="product")
    return data


def _product(model: ProductModel, source: str) -> Product:
    try:
        cur = currency(model.currency.upper())
        drawdown_min = Money.parse(model.drawdown_min, cur, field="drawdown_min")
        drawdown_max = Money.parse(model.drawdown_max, cur, field="drawdown_max")
    except DomainError as exc:
        raise ProductInvalid(f"{exc.message} (in {source})", field=exc.field) from None
    if not drawdown_min.is_positive() or drawdown_max < drawdown_min:
        raise ProductInvalid(f"need 0 < drawdown_min <= drawdown_max (in {source})", field="drawdown_min")
    return Product(
        product_id=model.product_id,
        version=model.version,
        name=model.name,
        currency=cur,
        terms_months=model.terms_months,
        methods=model.methods,
        rate_daily_min=model.rate_daily_min,
        rate_daily_max=model.rate_daily_max,
        drawdown_min=drawdown_min,
        drawdown_max=drawdown_max,
        penalty_rate_multiplier=model.penalty_rate_multiplier,
        grace_days=model.grace_days,
        early_repayment_free=model.early_repayment_free,
        apr_cap_pct=model.apr_cap_pct,
        rounding=model.rounding,
        interest_basis=model.interest_basis,
        days_in_year=model.days_in_year,
        days_in_month=model.days_in_month,
        allocation=AllocationRule(model.allocation.style, model.allocation.order),
        charge_off_days=model.charge_off_days,
        content_hash=_content_hash(model),
    )


def _content_hash(model: ProductModel) -> str:
    """sha256 of the validated settings as canonical JSON: formatting and comments do not change it."""
    data = model.model_dump(mode="json")
    canonical = json.dumps(_canonical(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, str):
        try:
            number = Decimal(value)
        except ArithmeticError:
            return value
        # "0.00050" and "0.0005" are the same rate; the hash must not tell them apart.
        return format(number.normalize(), "f") if number.is_finite() else value
    return value


def builtin_products() -> dict[str, Product]:
    """The products shipped with creditline, by product id."""
    folder = resources.files("creditline.lending").joinpath("products")
    products: dict[str, Product] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".toml", ".yaml", ".yml")):
            product = load_product(entry.read_text(encoding="utf-8"), source=entry.name)
            products[product.product_id] = product
    return products


def builtin_product(product_id: str) -> Product:
    products = builtin_products()
    if product_id not in products:
        known = ", ".join(sorted(products))
        raise ProductNotFound(f"no product {product_id!r}; known: {known}", field="product")
    return products[product_id]
