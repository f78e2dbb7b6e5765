"""A partner's statement for a period: its share of the loans it funds, from opening to closing.

    closing exposure = opening exposure + disbursements + accruals
                       - collections - recoveries - waivers - losses         (per component)
    closing payable  = opening payable + collections + recoveries − remitted (cash held for the partner)

Collections on a loan that had been charged off when the money came are recoveries. Amounts are
integer minor units; the identities are asserted, so a statement that does not add up cannot exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from creditline.funding.colending.posting import REMITTED, exposure_by_component
from creditline.funding.colending.split import CHAINS
from creditline.money import Currency, Money

COMPONENTS = tuple(component for component, _, _ in CHAINS)
Sums = Mapping[tuple[str, bool], int]  # (movement, recovery?) -> minor units


@dataclass(frozen=True, slots=True)
class PartnerStatement:
    partner_id: str
    currency: Currency
    period_from: date
    period_to: date
    opening_exposure: dict[str, int]
    disbursements: int
    accruals: dict[str, int]
    collections: dict[str, int]
    recoveries: dict[str, int]
    waivers: dict[str, int]
    losses: dict[str, int]
    closing_exposure: dict[str, int]
    opening_payable: int
    closing_payable: int
    remitted: int = 0  # collections paid out to the partner in the period (app.partner_settlement)

    def __post_init__(self) -> None:
        for c in COMPONENTS:
            moved = (
                (self.disbursements if c == "principal" else self.accruals[c])
                - self.collections[c] - self.recoveries[c] - self.waivers.get(c, 0) - self.losses[c]
            )  # fmt: skip
            assert self.opening_exposure[c] + moved == self.closing_exposure[c], (
                f"statement {c} does not add up"
            )
        collected = sum(self.collections.values()) + sum(self.recoveries.values())
        assert self.opening_payable + collected - self.remitted == self.closing_payable, (
            "statement payable does not add up"
        )

    def as_dict(self) -> dict[str, Any]:
        def text(minor: int) -> str:
            return Money(minor, self.currency).amount_str()

        def block(values: dict[str, int]) -> dict[str, str]:
            return {k: text(v) for k, v in values.items()} | {"total": text(sum(values.values()))}

        return {
            "partner_id": self.partner_id, "currency": self.currency.code,
            "from": self.period_from.isoformat(), "to": self.period_to.isoformat(),
            "opening_exposure": block(self.opening_exposure), "disbursements": text(self.disbursements),
            "accruals": block(self.accruals), "collections": block(self.collections),
            "recoveries": block(self.recoveries), "waivers": block(self.waivers), "losses": block(self.losses),
            "closing_exposure": block(self.closing_exposure),
            "payable": {"opening": text(self.opening_payable), "closing": text(self.closing_payable),
                        "collected": text(self.closing_payable - self.opening_payable + self.remitted),
                        "remitted": text(self.remitted)},
            "income": text(sum(self.accruals.values()) - sum(self.waivers.values())),
        }  # fmt: skip


def build_statement(
    partner_id: str, cur: Currency, period: tuple[date, date], before: Sums, during: Sums
) -> PartnerStatement:
    """The statement from the partner's sub-ledger sums before the period and within it."""
    opening = _plain(before)
    return PartnerStatement(
        partner_id=partner_id,
        currency=cur,
        period_from=period[0],
        period_to=period[1],
        opening_exposure=exposure_by_component(opening),
        disbursements=during.get(("disbursed", False), 0) + during.get(("disbursed", True), 0),
        accruals={c: _both(during, inflow) for c, inflow, _ in CHAINS if c != "principal"},
        collections={c: during.get((f"{c}_repaid", False), 0) for c in COMPONENTS},
        recoveries={c: during.get((f"{c}_repaid", True), 0) for c in COMPONENTS},
        waivers={c: _both(during, f"{c}_waived") for c in COMPONENTS if c != "principal"},
        losses={c: _both(during, f"{c}_written_off") for c in COMPONENTS},
        closing_exposure=exposure_by_component(_plain(_merge(before, during))),
        opening_payable=_payable(opening),
        closing_payable=_payable(_plain(_merge(before, during))),
        remitted=_both(during, REMITTED),
    )


def _payable(movements: dict[str, int]) -> int:
    """Collected for the partner (every component, recoveries too) less what was remitted to it."""
    return sum(v for m, v in movements.items() if m.endswith("_repaid")) - movements.get(REMITTED, 0)


def _both(sums: Sums, movement: str) -> int:
    return sums.get((movement, False), 0) + sums.get((movement, True), 0)


def _plain(sums: Sums) -> dict[str, int]:
    plain: dict[str, int] = {}
    for (movement, _), minor in sums.items():
        plain[movement] = plain.get(movement, 0) + minor
    return plain


def _merge(a: Sums, b: Sums) -> dict[tuple[str, bool], int]:
    merged = dict(a)
    for key, minor in b.items():
        merged[key] = merged.get(key, 0) + minor
    return merged
