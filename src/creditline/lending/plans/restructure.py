"""A restructure for a borrower in difficulty: new terms that fit what they can afford (hardship re-age).

It proposes what the loan engine's re-age will do (`lending.loan.restructure.reage`): the principal
still owed is re-amortised over `installments` new installments from today, on the loan's own
calendar and rate; unpaid interest and fees are spread evenly over them without bearing interest;
accrued penalty stays a loan-level receivable that the first payment settles. Of the installment
counts on offer, the proposal is the cheapest (least new interest) whose largest installment fits
the borrower's budget; if none fits there is no proposal, and the record says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from creditline.lending.plans.affordability import (
    Affordability,
    AffordabilityPolicy,
    BorrowerFinances,
    assess,
    shown,
)
from creditline.lending.plans.errors import PlanInputInvalid
from creditline.lending.plans.rationale import (
    Rationale,
    Reason,
    decimal_pct,
    money_text,
    share_pct,
    strain_reasons,
)
from creditline.lending.schedule import Reamortise, Schedule, ScheduleTerms, reamortise
from creditline.lending.schedule_terms import REAGE_EMI_SOLVE
from creditline.money import Money

RESTRUCTURE_INSTALLMENTS = (3, 6, 9, 12, 18, 24, 36)


@dataclass(frozen=True, slots=True)
class Arrears:
    """What the loan owes on the day of the restructure, by component."""

    principal_outstanding: Money
    interest_unpaid: Money
    fees_unpaid: Money
    penalty_unpaid: Money

    def __post_init__(self) -> None:
        for name in ("principal_outstanding", "interest_unpaid", "fees_unpaid", "penalty_unpaid"):
            amount = getattr(self, name)
            if amount.currency != self.principal_outstanding.currency:
                raise PlanInputInvalid("every amount must be in the loan's currency", field=name)
            if amount.is_negative():
                raise PlanInputInvalid("must not be negative", field=name)
        if not self.principal_outstanding.is_positive():
            raise PlanInputInvalid(
                "no principal is owed: there is nothing to spread over new installments", field="principal_outstanding"
            )


@dataclass(frozen=True, slots=True)
class RestructureOption:
    installments: int
    schedule: Schedule  # the re-amortised principal and the interest it bears
    installment_totals: tuple[Money, ...]  # each new installment with its share of the arrears
    new_interest: Money
    affordability: Affordability

    @property
    def installment_max(self) -> Money:
        return max(self.installment_totals, key=lambda money: money.minor)

    def to_json(self) -> dict[str, Any]:
        return {
            "installments": self.installments,
            "first_due": self.schedule.rows[0].due_date.isoformat(),
            "installment_first": self.installment_totals[0].amount_str(),
            "installment_max": self.installment_max.amount_str(),
            "new_interest": self.new_interest.amount_str(),
            "installment_share": shown(self.affordability.installment_share),
            "strained": self.affordability.strained,
        }


@dataclass(frozen=True, slots=True)
class RestructureProposal:
    arrears: Arrears
    options: tuple[RestructureOption, ...]
    proposed: RestructureOption | None
    rationale: Rationale
    policy_version: str

    def to_json(self) -> dict[str, Any]:
        arrears = self.arrears
        return {
            "currency": arrears.principal_outstanding.currency.code,
            "principal_outstanding": arrears.principal_outstanding.amount_str(),
            "interest_unpaid": arrears.interest_unpaid.amount_str(),
            "fees_unpaid": arrears.fees_unpaid.amount_str(),
            "penalty_unpaid": arrears.penalty_unpaid.amount_str(),
            "policy_version": self.policy_version,
            "proposed_installments": None if self.proposed is None else self.proposed.installments,
            "options": [option.to_json() for option in self.options],
            "rationale": self.rationale.to_json(),
        }


def propose_restructure(
    terms: ScheduleTerms,
    on: date,
    arrears: Arrears,
    finances: BorrowerFinances,
    policy: AffordabilityPolicy | None = None,
    installment_choices: Sequence[int] = RESTRUCTURE_INSTALLMENTS,
) -> RestructureProposal:
    """The cheapest re-age the borrower can afford, with every option considered (typed errors for bad input)."""
    policy = policy or AffordabilityPolicy()
    if not installment_choices:
        raise PlanInputInvalid("offer at least one installment count", field="installments")
    options = tuple(_option(terms, on, arrears, count, finances, policy) for count in sorted(set(installment_choices)))
    affordable = [option for option in options if not option.affordability.strained]
    proposed = min(affordable, key=lambda o: (o.new_interest.minor, o.installments)) if affordable else None
    shown_option = proposed or options[-1]
    code = "restructure_fits" if proposed is not None else "restructure_unaffordable"
    facts = {
        "installments": str(shown_option.installments),
        "installment": money_text(shown_option.installment_max),
        "share_pct": share_pct(shown_option.affordability.installment_share),
        "share_max_pct": decimal_pct(shown_option.affordability.share_max),
        "cost": money_text(shown_option.new_interest),
    }
    reasons = [Reason(code, facts)]
    if proposed is None:
        fit = shown_option.affordability
        reasons.extend(strain_reasons(shown_option.installment_max, fit, finances, policy))
    return RestructureProposal(arrears, options, proposed, Rationale(tuple(reasons)), policy.version)


def _option(
    terms: ScheduleTerms,
    on: date,
    arrears: Arrears,
    count: int,
    finances: BorrowerFinances,
    policy: AffordabilityPolicy,
) -> RestructureOption:
    schedule = reamortise(
        terms,
        from_date=on,
        outstanding=arrears.principal_outstanding,
        installments_left=count,
        mode=Reamortise.KEEP_TERM,
        emi_solve=REAGE_EMI_SOLVE,
    )
    # Interest and fees each spread as the engine spreads them (not their sum: the odd units differ).
    count = len(schedule.rows)
    shares = [
        interest + fee
        for interest, fee in zip(
            _spread(arrears.interest_unpaid.minor, count), _spread(arrears.fees_unpaid.minor, count), strict=True
        )
    ]
    currency = arrears.principal_outstanding.currency
    totals = [
        Money(row.total.minor + share, currency) for row, share in zip(schedule.rows, shares, strict=True)
    ]
    totals[0] = totals[0] + arrears.penalty_unpaid
    installment_max = max(totals, key=lambda money: money.minor)
    fit = assess(installment_max, [row.due_date for row in schedule.rows], finances, policy)
    return RestructureOption(count, schedule, tuple(totals), schedule.total_interest, fit)


def _spread(amount_minor: int, count: int) -> list[int]:
    """Even parts, earlier ones taking the odd minor units (as the engine's re-age spreads arrears)."""
    return [amount_minor // count + (1 if index < amount_minor % count else 0) for index in range(count)]
