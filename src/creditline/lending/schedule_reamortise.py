"""How many installments a kept installment needs to repay a balance."""

from __future__ import annotations

from creditline.lending.errors import OptionInvalid
from creditline.lending.schedule_dates import due_dates
from creditline.lending.schedule_interest import nominal_rate, period_rate
from creditline.lending.schedule_ratio import Ratio, round_div
from creditline.lending.schedule_terms import InterestBasis, Method, ScheduleTerms


def shortest_term(
    terms: ScheduleTerms, level_minor: int, installments_max: int, first_rate: Ratio | None = None
) -> int:
    """The fewest installments (at most `installments_max`) in which `level_minor` a period repays the balance."""
    dates = due_dates(terms)
    start = terms.disbursed
    balance = terms.principal.minor
    regular = nominal_rate(terms)
    for count, due in enumerate(dates, start=1):
        if count == 1 and first_rate is not None:
            rate_n, rate_d = first_rate
        elif terms.interest_basis is InterestBasis.PERIOD and count > 1:
            rate_n, rate_d = regular
        else:
            rate_n, rate_d = period_rate(terms, start, due)
        interest = round_div(balance * rate_n, rate_d, terms.rounding)
        paid = level_minor if terms.method is Method.EQUAL_PRINCIPAL else level_minor - interest
        if paid <= 0:
            raise OptionInvalid(
                "the installment does not cover the interest, so the balance would never be repaid",
                field="current_installment",
            )
        if paid >= balance:
            return count
        balance -= paid
        start = due
    return installments_max
