"""Forms of dates, durations and numbers that public credit exports write beyond the usual ones:
two-digit years across 2000, years-and-months durations, numbers wrapped in underscores."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creditline.risk.models.columns import CATEGORY, DATE, NUMBER, column_values, infer_spec, value_of

EPOCH = date(1970, 1, 1)


def spec_of(values, separator=","):
    return infer_spec("col", "col", pd.Series(values, dtype=str), separator)


def days(day: date) -> float:
    return float((day - EPOCH).days)


def test_day_month_two_digit_year_dates_with_dashes_read_as_dates():
    """L&T's vehicle-loan file writes `DisbursalDate` and `Date.of.Birth` as `03-08-18`, `01-01-84`."""
    spec = spec_of(["03-08-18", "31-10-18", "15-09-18"] * 5)
    assert spec.kind == DATE and spec.date_format == "%d-%m-%y"
    assert column_values(spec, pd.Series(["03-08-18"]))[0] == days(date(2018, 8, 3))
    assert spec_of(["08-03-18", "10-31-18", "09-15-18"] * 5).date_format == "%m-%d-%y"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["01-01-65", "30-06-99", "29-02-00", "15-07-52", "01-12-07"], [1965, 1999, 2000, 1952, 2007]),  # births
        (["Jan-65", "Dec-99", "Mar-08", "Jun-46", "Apr-85"], [1965, 1999, 2008, 1946, 1985]),  # earliest_cr_line
        (["Dec-11", "Jan-07", "Jun-09"], [2011, 2007, 2009]),  # issue dates: as strptime reads them
        (["01/01/75", "12/31/98", "06/15/80"], [1975, 1998, 1980]),
    ],
    ids=["births", "credit-lines", "issues", "slashes"],
)
def test_two_digit_years_fall_in_the_century_their_column_spans(values, expected):
    """strptime reads `65` as 2065: a birth in 1965 came out in the future, after every younger one."""
    spec = spec_of(values * 4)
    assert spec.kind == DATE
    read = pd.to_datetime(column_values(spec, pd.Series(values)), unit="D")
    assert read.year.tolist() == expected
    assert [pd.to_datetime(value_of(spec, v), unit="D").year for v in values] == expected


@settings(max_examples=30, deadline=None)
@given(
    start=st.integers(1915, 1999),
    end=st.integers(2000, 2030),
    picks=st.lists(st.integers(0, 10**6), min_size=3, max_size=40),
    form=st.sampled_from(["%d-%m-%y", "%d/%m/%y", "%b-%y"]),
)
def test_dates_across_2000_within_ninety_years_read_back_in_their_centuries(start, end, picks, form):
    """Dates on both sides of 2000, spanning under 90 years (so the circle of two-digit years has a gap
    of ten or more), read back in their own centuries, in the column and one value at a time — where
    strptime puts `00`–`68` in the 2000s whatever the column. (Dates all in one century have no such
    evidence: they take the century strptime gives the latest, as `issues` above.)"""
    if end - start >= 89:
        end = start + 88
    first = date(start, 1, 1)
    last = date(end, 12, 31)
    width = (last - first).days
    yearly = [date(year, 6, 1) for year in range(start, end + 1)]  # a book's column holds every year it spans
    dates = [first + timedelta(days=p % (width + 1)) for p in picks] + yearly + [first, last]
    values = [d.strftime(form) for d in dates]
    spec = spec_of(values)
    assert spec is not None and spec.kind == DATE
    expected = [days(d.replace(day=1) if form == "%b-%y" else d) for d in dates]
    assert column_values(spec, pd.Series(values)).tolist() == expected
    assert [value_of(spec, v) for v in values] == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["1yrs 11mon", "0yrs 0mon", "12yrs 6mon"], [23.0, 0.0, 150.0]),  # L&T's CREDIT.HISTORY.LENGTH
        (["22 Years and 1 Months", "5 Years and 11 Months", "NA"], [265.0, 71.0, math.nan]),  # Kaggle's Credit_History_Age
        (["3 yr, 2 mo", "1 yr, 0 mo", "0 yr, 7 mo"], [38.0, 12.0, 7.0]),
        (["3年2个月", "1年0个月", "10年11个月"], [38.0, 12.0, 131.0]),
        (["2 years 3 months", "7 months", "1 year 0 months"], [27.0, 7.0, 12.0]),  # months alone read too
    ],
    ids=["yrs-mon", "years-and-months", "abbreviated", "chinese", "with-months-alone"],
)
def test_years_and_months_read_as_months(values, expected):
    spec = spec_of(values * 5)
    assert spec.kind == NUMBER and spec.unit == "month"
    assert column_values(spec, pd.Series(values)).tolist() == pytest.approx(expected, nan_ok=True)
    assert [value_of(spec, v) for v in values] == pytest.approx(expected, nan_ok=True)


def test_years_alone_beside_years_and_months_stay_a_category():
    """`2 years` beside `1 year 6 months`: two units, and converting years alone would be the guess the
    unit reading refuses (docs/risk-models.md §2)."""
    assert spec_of(["2 years", "1 year 6 months", "3 years", "4 years 1 month"] * 5).kind == CATEGORY


def test_numbers_wrapped_in_underscores_are_numbers_and_underscores_alone_missing():
    """Kaggle's "Credit score classification" file scrubs values so: `23_`, `__10000__`, `_`, `_______`."""
    values = ["23", "45", "23_", "__10000__", "_", "_______", "1_000", "__-333__"] + ["30"] * 40
    spec = spec_of(values)
    assert spec.kind == NUMBER and spec.decorated
    read = column_values(spec, pd.Series(values[:8]))
    assert read.tolist()[:4] == [23.0, 45.0, 23.0, 10000.0] and np.isnan(read[4:6]).all()
    assert read.tolist()[6:] == [1000.0, -333.0]
    assert [value_of(spec, v) for v in values[:8]] == pytest.approx(read.tolist(), nan_ok=True)


def test_underscores_alone_are_missing_in_a_category_column():
    spec = spec_of(["Scientist", "Teacher", "_______", "Engineer", "Teacher"] * 5)
    assert spec.kind == CATEGORY and "_______" not in spec.categories
    assert math.isnan(value_of(spec, "_______"))


def test_a_name_with_underscores_stays_text():
    assert spec_of(["LP_001", "LP_002", "CUST_9", "A_B"] * 5).kind == CATEGORY


def test_a_long_text_column_is_not_rewritten_whole_to_learn_it_holds_no_numbers(monkeypatch):
    """The decorations are tried on 2,000 values spread over the column first; a text column's every
    value went through a dozen regular expressions before (1.6 s per 100,000 rows, most of a wide
    file's inference)."""
    from creditline.risk.models import columns

    seen = []
    original = columns.strip_decoration
    monkeypatch.setattr(columns, "strip_decoration", lambda text: seen.append(len(text)) or original(text))
    text = pd.Series(["Working", "Pensioner", "State servant", "Student"] * 25_000)
    assert spec_of(text).kind == CATEGORY
    assert seen and max(seen) <= 2_100


@pytest.mark.parametrize("unreadable_every", [50, 200, 10**9])
def test_a_long_decorated_column_with_a_few_odd_values_is_still_a_number(unreadable_every):
    values = [f"${i:,}.50" if i % unreadable_every else "see note" for i in range(1, 60_001)]
    spec = spec_of(values)
    assert spec.kind == NUMBER and spec.decorated
    assert column_values(spec, pd.Series(values[:3])).tolist() == [1.5, 2.5, 3.5]
