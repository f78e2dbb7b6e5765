"""The recommendation: rank the plans by cost and by affordability, pick the cheapest that does not strain.

The rule is simple enough to state and to test: among the plans whose largest installment fits the
borrower's budget (see `affordability`), the one with the least total cost (interest + fees), a
smaller installment breaking ties. When no plan fits there is no recommendation, and the record
says why and, where one exists, how much smaller an amount would fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from creditline.lending.plans.affordability import (
    AffordabilityPolicy,
    BorrowerFinances,
    aligned_due_day,
    shown,
)
from creditline.lending.plans.options import PlanOption, plan_options
from creditline.lending.plans.rationale import (
    Rationale,
    Reason,
    decimal_pct,
    money_text,
    share_pct,
    strain_reasons,
)
from creditline.lending.product import Product
from creditline.money import Money, Rounding, round_to_multiple

SMALLER_AMOUNT_STEPS_MAX = 40  # a bounded search for an amount that fits


@dataclass(frozen=True, slots=True)
class Recommendation:
    amount: Money
    options: tuple[PlanOption, ...]
    by_cost: tuple[str, ...]  # option keys, cheapest first
    by_affordability: tuple[str, ...]  # option keys, smallest share of free income first
    recommended: PlanOption | None
    rationale: Rationale
    policy_version: str

    def option(self, key: str) -> PlanOption:
        return next(option for option in self.options if option.key == key)

    def to_json(self) -> dict[str, Any]:
        return {
            "amount": self.amount.amount_str(),
            "currency": self.amount.currency.code,
            "policy_version": self.policy_version,
            "recommended": None if self.recommended is None else self.recommended.key,
            "by_cost": list(self.by_cost),
            "by_affordability": list(self.by_affordability),
            "options": [option_json(option) for option in self.options],
            "rationale": self.rationale.to_json(),
        }


def option_json(option: PlanOption) -> dict[str, Any]:
    fit = option.affordability
    return {
        "key": option.key,
        "term_months": option.term_months,
        "method": str(option.method),
        "installment_first": option.installment_first.amount_str(),
        "installment_max": option.installment_max.amount_str(),
        "total_interest": option.total_interest.amount_str(),
        "total_fees": option.total_fees.amount_str(),
        "total_cost": option.total_cost.amount_str(),
        "apr_pct": format(option.apr_pct, "f"),
        "installment_share": shown(fit.installment_share),
        "debt_service_ratio": shown(fit.debt_service_ratio),
        "share_max": format(fit.share_max, "f"),
        "days_after_payday_max": fit.days_after_payday_max,
        "strained": fit.strained,
        "strain_reasons": list(fit.reasons),
    }


def recommend_plan(
    product: Product,
    amount: Money,
    rate_daily: Decimal,
    disbursed: date,
    finances: BorrowerFinances,
    policy: AffordabilityPolicy | None = None,
) -> Recommendation:
    """Every plan the product allows for `amount`, ranked, with the cheapest affordable one recommended."""
    policy = policy or AffordabilityPolicy()
    options = plan_options(product, amount, rate_daily, disbursed, finances, policy)
    return rank(amount, options, finances, policy, smaller=lambda option: _smaller_amount(product, rate_daily, disbursed, finances, policy, option))


def rank(
    amount: Money,
    options: tuple[PlanOption, ...],
    finances: BorrowerFinances,
    policy: AffordabilityPolicy,
    *,
    smaller: Any = None,
) -> Recommendation:
    """Rank `options` and choose; `smaller(option)` may name a smaller amount that would fit (or None)."""
    assert options, "a product offers at least one plan"
    by_cost = sorted(options, key=PlanOption.cost_order)
    by_fit = sorted(options, key=PlanOption.affordability_order)
    affordable = [option for option in by_cost if not option.affordability.strained]
    chosen = affordable[0] if affordable else None
    if chosen is not None:
        reasons = _chosen_reasons(chosen, by_cost, finances, policy)
    else:
        reasons = _nothing_reasons(by_fit[0], finances, policy, smaller)
    reasons.extend(_timing_reasons(by_fit[0], finances))
    return Recommendation(
        amount=amount,
        options=options,
        by_cost=tuple(option.key for option in by_cost),
        by_affordability=tuple(option.key for option in by_fit),
        recommended=chosen,
        rationale=Rationale(tuple(reasons)),
        policy_version=policy.version,
    )


def _chosen_reasons(
    chosen: PlanOption, by_cost: list[PlanOption], finances: BorrowerFinances, policy: AffordabilityPolicy
) -> list[Reason]:
    reasons = [Reason("cheapest_affordable", _facts(chosen))]
    cheaper = [option for option in by_cost if option.cost_order() < chosen.cost_order()]
    if cheaper:
        option = cheaper[0]
        reasons.append(Reason("cheaper_strained", _facts(option)))
        reasons.extend(strain_reasons(option.installment_max, option.affordability, finances, policy))
    return reasons


def _nothing_reasons(
    best_fit: PlanOption, finances: BorrowerFinances, policy: AffordabilityPolicy, smaller: Any
) -> list[Reason]:
    if "no_free_income" in best_fit.affordability.reasons:
        facts = {
            "obligations": money_text(finances.obligations_monthly),
            "income": money_text(finances.income_monthly),
        }
        return [Reason("no_free_income", facts)]
    reasons = [Reason("nothing_affordable", _facts(best_fit))]
    reasons.extend(strain_reasons(best_fit.installment_max, best_fit.affordability, finances, policy))
    fitting = smaller(best_fit) if smaller is not None else None
    if fitting is not None:
        reasons.append(Reason("smaller_amount_fits", _facts(best_fit) | {"amount": money_text(fitting)}))
    return reasons


def _timing_reasons(option: PlanOption, finances: BorrowerFinances) -> list[Reason]:
    fit = option.affordability
    if finances.payday is None:
        return [Reason("payday_unknown")]
    if "late_in_pay_cycle" not in fit.reasons:
        return []
    day = aligned_due_day(finances.payday)
    return [
        Reason("late_in_pay_cycle", {"days": str(fit.days_after_payday_max), "share_max_pct": decimal_pct(fit.share_max)}),
        Reason("due_day_after_payday", {"day": str(day)}),
    ]


def _facts(option: PlanOption) -> dict[str, str]:
    fit = option.affordability
    return {
        "term": str(option.term_months),
        "method": str(option.method),
        "cost": money_text(option.total_cost),
        "installment": money_text(option.installment_max),
        "share_pct": share_pct(fit.installment_share),
        "share_max_pct": decimal_pct(fit.share_max),
    }


def _smaller_amount(
    product: Product,
    rate_daily: Decimal,
    disbursed: date,
    finances: BorrowerFinances,
    policy: AffordabilityPolicy,
    option: PlanOption,
) -> Money | None:
    """The largest amount (a multiple of 100 units, at least the product's minimum) that `option`'s plan affords."""
    free_minor = finances.free_income.minor
    allowed = min(
        Fraction(option.affordability.share_max) * free_minor,
        Fraction(policy.debt_service_ratio_max) * finances.income_monthly.minor - finances.obligations_monthly.minor,
    )
    if allowed <= 0:
        return None
    amount = option.schedule.terms.principal
    step_minor = 100 * 10**amount.currency.minor_digits
    # The installment is close to proportional to the amount: scale, round down, then check and step down.
    estimate = Fraction(amount.minor) * allowed / option.installment_max.minor
    candidate_minor = min(
        round_to_multiple(int(estimate), step_minor, Rounding.DOWN),
        round_to_multiple(amount.minor - 1, step_minor, Rounding.DOWN),
    )
    for _ in range(SMALLER_AMOUNT_STEPS_MAX):
        if candidate_minor < product.drawdown_min.minor:
            return None
        candidate = Money(candidate_minor, amount.currency)
        (fitting,) = plan_options(
            product, candidate, rate_daily, disbursed, finances, policy,
            terms_months=(option.term_months,), methods=(option.method,),
        )  # fmt: skip
        if not fitting.affordability.strained:
            return candidate
        candidate_minor -= step_minor
    return None
