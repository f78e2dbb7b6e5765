"""Hardship: whether a borrower in difficulty may have a loan re-aged, within the strategy's limits.

A re-age (the loan engine's REAGE event, proposed by `lending.plans.propose_restructure`) spreads the
arrears over new installments; it is a concession, so it is limited: a loan is re-aged at most
`reages_per_loan_max` times, only after `paid_installments_min` installments were paid (a payment
history shows willingness to pay), and only within a window of days past due (not for a day's slip,
not once the loan is a write-off candidate).
"""

from __future__ import annotations

from dataclasses import dataclass

from creditline.servicing.collections_strategy import HardshipTerms


@dataclass(frozen=True, slots=True)
class HardshipFacts:
    days_past_due: int
    reages_done: int
    installments_paid: int
    overdue: bool  # the loan's status is overdue (the engine re-ages only overdue loans)


@dataclass(frozen=True, slots=True)
class Eligibility:
    eligible: bool
    reasons: tuple[str, ...]  # codes of every rule that failed; empty when eligible
    messages: tuple[str, ...]


def hardship_eligibility(facts: HardshipFacts, terms: HardshipTerms) -> Eligibility:
    failed: list[tuple[str, str]] = []
    if not facts.overdue:
        failed.append(("not_overdue", "only an overdue loan can be re-aged"))
    elif facts.days_past_due < terms.days_past_due_min:
        failed.append(("too_early", f"re-age is offered from {terms.days_past_due_min} days past due"))
    elif facts.days_past_due > terms.days_past_due_max:
        failed.append(("too_late", f"re-age is offered up to {terms.days_past_due_max} days past due"))
    if facts.reages_done >= terms.reages_per_loan_max:
        failed.append(("reage_limit", f"a loan is re-aged at most {terms.reages_per_loan_max} times"))
    if facts.installments_paid < terms.paid_installments_min:
        failed.append(
            ("payment_history_short", f"re-age needs {terms.paid_installments_min} installments paid first")
        )
    return Eligibility(not failed, tuple(c for c, _ in failed), tuple(m for _, m in failed))
