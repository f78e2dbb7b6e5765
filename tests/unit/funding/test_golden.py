"""Published figures the engine must reproduce to the cent."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np

from creditline.funding.accrual import accrue_decimal, accrue_minor, period_fraction
from creditline.funding.amortisation import scheduled_balance_decimal, scheduled_balance_factors
from creditline.funding.assumptions import assumptions
from creditline.funding.deal import build_deal, run_deal
from creditline.funding.structure import deal_spec
from creditline.funding.tape import Amortisation
from creditline.money import DayCount, Money, Rounding

from .builders import deal_data, small_tape


def test_hastructure_level_mortgage_balance_after_first_month() -> None:
    # Hastructure's mortgage case: 4,000.00 level-pay at 8.5% over 60 months -> 3,946.27 after month 1,
    # with each month one twelfth of a year (see amortisation.py for why, despite its ACT/365F label).
    exact = scheduled_balance_decimal(400_000, Decimal("0.085"), 60, 1, Amortisation.LEVEL)
    balance = Money.from_decimal(exact / 100, "USD", rounding=Rounding.HALF_UP)
    assert balance.amount_str() == "3946.27"
    vector = scheduled_balance_factors(np.array([0.085]), np.array([60]), np.array([0]), 1)[0, 1] * 400_000
    assert round(vector) == 394_627


def test_actual_days_would_not_reproduce_it() -> None:
    # the same loan with interest over 31 actual days at ACT/365F: the figure the label would suggest
    payment = Decimal("82.06612530820505")
    interest = Decimal(4000) * Decimal("0.085") * 31 / 365
    assert round(Decimal(4000) - (payment - interest), 2) == Decimal("3946.81")


def test_first_bond_interest_payment_act_365() -> None:
    # 1,000.00 at 7% over 102 days, ACT/365 -> 19.56
    start = date(2025, 7, 15)
    end = start + timedelta(days=102)
    assert accrue_decimal(100_000, Decimal("0.07"), start, end, DayCount.ACT_365F, Rounding.HALF_UP) == 1956
    fraction = period_fraction(start, end, DayCount.ACT_365F)
    assert accrue_minor(np.array([100_000]), Decimal("0.07"), fraction, Rounding.HALF_UP).tolist() == [1956]


def test_first_bond_interest_payment_through_the_waterfall() -> None:
    # the same bond as the only tranche of a deal whose first period runs 102 days
    tape = small_tape(
        [{"outstanding_principal_minor": "100000", "annual_rate": "0.12", "remaining_term_months": "6"}]
    )
    spec = deal_spec(
        deal_data(
            closing_date="2025-07-15",
            first_payment_date=(date(2025, 7, 15) + timedelta(days=102)).isoformat(),
            tranches=[{"name": "A", "balance": "1,000.00", "coupon_rate": "7%", "day_count": "act/365"}],
        )
    )
    result = run_deal(build_deal(spec, tape), assumptions({})).result
    assert result.interest_due[0, 0, 1] == 1956
    assert result.interest_paid[0, 0, 1] == 1956
