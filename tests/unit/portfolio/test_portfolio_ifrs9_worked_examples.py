"""IFRS 9 worked examples from published sources, and the staging backstops."""

from __future__ import annotations

import itertools
from decimal import Decimal

import polars as pl
import pytest
from portfolio_factories import row

from creditline.money import Money
from creditline.portfolio import snapshot
from creditline.portfolio.ecl import EclAssumptions, ecl_table, loan_ecl
from creditline.portfolio.provision_matrix import loss_rates_from_roll_rates, provision_matrix
from creditline.portfolio.staging import SicrPolicy, Stage, assign_stage, assign_stage_expr, backstop_stage


def test_twelve_month_ecl_of_the_worked_example_is_878_31():
    """EAD 100,000, PD 2%, LGD 45%, EIR 5%, default mid-year: 100,000 × 2% × 45% ÷ 1.05^0.5 = 878.31."""
    loan = row(principal_minor=10_000_000, pd_12m=0.02, lgd=0.45, eir_annual=0.05, remaining_term_months=12)
    result = loan_ecl(loan, EclAssumptions())
    assert Money.of_minor(result.ecl_minor, "CNY").amount_str() == "878.31"
    batch = ecl_table(snapshot.from_rows([loan]), EclAssumptions())
    assert batch.get_column("ecl_minor").to_list() == [87_831]


def test_the_same_loan_in_stage_2_over_three_years_adds_discounted_later_years():
    """Lifetime = Σ over years t of 0.98^(t−1) × 2% × 45% × 100,000 ÷ 1.05^(t−½)."""
    loan = row(principal_minor=10_000_000, pd_12m=0.02, lgd=0.45, eir_annual=0.05, remaining_term_months=36,
               stage=2, pd_12m_origination=0.005)
    expected = sum(Decimal("0.98") ** (t - 1) * Decimal(900) / Decimal("1.05").sqrt() / Decimal("1.05") ** (t - 1)
                   for t in (1, 2, 3))
    assert loan_ecl(loan, EclAssumptions()).ecl_minor == int((expected * 100).quantize(Decimal(1)))


def test_stage_3_ecl_is_ead_times_lgd_with_the_undrawn_limit_converted():
    loan = row(principal_minor=90_000, interest_minor=5_000, penalty_minor=1_000, undrawn_minor=40_000,
               days_past_due=120, status="overdue", stage=3, lgd=0.5)
    result = loan_ecl(loan, EclAssumptions(ccf=Decimal("0.25")))
    assert result.ead == 106_000.0
    assert result.ecl_minor == 53_000


# IFRScommunity.com, "IFRS 9 Impairment", example "Lifetime ECL for trade receivables using a provision
# matrix" (https://ifrscommunity.com/knowledge-base/ifrs-9-impairment/, calculation sheet "IFRS 9 example
# lifetime ECL trade receivables provision matrix 01"): of January sales of 100,000, 50,000 were still
# unpaid at the due date, 23,000 a month later, 8,000 two months later and 2,000 were never paid. The loss
# rates 2.0% / 4.0% / 8.7% / 25.0% / 100.0% applied to receivables of 300,000 (not overdue), 140,000 (1–30
# days), 60,000 (31–60), 23,000 (61–90) and 5,000 (91+) give allowances 6,000 / 5,600 / 5,217 / 5,750 /
# 5,000 and the published total of 27,567.
FLOW = [100_000, 50_000, 23_000, 8_000, 2_000]
RECEIVABLES = [300_000, 140_000, 60_000, 23_000, 5_000]


def test_provision_matrix_reproduces_the_published_total_27_567():
    rolls = [Decimal(b) / Decimal(a) for a, b in itertools.pairwise(FLOW)] + [Decimal(1)]
    rates = loss_rates_from_roll_rates(rolls)
    shown = [str((r * 100).quantize(Decimal("0.1"))) for r in rates]
    assert shown == ["2.0", "4.0", "8.7", "25.0", "100.0"]
    lines = provision_matrix(RECEIVABLES, rates)  # whole currency units as the minor unit, as published
    assert [line.allowance_minor for line in lines] == [6_000, 5_600, 5_217, 5_750, 5_000]
    assert sum(line.allowance_minor for line in lines) == 27_567


def test_the_rounded_8_7_percent_rate_would_miss_the_published_total():
    """Why the matrix keeps unrounded rates: 60,000 × 8.7% = 5,220, three more than published."""
    rates = [Decimal("0.02"), Decimal("0.04"), Decimal("0.087"), Decimal("0.25"), Decimal(1)]
    assert sum(line.allowance_minor for line in provision_matrix(RECEIVABLES, rates)) == 27_570


@pytest.mark.parametrize(
    ("days_past_due", "stage"),
    [(0, Stage.PERFORMING), (30, Stage.PERFORMING), (31, Stage.UNDERPERFORMING), (90, Stage.UNDERPERFORMING),
     (91, Stage.CREDIT_IMPAIRED), (400, Stage.CREDIT_IMPAIRED)],
)
def test_staging_backstops(days_past_due, stage):
    assert backstop_stage(days_past_due) is stage
    assert assign_stage(days_past_due, pd_12m=0.02, pd_12m_origination=0.02) is stage


def test_a_significant_rise_in_pd_moves_a_current_loan_to_stage_2_but_a_tiny_one_does_not():
    assert assign_stage(0, pd_12m=0.06, pd_12m_origination=0.02) is Stage.UNDERPERFORMING
    assert assign_stage(0, pd_12m=0.002, pd_12m_origination=0.001) is Stage.PERFORMING  # doubled, negligible
    assert assign_stage(0, pd_12m=0.03, pd_12m_origination=0.02) is Stage.PERFORMING  # up 50%: not 2×
    strict = SicrPolicy(pd_ratio_min=Decimal("1.5"), pd_increase_min=Decimal("0.005"))
    assert assign_stage(0, pd_12m=0.03, pd_12m_origination=0.02, policy=strict) is Stage.UNDERPERFORMING


@pytest.mark.parametrize(("pd_origination", "pd_now"), [(0.005, 0.015), (0.001, 0.011), (0.0025, 0.0125)])
def test_a_pd_exactly_one_point_higher_and_at_least_doubled_is_a_significant_increase(pd_origination, pd_now):
    # 0.015 − 0.005 is 0.009999999999999998 in binary floating point: the threshold is the policy's
    # "at least 1 percentage point", not the last bit of a float subtraction.
    assert assign_stage(0, pd_12m=pd_now, pd_12m_origination=pd_origination) is Stage.UNDERPERFORMING
    frame = pl.DataFrame({"days": [0], "pd": [pd_now], "origination": [pd_origination]})
    stage = frame.select(assign_stage_expr(pl.col("days"), pl.col("pd"), pl.col("origination"))).item()
    assert stage == int(Stage.UNDERPERFORMING)
    strict = SicrPolicy(pd_ratio_min=Decimal("1.1"), pd_increase_min=Decimal("0.001"))
    assert assign_stage(0, pd_12m=0.011, pd_12m_origination=0.01, policy=strict) is Stage.UNDERPERFORMING
