"""Buckets, tiers, MOB and the snapshot contract: what EOD must write and what is rejected."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from portfolio_factories import row

from creditline.portfolio import snapshot
from creditline.portfolio.delinquency import (
    CHINA_2023,
    CHINA_CARD_2011,
    Tier,
    TierPolicy,
    bucket_expr,
    bucket_of,
    tier_expr,
    tier_of,
)
from creditline.portfolio.errors import InvalidAssumption, InvalidSnapshot, SnapshotNotFound
from creditline.portfolio.months import months_on_book, shift_months
from creditline.portfolio.staging import assign_stage, assign_stage_expr


@pytest.mark.parametrize(
    ("days", "bucket"),
    [(0, 0), (1, 1), (30, 1), (31, 2), (60, 2), (61, 3), (90, 3), (91, 4), (150, 5), (151, 6), (180, 6),
     (181, 7), (5000, 7)],
)
def test_bucket_boundaries(days, bucket):
    assert bucket_of(days) == bucket


@pytest.mark.parametrize(
    ("days", "china_2023", "card_2011"),
    [(0, Tier.NORMAL, Tier.NORMAL), (1, Tier.SPECIAL_MENTION, Tier.SPECIAL_MENTION),
     (90, Tier.SPECIAL_MENTION, Tier.SPECIAL_MENTION), (91, Tier.SUBSTANDARD, Tier.SUBSTANDARD),
     (121, Tier.SUBSTANDARD, Tier.DOUBTFUL), (181, Tier.SUBSTANDARD, Tier.LOSS), (271, Tier.DOUBTFUL, Tier.LOSS),
     (360, Tier.DOUBTFUL, Tier.LOSS), (361, Tier.LOSS, Tier.LOSS)],
)
def test_regulatory_tiers(days, china_2023, card_2011):
    assert tier_of(days, CHINA_2023) is china_2023
    assert tier_of(days, CHINA_CARD_2011) is card_2011
    assert tier_of(days).is_non_performing == (days > 90)


def test_tier_thresholds_must_increase():
    with pytest.raises(InvalidAssumption) as info:
        TierPolicy("bad", 90, 90, 360)
    assert info.value.field == "tier_policy"


@given(st.lists(st.integers(0, 2000), min_size=1, max_size=50),
       st.lists(st.sampled_from([0.0, 0.001, 0.01, 0.02, 0.04, 0.5]), min_size=2, max_size=2))
def test_column_expressions_equal_the_per_loan_functions(days, pds):
    frame = pl.DataFrame({"d": days, "p": [pds[0]] * len(days), "o": [pds[1]] * len(days)})
    got = frame.select(bucket_expr(pl.col("d")).alias("b"), tier_expr(pl.col("d")).alias("t"),
                       tier_expr(pl.col("d"), CHINA_CARD_2011).alias("c"),
                       assign_stage_expr(pl.col("d"), pl.col("p"), pl.col("o")).alias("s"))
    assert got.get_column("b").to_list() == [bucket_of(d) for d in days]
    assert got.get_column("t").to_list() == [int(tier_of(d)) for d in days]
    assert got.get_column("c").to_list() == [int(tier_of(d, CHINA_CARD_2011)) for d in days]
    assert got.get_column("s").to_list() == [int(assign_stage(d, pds[0], pds[1])) for d in days]


def test_one_mob_convention_calendar_months_from_the_origination_month():
    assert months_on_book(date(2024, 1, 31), date(2024, 1, 31)) == 0
    assert months_on_book(date(2024, 1, 31), date(2024, 2, 29)) == 1
    assert months_on_book(date(2024, 1, 1), date(2024, 2, 1)) == 1
    assert months_on_book(date(2023, 12, 15), date(2024, 12, 31)) == 12


def test_a_year_before_a_month_end_is_a_month_end():
    assert shift_months(date(2024, 2, 29), -12) == date(2023, 2, 28)
    assert shift_months(date(2023, 2, 28), -12) == date(2022, 2, 28)
    assert shift_months(date(2024, 4, 30), -2) == date(2024, 2, 29)
    assert shift_months(date(2024, 3, 15), -1) == date(2024, 2, 15)


def _frame(**changes):
    """One row as a raw frame, before validation."""
    loan = row(**changes)
    return pl.DataFrame([{c: getattr(loan, c) for c in snapshot.SCHEMA}], schema=snapshot.SCHEMA)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"principal_minor": -1}, "principal_minor must not be negative"),
        ({"days_past_due": 45}, "an overdue loan has days_past_due > 0"),
        ({"days_past_due": 45, "status": "overdue"}, "stage is below the days-past-due backstop"),
        ({"days_past_due": 91, "status": "overdue", "stage": 2}, "stage is below the days-past-due backstop"),
        ({"status": "late"}, "status must be one of"),
        ({"pd_12m": 1.5}, "pd_12m must be in [0, 1]"),
        ({"lgd": -0.1}, "lgd must be in [0, 1]"),
        ({"eir_annual": 12.0}, "eir_annual must be in [0, 10.0]"),
        ({"vintage_month": date(2024, 2, 1)}, "vintage_month must be the first day of the origination month"),
        ({"origination_date": date(2024, 7, 1), "vintage_month": date(2024, 7, 1)}, "origination_date must not be"),
        ({"undrawn_minor": 300_000}, "undrawn_minor must not exceed limit_minor"),
        ({"status": "closed"}, "a closed loan owes nothing"),
        ({"currency": "XYZ"}, "unknown currency 'XYZ'"),
    ],
)
def test_validation_rejects_broken_rows_naming_the_rule_and_the_loan(changes, message):
    with pytest.raises(InvalidSnapshot) as info:
        snapshot.validate(_frame(**changes))
    assert info.value.field == "snapshots"
    assert message in info.value.message
    assert info.value.code == "invalid_snapshot"


def test_validation_accepts_a_cured_loan_held_in_a_higher_stage():
    assert snapshot.validate(_frame(stage=2)).get_column("stage").to_list() == [2]


def test_validation_names_missing_columns_wrong_types_nulls_and_duplicates():
    with pytest.raises(InvalidSnapshot, match="missing column"):
        snapshot.validate(_frame().drop("lgd", "stage"))
    with pytest.raises(InvalidSnapshot, match="column days_past_due must hold whole numbers: 'soon' on row 1"):
        snapshot.validate(_frame().with_columns(pl.lit("soon").alias("days_past_due")))
    with pytest.raises(InvalidSnapshot, match=r"column as_of must hold dates \(YYYY-MM-DD\): '30/06/2024'"):
        snapshot.validate(_frame().with_columns(pl.lit("30/06/2024").alias("as_of")))
    with pytest.raises(InvalidSnapshot, match="column stage must hold whole numbers: 300 on row 1"):
        snapshot.validate(_frame().with_columns(pl.lit(300).alias("stage")))
    with pytest.raises(InvalidSnapshot, match="column pd_12m has 1 empty value"):
        snapshot.validate(_frame().with_columns(pl.lit(None, dtype=pl.Float64).alias("pd_12m")))
    with pytest.raises(InvalidSnapshot, match="loan L1 appears twice on 2024-06-30"):
        snapshot.validate(pl.concat([_frame(), _frame()]))


def test_text_dates_from_csv_are_parsed_and_an_empty_lgd_is_allowed():
    frame = _frame(lgd=None).with_columns(pl.col("as_of", "origination_date", "vintage_month").cast(pl.String))
    typed = snapshot.validate(frame)
    assert typed.schema == pl.Schema(snapshot.SCHEMA)
    assert typed.get_column("as_of").to_list() == [date(2024, 6, 30)]


def test_a_date_without_a_snapshot_says_which_dates_exist():
    frame = snapshot.from_rows([row(), row(as_of=date(2024, 7, 31))])
    with pytest.raises(SnapshotNotFound) as info:
        snapshot.for_date(frame, date(2024, 5, 31))
    assert info.value.field == "as_of"
    assert "snapshots cover 2024-06-30 to 2024-07-31" in info.value.message


def test_monthly_view_keeps_each_loans_last_daily_snapshot_of_each_month():
    rows = [row(as_of=date(2024, 6, d), loan_id=loan) for d in (29, 30) for loan in ("L1", "L2")]
    rows += [row(as_of=date(2024, 7, 15), loan_id="L1"), row(as_of=date(2024, 7, 14), loan_id="L2")]
    view = snapshot.monthly_view(snapshot.from_rows(rows), date(2024, 7, 31), ["loan_id", "as_of"]).collect()
    assert sorted(view.iter_rows()) == [("L1", date(2024, 6, 30)), ("L1", date(2024, 7, 15)),
                                       ("L2", date(2024, 6, 30)), ("L2", date(2024, 7, 14))]


def test_a_portfolio_covers_one_currency():
    frame = snapshot.from_rows([row(), row(loan_id="L2", currency="USD")])
    with pytest.raises(InvalidSnapshot) as info:
        snapshot.single_currency(frame)
    assert info.value.field == "currency"
    assert "CNY, USD" in info.value.message


def test_amounts_that_would_wrap_round_int64_when_summed_are_refused():
    """Two loans of 2^62 principal summed to a negative NPL base: `report portfolio` died on an assertion."""
    big = 2**62
    rows = [_frame(loan_id=f"L{i}", disbursed_minor=big, principal_minor=big, limit_minor=big) for i in (1, 2)]
    with pytest.raises(InvalidSnapshot) as info:
        snapshot.validate(pl.concat(rows))
    assert info.value.field == "snapshots"
    assert "the amounts of 2024-06-30 add up beyond the storable range" in info.value.message
    with pytest.raises(InvalidSnapshot, match="add up beyond"):
        snapshot.validate(_frame(interest_minor=2**63 - 1))
    fits = snapshot.validate(_frame(disbursed_minor=2**60, principal_minor=2**60, limit_minor=2**60))
    assert fits.get_column("principal_minor").to_list() == [2**60]


def test_a_fractional_amount_from_a_typed_file_is_refused_not_truncated():
    """Parquet keeps a float column's type: principal 70000.5 was cut to 70000 and stage 2.7 to 2."""
    frame = _frame().with_columns(pl.lit(70_000.5).alias("principal_minor"))
    with pytest.raises(InvalidSnapshot, match=r"column principal_minor must hold whole numbers: 70000\.5 on row 1"):
        snapshot.validate(frame)
    with pytest.raises(InvalidSnapshot, match=r"column stage must hold whole numbers: 2\.7 on row 1"):
        snapshot.validate(_frame().with_columns(pl.lit(2.7).alias("stage")))
    whole = snapshot.validate(_frame().with_columns(pl.lit(70_000.0).alias("principal_minor")))
    assert whole.get_column("principal_minor").to_list() == [70_000]
