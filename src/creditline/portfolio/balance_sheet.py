"""The treasury side of the report: capital, liquid assets and cash flows the loan snapshots lack.

Parsed from a plain mapping (the CLI reads it from a JSON file). Amounts are text in major units
("1,250,000.00"), rates and weights text fractions ("0.05"); unknown keys are errors, so a typo
never silently drops a figure. Every section is optional: the report leaves out what it cannot
compute.

    {"currency": "CNY",
     "capital": {"cet1": "…", "additional_tier1": "…", "tier2": "…"},
     "hqla": {"level1": "…", "level2a": "…", "level2b": "…"},
     "outflows": [{"name": "…", "amount": "…", "rate": "0.10"}],
     "inflows": [{"name": "…", "amount": "…", "rate": "0.50"}],
     "other_exposures": [{"name": "…", "amount": "…", "risk_weight": "0.20"}],
     "other_assets": "…"}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from creditline.errors import DomainError
from creditline.money import Currency, Money, currency, parse_decimal
from creditline.portfolio.capital import CapitalBase, WeightedExposure
from creditline.portfolio.errors import InvalidAssumption
from creditline.portfolio.liquidity import CashFlow, LiquidAssets

FIELD = "balance_sheet"
TOP_KEYS = {"currency", "capital", "hqla", "outflows", "inflows", "other_exposures", "other_assets"}


@dataclass(frozen=True, slots=True)
class BalanceSheet:
    currency: Currency
    capital: CapitalBase | None = None
    liquid_assets: LiquidAssets | None = None
    outflows: tuple[CashFlow, ...] = ()
    inflows: tuple[CashFlow, ...] = ()
    other_exposures: tuple[WeightedExposure, ...] = ()
    other_assets_minor: int = 0


def parse_balance_sheet(data: Any) -> BalanceSheet:
    """A `BalanceSheet` from a mapping, or `InvalidAssumption` naming the bad key."""
    if not isinstance(data, Mapping):
        raise InvalidAssumption("the balance sheet must be an object", field=FIELD)
    _known(data, TOP_KEYS, "")
    try:
        cur = currency(str(data.get("currency", "")))
    except DomainError as exc:
        raise InvalidAssumption(f"currency: {exc.message}", field=FIELD) from exc
    capital = data.get("capital")
    hqla = data.get("hqla")
    return BalanceSheet(
        currency=cur,
        capital=None if capital is None else CapitalBase(*_amounts(capital, ("cet1", "additional_tier1", "tier2"),
                                                                     cur, "capital")),
        liquid_assets=None if hqla is None else LiquidAssets(*_amounts(hqla, ("level1", "level2a", "level2b"),
                                                                        cur, "hqla")),
        outflows=tuple(CashFlow(*_line(x, "rate", cur, "outflows")) for x in _list(data, "outflows")),
        inflows=tuple(CashFlow(*_line(x, "rate", cur, "inflows")) for x in _list(data, "inflows")),
        other_exposures=tuple(
            WeightedExposure(*_line(x, "risk_weight", cur, "other_exposures")) for x in _list(data, "other_exposures")
        ),
        other_assets_minor=_amount(data.get("other_assets", "0"), cur, "other_assets"),
    )


def _known(data: Mapping[str, Any], keys: set[str], where: str) -> None:
    unknown = sorted(set(data) - keys)
    if unknown:
        raise InvalidAssumption(f"unknown field(s) {where}{', '.join(unknown)}; expected {', '.join(sorted(keys))}",
                                field=FIELD)


def _amount(text: Any, cur: Currency, where: str) -> int:
    if isinstance(text, float):  # a JSON number with a fraction: 90071992547409.93 reads as ...409.94
        raise InvalidAssumption(f'{where}: write amounts as text ("1,000.50"), never as a number with a fraction',
                                field=FIELD)
    try:
        minor = Money.parse(str(text), cur).minor
    except DomainError as exc:
        raise InvalidAssumption(f"{where}: {exc.message}", field=FIELD) from exc
    if minor < 0:
        raise InvalidAssumption(f"{where}: amounts are not negative", field=FIELD)
    return minor


def _amounts(section: Any, keys: tuple[str, ...], cur: Currency, where: str) -> list[int]:
    if not isinstance(section, Mapping):
        raise InvalidAssumption(f"{where} must be an object", field=FIELD)
    _known(section, set(keys), f"in {where}: ")
    return [_amount(section.get(key, "0"), cur, f"{where}.{key}") for key in keys]


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    items = data.get(key, [])
    if not isinstance(items, list):
        raise InvalidAssumption(f"{key} must be a list", field=FIELD)
    return items


def _line(item: Any, rate_key: str, cur: Currency, where: str) -> tuple[str, int, Any]:
    if not isinstance(item, Mapping):
        raise InvalidAssumption(f"each entry of {where} must be an object", field=FIELD)
    _known(item, {"name", "amount", rate_key}, f"in {where}: ")
    name = str(item.get("name", where))
    try:
        rate = parse_decimal(str(item.get(rate_key, "")), field=rate_key)
    except DomainError as exc:
        raise InvalidAssumption(f"{where} {name}: {rate_key}: {exc.message}", field=FIELD) from exc
    return name, _amount(item.get("amount", "0"), cur, f"{where} {name}"), rate
