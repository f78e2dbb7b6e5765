"""Decision strategies (versioned policy, limit policy and price grid) and champion/challenger routing."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from creditline.risk.limits import LimitDecision, LimitInputs, LimitPolicy, assign_limit
from creditline.risk.policy import Outcome, PolicySet, decide_outcome
from creditline.risk.pricing import GridTerms, Price, price

BUCKETS = 10_000


@dataclass(frozen=True, slots=True)
class Strategy:
    name: str  # "champion" or "challenger"
    policy: PolicySet
    limits: LimitPolicy
    grid: GridTerms
    grid_digest: str
    grid_name: str

    def versions(self) -> dict[str, str]:
        return {
            "policy": f"{self.policy.name}@{self.policy.version}",
            "policy_digest": self.policy.digest,
            "limits": f"{self.limits.name}@{self.limits.version}",
            "limits_digest": self.limits.digest,
            "price_grid": self.grid.version,
            "price_grid_name": self.grid_name,
            "price_grid_digest": self.grid_digest,
        }


@dataclass(frozen=True, slots=True)
class StrategyOutcome:
    strategy: str
    outcome: Outcome
    reasons: tuple[str, ...]
    fired: tuple[str, ...]
    band: str
    limit: LimitDecision | None
    price: Price | None

    def to_json(self) -> dict[str, object]:
        return {
            "strategy": self.strategy,
            "outcome": str(self.outcome),
            "reasons": list(self.reasons),
            "fired": list(self.fired),
            "band": self.band,
            "limit_minor": None if self.limit is None else self.limit.limit.minor,
            "limit_binding": None if self.limit is None else self.limit.binding,
            "rate_daily": None if self.price is None else str(self.price.rate_daily),
            "apr": None if self.price is None else str(self.price.apr),
        }


def uses_challenger(applicant: str, share: Decimal) -> bool:
    """A stable split: the same applicant (their pseudonymous borrower id) always lands on the same side."""
    bucket = int.from_bytes(hashlib.sha256(applicant.encode()).digest()[:4], "big") % BUCKETS
    return Decimal(bucket) < share * BUCKETS


def evaluate(
    strategy: Strategy,
    facts: Mapping[str, object],
    pd: Decimal,
    limit_inputs: Callable[[str], LimitInputs],
    apr_of: Callable[[Decimal], Decimal],
    apr_cap: Decimal,
    rate_range: tuple[Decimal, Decimal] | None = None,
) -> StrategyOutcome:
    """Knock-outs and referrals, PD band, limit and price: one strategy's answer."""
    knockout = decide_outcome(strategy.policy.table("knockout").evaluate(facts))
    band_hit = strategy.policy.table("pd_bands").evaluate({"pd": pd})[0]
    band = str(band_hit.outputs["band"])
    fired = (*knockout.fired, band_hit.rule_id)
    declines = list(knockout.reasons) if knockout.outcome is Outcome.DECLINE else []
    if band_hit.outputs["outcome"] == "decline":
        declines.append(str(band_hit.outputs["reason"]))
    if declines:
        return StrategyOutcome(strategy.name, Outcome.DECLINE, tuple(declines), fired, band, None, None)
    limit = assign_limit(limit_inputs(band), strategy.limits)
    quote = price(pd, strategy.grid, apr_of, apr_cap=apr_cap, rate_range=rate_range)
    if limit.limit.is_zero():
        declines.append(f"limit_{limit.binding}")
    if not quote.covers_cost:
        declines.append("risk_price_above_cap")
    if declines:
        return StrategyOutcome(strategy.name, Outcome.DECLINE, tuple(declines), fired, band, limit, quote)
    return StrategyOutcome(strategy.name, knockout.outcome, knockout.reasons, fired, band, limit, quote)
