"""Repayment-plan recommendation and hardship restructure proposals. Pure: values in, values out.

- `recommend_plan(product, amount, rate_daily, disbursed, finances, policy)`: every term × method the
  product allows for the amount, with total cost, installments, IRR-based APR and affordability;
  ranked by cost and by affordability; the cheapest plan that does not strain the borrower
  recommended, with the reasons as codes and in Chinese and English.
- `propose_restructure(terms, on, arrears, finances, policy)`: the cheapest re-age (installment count)
  a borrower in difficulty can afford, matching what the loan engine's re-age will do.
"""

from creditline.lending.plans.affordability import (
    Affordability,
    AffordabilityPolicy,
    BorrowerFinances,
    aligned_due_day,
    assess,
    days_after_payday,
)
from creditline.lending.plans.errors import PlanInputInvalid
from creditline.lending.plans.options import PlanOption, plan_options
from creditline.lending.plans.rationale import Rationale, Reason
from creditline.lending.plans.recommend import Recommendation, rank, recommend_plan
from creditline.lending.plans.restructure import (
    RESTRUCTURE_INSTALLMENTS,
    Arrears,
    RestructureOption,
    RestructureProposal,
    propose_restructure,
)

__all__ = [
    "RESTRUCTURE_INSTALLMENTS",
    "Affordability",
    "AffordabilityPolicy",
    "Arrears",
    "BorrowerFinances",
    "PlanInputInvalid",
    "PlanOption",
    "Rationale",
    "Reason",
    "Recommendation",
    "RestructureOption",
    "RestructureProposal",
    "aligned_due_day",
    "assess",
    "days_after_payday",
    "plan_options",
    "propose_restructure",
    "rank",
    "recommend_plan",
]
