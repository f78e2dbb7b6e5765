"""The plans a product offers for one amount: every allowed term × method, with its cost, installments and APR."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from creditline.lending.apr import Apr, AprMethod, schedule_apr
from creditline.lending.plans.affordability import (
    Affordability,
    AffordabilityPolicy,
    BorrowerFinances,
    assess,
)
from creditline.lending.product import Product
from creditline.lending.schedule import Method, Schedule, build_schedule
from creditline.money import Money


@dataclass(frozen=True, slots=True)
class PlanOption:
    term_months: int
    method: Method
    schedule: Schedule
    installment_first: Money
    installment_max: Money
    total_interest: Money
    total_fees: Money  # the products charge no fees today; kept so cost means interest + fees everywhere
    apr: Apr  # IRR-based (PBOC), from the schedule's own cash flows
    affordability: Affordability

    @property
    def key(self) -> str:
        return f"{self.term_months}m-{self.method}"

    @property
    def total_cost(self) -> Money:
        return self.total_interest + self.total_fees

    def cost_order(self) -> tuple[int, int, int, str]:
        """Cheapest first; among equal costs the smaller installment, then the shorter term."""
        return (self.total_cost.minor, self.installment_max.minor, self.term_months, str(self.method))

    def affordability_order(self) -> tuple[object, int, int, str]:
        return (self.affordability.sort_share, self.total_cost.minor, self.term_months, str(self.method))

    @property
    def apr_pct(self) -> Decimal:
        return self.apr.apr_pct_display


def plan_options(
    product: Product,
    amount: Money,
    rate_daily: Decimal,
    disbursed: date,
    finances: BorrowerFinances,
    policy: AffordabilityPolicy,
    *,
    terms_months: Sequence[int] | None = None,
    methods: Sequence[Method] | None = None,
) -> tuple[PlanOption, ...]:
    """Every plan the product allows for `amount` (typed errors when the product would refuse the drawdown)."""
    chosen_terms = tuple(terms_months) if terms_months is not None else product.terms_months
    chosen_methods = tuple(methods) if methods is not None else product.methods
    options = []
    for term in chosen_terms:
        for method in chosen_methods:
            terms = product.schedule_terms(amount, term, method, rate_daily, disbursed)
            options.append(option_of(build_schedule(terms), finances, policy))
    return tuple(options)


def option_of(schedule: Schedule, finances: BorrowerFinances, policy: AffordabilityPolicy) -> PlanOption:
    totals = [row.total for row in schedule.rows]
    installment_max = max(totals, key=lambda money: money.minor)
    currency = schedule.terms.principal.currency
    return PlanOption(
        term_months=schedule.terms.installments,
        method=schedule.terms.method,
        schedule=schedule,
        installment_first=totals[0],
        installment_max=installment_max,
        total_interest=schedule.total_interest,
        total_fees=Money.zero(currency),
        apr=schedule_apr(schedule.cash_flows(), AprMethod.IRR),
        affordability=assess(installment_max, [row.due_date for row in schedule.rows], finances, policy),
    )
