"""The price grid and cost components as versioned data.

Rates are written as percent text ("0.0350" percent a day) and held as Decimal fractions. The grid
is the short list of daily rates the lender publishes; a price is always one of them.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from creditline.money import divide, parse_decimal
from creditline.risk.pricing.errors import InvalidPriceGrid


def _percent(text: str, name: str) -> Decimal:
    value = parse_decimal(text, field=name)
    if value < 0 or value >= 100:
        raise ValueError(f"{name} {text}% is outside 0..100%")
    return divide(value, 100)


class PriceGrid(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    version: str
    days_in_year: int = Field(ge=360, le=366)
    cost_of_funds_annual_percent: str
    operating_cost_annual_percent: str
    capital_charge_annual_percent: str  # capital held per unit lent × the return that capital wants
    margin_annual_percent: str
    lgd_percent: str  # loss given default of an unsecured consumer line
    pd_horizon_months: int = Field(gt=0, le=60)  # the horizon the PD model predicts over
    apr_cap_percent: str
    grid_daily_percent: list[str] = Field(min_length=1, max_length=200)

    @field_validator(
        "cost_of_funds_annual_percent",
        "operating_cost_annual_percent",
        "capital_charge_annual_percent",
        "margin_annual_percent",
        "lgd_percent",
        "apr_cap_percent",
    )
    @classmethod
    def _is_percent(cls, text: str, info) -> str:  # type: ignore[no-untyped-def]
        _percent(text, info.field_name)
        return text

    @field_validator("grid_daily_percent")
    @classmethod
    def _ascending(cls, rates: list[str]) -> list[str]:
        values = [_percent(r, "grid_daily_percent") for r in rates]
        if any(b <= a for a, b in itertools.pairwise(values)) or values[0] <= 0:
            raise ValueError("grid rates must be positive and strictly ascending")
        return rates

    def fraction(self, name: str) -> Decimal:
        return _percent(getattr(self, name), name)

    @property
    def daily_rates(self) -> tuple[Decimal, ...]:
        return tuple(_percent(r, "grid_daily_percent") for r in self.grid_daily_percent)

    @property
    def digest(self) -> str:
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class GridTerms:
    """A grid's figures as Decimal fractions, parsed once (pricing runs on every application)."""

    version: str
    days_in_year: int
    cost_annual: Decimal  # cost of funds + operating cost + capital charge
    margin_annual: Decimal
    lgd: Decimal
    pd_horizon_months: int
    apr_cap: Decimal
    daily_rates: tuple[Decimal, ...]


def grid_terms(grid: PriceGrid) -> GridTerms:
    cost = (
        grid.fraction("cost_of_funds_annual_percent")
        + grid.fraction("operating_cost_annual_percent")
        + grid.fraction("capital_charge_annual_percent")
    )
    return GridTerms(
        grid.version,
        grid.days_in_year,
        cost,
        grid.fraction("margin_annual_percent"),
        grid.fraction("lgd_percent"),
        grid.pd_horizon_months,
        grid.fraction("apr_cap_percent"),
        grid.daily_rates,
    )


def parse_price_grid(text: str, *, source: str = "price_grid") -> PriceGrid:
    try:
        return PriceGrid.model_validate(yaml.safe_load(text))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join([source, *(str(part) for part in first["loc"])])
        raise InvalidPriceGrid(first["msg"].removeprefix("Value error, "), field=where) from exc
    except (ValueError, yaml.YAMLError) as exc:
        raise InvalidPriceGrid(str(exc).splitlines()[0][:300], field=source) from exc


def builtin_price_grid(name: str) -> PriceGrid:
    resource = resources.files("creditline.risk.pricing") / "grids" / f"{name}.yaml"
    if not name.replace("_", "").isalnum() or not resource.is_file():
        raise InvalidPriceGrid(f"no price grid named {name!r}", field="price_grid")
    return parse_price_grid(resource.read_text(encoding="utf-8"), source=f"{name}.yaml")
