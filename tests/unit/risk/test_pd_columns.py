"""Type inference from raw text, and the one-value and whole-column conversions agreeing."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creditline.risk.models import InvalidScoringRequest
from creditline.risk.models.columns import CATEGORY, DATE, FLAG, NUMBER, column_values, infer_spec, value_of
from creditline.risk.models.names import plain_words, sanitise


def spec_of(values, separator=","):
    return infer_spec("col", "col", pd.Series(values, dtype=str), separator)


def test_numbers_with_decimal_commas_in_a_semicolon_file():
    spec = spec_of(["1,5", "2,25", "", "3"], separator=";")
    assert spec.kind == NUMBER and spec.decimal_comma
    assert column_values(spec, pd.Series(["1,5", "", "NA"])).tolist()[0] == 1.5


def test_decimal_commas_with_dots_grouping_thousands_are_numbers():
    # A German or Indonesian export: `2.103,26` is two thousand one hundred and three (and 26 cents).
    values = ["2.103,26", "256,42", "1.190,11", "12.345.678,9", "959,38", "", "7.629"]
    spec = spec_of(values, separator=";")
    assert spec.kind == NUMBER and spec.decimal_comma
    expected = [2103.26, 256.42, 1190.11, 12345678.9, 959.38, 7629.0]
    read = column_values(spec, pd.Series(values)).tolist()
    assert read[:5] + read[6:] == expected and math.isnan(read[5])
    assert [value_of(spec, v) for v in values if v] == expected
    # a dot that groups nothing is no thousands separator: refused, never read as another number
    with pytest.raises(InvalidScoringRequest):
        value_of(spec, "1.23,4")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["1 234,56", "12,5", "3 000,00", "7,1"], [1234.56, 12.5, 3000.0, 7.1]),
        (["1.234,56 €", "12,50 €", "€ 3.000", "€7"], [1234.56, 12.5, 3000.0, 7.0]),
        (["12,5 %", "3 %", "7,25%", "100 %"], [12.5, 3.0, 7.25, 100.0]),
    ],
    ids=["spaces", "euros", "percent"],
)
def test_decorated_numbers_with_a_decimal_comma_are_numbers(values, expected):
    spec = spec_of(values * 5, separator=";")
    assert (spec.kind, spec.decimal_comma, spec.decorated) == (NUMBER, True, True)
    assert column_values(spec, pd.Series(values)).tolist() == expected
    assert [value_of(spec, v) for v in values] == expected


def test_decorated_numbers_lose_currency_percent_and_thousands_separators():
    spec = spec_of(["$1,234.50", "12%", "$ 7", "1,000,000"])
    assert spec.kind == NUMBER and spec.decorated
    assert column_values(spec, pd.Series(["$1,234.50", "12.5%", ""])).tolist()[:2] == [1234.5, 12.5]
    assert value_of(spec, "$1,234.50") == 1234.5


def test_flags_dates_and_categories():
    assert spec_of(["Y", "N", "y", ""]).kind == FLAG
    date = spec_of(["2017-07-25 08:22:56.000000", "2016-01-01", ""])
    assert date.kind == DATE
    assert column_values(date, pd.Series(["1970-01-11"]))[0] == 10.0
    category = spec_of(["A11"] * 6 + ["A12"] * 5 + ["A13"])
    assert category.kind == CATEGORY
    assert category.categories == ("A11", "A12")  # A13 is rarer than 5 rows: pooled as "other"
    assert column_values(category, pd.Series(["A12", "A13", "zzz", ""])).tolist()[:3] == [1.0, 2.0, 2.0]


def test_a_chinese_book_s_flags_amounts_and_rates_read_as_such():
    for yes, no in (("是", "否"), ("有", "无")):  # yes / no; has / has not
        flag = spec_of([yes, no, no, ""])
        assert flag.kind == FLAG
        assert column_values(flag, pd.Series([yes, no, ""])).tolist()[:2] == [1.0, 0.0]
        assert [value_of(flag, yes), value_of(flag, no)] == [1.0, 0.0]
    income = spec_of(["8,500元", "12,000元", "3,200元"])
    assert income.kind == NUMBER and column_values(income, pd.Series(["8,500元", "1,000,000元"])).tolist() == [8500.0, 1e6]
    assert value_of(spec_of(["35.2%", "80%", "0.5%"]), "35.2%") == 35.2
    wan = spec_of(["1.5万元", "12万", "¥3,000", "2亿", "800元"])  # ten thousands, hundred millions
    assert wan.kind == NUMBER and wan.decorated
    values = ["1.5万元", "12万", "¥3,000", "2亿", "-0.8万", "万"]
    expected = [15000.0, 120000.0, 3000.0, 2e8, -8000.0]
    assert column_values(wan, pd.Series(values)).tolist()[:5] == expected
    assert [value_of(wan, v) for v in values[:5]] == expected
    assert math.isnan(column_values(wan, pd.Series(values)).tolist()[5])  # the unit alone is no number


def test_sentinel_codes_become_missing_only_in_non_negative_columns():
    heloc = spec_of(["55", "-9", "-8", "70", "-7", "80"])
    assert heloc.missing_codes == (-9.0, -8.0, -7.0)
    assert np.isnan(column_values(heloc, pd.Series(["-9", "-7"]))).all()
    signed = spec_of(["-3", "-9", "4", "10"])
    assert signed.missing_codes == ()


def test_a_sas_export_s_dot_is_a_missing_number():
    # SAS writes a missing numeric value as "."; 10% of them must not turn income into text.
    values = [".", "1250.5", "980", ".", "4100"] * 20
    spec = spec_of(values)
    assert spec.kind == NUMBER
    read = column_values(spec, pd.Series(values))
    assert np.isnan(read[0]) and read[1] == 1250.5
    assert math.isnan(value_of(spec, "."))


def test_nan_as_r_java_and_javascript_write_it_is_missing():
    # "NaN" (R, Java, JavaScript, Spark) is the listed `nan` token; only nan, NAN and Nan were matched.
    values = ["NaN", "1250.5", "980", "NaN", "4100"] * 20
    spec = spec_of(values)
    assert spec.kind == NUMBER
    read = column_values(spec, pd.Series(values), strict=True)
    assert np.isnan(read[0]) and read[1] == 1250.5
    assert math.isnan(value_of(spec, "NaN"))
    assert spec_of(["a", "b", "NaN"] * 10).categories == ("a", "b")


def test_constant_and_blank_columns_carry_no_information():
    assert spec_of(["1", "1", "1"]) is None
    assert spec_of(["", "NA", "null"]) is None


@pytest.mark.parametrize(
    ("values", "separator", "expected"),
    [
        (["(1,234.50)", "12", "$ 7", "($ 3)", "1,000,000", "\u22125"], ",", [-1234.5, 12.0, 7.0, -3.0, 1e6, -5.0]),
        (["1.234,56-", "12,5", "3.000,00-", "7"], ";", [-1234.56, 12.5, -3000.0, 7.0]),
        (["(1.234,56)", "12,5 €", "( 3.000 )", "7,1"], ";", [-1234.56, 12.5, -3000.0, 7.1]),
    ],
    ids=["parenthesised", "trailing-minus", "parenthesised-decimal-comma"],
)
def test_accounting_negatives_are_negative_numbers(values, separator, expected):
    # A ledger or bank export writes a debit balance as `(1,234.50)`, SAP as `1.234,56-`.
    spec = spec_of(values * 5, separator=separator)
    assert spec.kind == NUMBER and spec.decorated
    assert column_values(spec, pd.Series(values)).tolist() == expected
    assert [value_of(spec, v) for v in values] == expected


def test_parentheses_around_no_number_stay_text():
    spec = spec_of(["(none)", "(n/a)", "A", "B"] * 5)
    assert spec.kind == CATEGORY
    number = spec_of(["(1)", "2", "(3)"])
    with pytest.raises(InvalidScoringRequest):
        value_of(number, "(-4)")  # a sign inside the parentheses is no accounting negative


def test_scoring_refuses_a_wrongly_typed_value_naming_the_field():
    number = spec_of(["1", "2", "3"])
    with pytest.raises(InvalidScoringRequest) as raised:
        value_of(number, "lots")
    assert raised.value.field == "col"
    with pytest.raises(InvalidScoringRequest):
        value_of(number, [1, 2])
    with pytest.raises(InvalidScoringRequest):
        column_values(number, pd.Series(["1", "x"]), strict=True)


raw_values = st.one_of(
    st.none(),
    st.sampled_from(["", "NA", "?", "-9", "Y", "n", "A11", "2020-02-29", "3,5", "x", "$1,234", "50%", "(1,234.5)", "7-",
                     "\u22123", "Dec-2011", "15-OCT-21", "USD 5", "1,23,456",
                     "36 months", "< 1 month", "7 years", "2021Q3", "Q4 2021", "50k",
                     "18-24", "65+", "1-3 years", "$0 - $25,000", "25k-50k", "30-20", "2019-03",
                     "25-12-2016", "06-2019", "1/6/19", "01-01-65", "29-02-00", "1yrs 11mon", "3年2个月", "53_",
                     "__-3__", "_______", "1_000"]),
    st.integers(-20, 2000),
    st.floats(-1e6, 1e6),
    st.just(float("nan")),
    st.text(max_size=6),
)
def test_dates_without_leading_zeros_and_with_a_time_read_as_dates():
    """`5/7/2017 08:00` has no zero padding: the date is what comes before the time, not 10 characters."""
    spec = spec_of(["5/7/2017 08:00", "25/12/2016 17:45", "1/1/1970 00:00", ""])
    assert spec.kind == DATE and spec.date_format == "%d/%m/%Y"
    assert column_values(spec, pd.Series(["2/1/1970 08:00", "11/1/1970"])).tolist() == [1.0, 10.0]
    assert value_of(spec, "2/1/1970 23:59") == 1.0
    iso = spec_of(["2017-7-5T08:00:00", "2016-12-25 17:45", "1970-1-1"])
    assert iso.kind == DATE
    assert column_values(iso, pd.Series(["1970-1-2T08:00"])).tolist() == [1.0]
    assert value_of(iso, "1970-1-2T08:00") == 1.0


def test_month_first_dates_read_as_month_first():
    """A day above 12 in the second place means the file writes month first (US style)."""
    spec = spec_of(["12/25/2016", "7/4/2017", "1/31/2018", ""])
    assert spec.kind == DATE and spec.date_format == "%m/%d/%Y"
    assert column_values(spec, pd.Series(["1/2/1970"])).tolist() == [1.0]
    assert value_of(spec, "1/11/1970") == 10.0


training = {
    "number": ["10", "-9", "25.5", "", "40", "7"],
    "decorated": ["$10", "-9", "2,500.5", "", "40%", "7"],
    "flag": ["Y", "N", "Y", "", "N", "Y"],
    "date": ["2020-01-01", "2021-06-30", "", "2019-12-31", "2020-02-29", "2018-01-01"],
    "day-first date": ["25-12-2016", "1-7-2017", "", "31-01-2018", "13-2-2019", "1-1-2020"],
    "category": ["A11", "A11", "A12", "A12", "A11", "A12"] * 2,
    "unit": ["36 months", "< 1 month", "10+ months", "", "1 month", "-9"],
    "quarter": ["2021Q3", "2021Q4", "", "2022Q1", "2021Q3", "2022Q2"],
    "bands": ["18-24", "25-34", "", "65+", "35 to 44", "-9"],
    "bands in a unit": ["1-3 years", "< 1 year", "3-5 years", "10+ years", "", "1-3 years"],
    "two-digit years across 2000": ["01-01-65", "30-06-99", "", "29-02-00", "15-07-52", "01-12-07"],
    "years and months": ["1yrs 11mon", "0yrs 0mon", "22 Years and 1 Months", "", "5 months", "3yrs 2mon"],
    "underscored": ["53_", "_", "__10000__", "1_000", "-9", "7"],
}


@pytest.mark.parametrize("kind", sorted(training))
@settings(max_examples=40)
@given(values=st.lists(raw_values, min_size=1, max_size=8))
def test_one_value_and_whole_column_conversions_agree(kind, values):
    spec = spec_of(training[kind])
    assert spec is not None and spec.kind == {"decorated": NUMBER, "unit": NUMBER, "quarter": DATE, "bands": NUMBER,
                                              "bands in a unit": NUMBER, "day-first date": DATE,
                                              "two-digit years across 2000": DATE, "years and months": NUMBER,
                                              "underscored": NUMBER}.get(kind, kind)
    one = []
    for value in values:
        try:
            one.append(value_of(spec, value))
        except InvalidScoringRequest:
            one.append("refused")
    column = column_values(spec, pd.Series(values, dtype=object))
    for single, batch in zip(one, column, strict=True):
        if single == "refused" or math.isnan(single):
            assert math.isnan(batch)
        else:
            assert single == pytest.approx(batch, rel=1e-12)


def test_feature_names_are_safe_and_unique_and_labels_read_as_words():
    assert sanitise(["a.b", "a b", "1x", "{}"]) == ["a_b", "a_b_2", "f_1x", "feature"]
    # a suffix added to make a name unique must not take the name of a column further on, whichever comes first
    for columns in (["x y", "x_y", "x_y_2"], ["x_y_2", "x y", "x_y"], ["a", "A", "a_2", "A_2"]):
        names = sanitise(columns)
        assert len({n.lower() for n in names}) == len(columns), names
    assert sanitise(["x y", "x_y", "x_y_2"])[:2] == ["x_y", "x_y_2"]
    assert plain_words("NumberOfTimes90DaysLate") == "Number of times 90 days late"
    assert plain_words("default.payment.next.month") == "Default payment next month"
    assert plain_words("c7") == "Column 7"


@pytest.mark.parametrize("infinite", [math.inf, -math.inf, 10**400], ids=["inf", "-inf", "10**400"])
def test_an_infinite_number_is_refused_or_missing_as_the_text_inf_is(infinite):
    number = spec_of(["1", "2", "3"])
    with pytest.raises(InvalidScoringRequest) as raised:
        value_of(number, infinite)
    assert raised.value.field == "col"
    typed = pd.Series([1.0, float(infinite) if infinite != 10**400 else math.inf])
    with pytest.raises(InvalidScoringRequest):
        column_values(number, typed, strict=True)
    lenient = column_values(number, typed)
    assert lenient[0] == 1.0 and math.isnan(lenient[1])
    assert math.isnan(column_values(number, pd.Series(["inf"]))[0])
    assert typed.iloc[1] != 1.0 and math.isinf(typed.iloc[1])  # the caller's frame is left as it was


def test_quoted_decimal_commas_in_a_comma_file_read_as_decimals_by_the_column_s_evidence(tmp_path):
    from creditline.risk.models import read_table

    path = tmp_path / "rates.csv"
    path.write_text('id,rate,amount\n1,"0,637","1,234,567"\n2,"0,5","12,500"\n3,"1,25","7,000"\n4,"2,125","980"\n')
    table = read_table(path)
    rate = infer_spec("rate", "rate", table.frame["rate"], table.separator)
    assert rate.kind == NUMBER and rate.decimal_comma
    assert column_values(rate, table.frame["rate"]).tolist() == [0.637, 0.5, 1.25, 2.125]
    assert value_of(rate, "0,637") == 0.637
    amount = infer_spec("amount", "amount", table.frame["amount"], table.separator)
    assert amount.kind == NUMBER and not amount.decimal_comma
    assert column_values(amount, table.frame["amount"]).tolist() == [1234567.0, 12500.0, 7000.0, 980.0]


def test_a_comma_file_s_column_of_only_three_digit_groups_keeps_thousands():
    spec = spec_of(["1,234", "12,500", "980", "3,000"])
    assert spec.kind == NUMBER and not spec.decimal_comma
    assert column_values(spec, pd.Series(["1,234", "980"])).tolist() == [1234.0, 980.0]


@pytest.mark.parametrize(
    ("values", "date_format", "days"),
    [
        (["Dec-2011", "Jan-1985", "mar-2003"], "%b-%Y", [15309.0, 5479.0, 12112.0]),  # Lending Club
        (["Dec-11", "Jan-85", "Mar-03"], "%b-%y", [15309.0, 5479.0, 12112.0]),
        (["15-OCT-21", "03-FEB-20 10:00:00", "28-DEC-19"], "%d-%b-%y", [18915.0, 18295.0, 18258.0]),  # Oracle
        # full names read as their abbreviations, so one format reads both (a model stored with %B reads alike)
        (["15 January 2021", "3 February 2020", "1 May 2019"], "%d %b %Y", [18642.0, 18295.0, 18017.0]),
        (["Jan 15, 2021", "Feb 3, 2020 10:00", "Sep 9, 2001"], "%b %d, %Y", [18642.0, 18295.0, 11574.0]),
        (["2019-06", "2020-1", "2003-12"], "%Y-%m", [18048.0, 18262.0, 12387.0]),  # a vintage: the month's first day
        (["2019/06", "2020/1", "2003/12"], "%Y/%m", [18048.0, 18262.0, 12387.0]),
        (["06/2019", "1/2020", "12/2003"], "%m/%Y", [18048.0, 18262.0, 12387.0]),
        (["06-2019", "1-2020", "12-2003"], "%m-%Y", [18048.0, 18262.0, 12387.0]),
        (["01-06-2019", "1-1-2020 10:30", "01-12-2003"], "%d-%m-%Y", [18048.0, 18262.0, 12387.0]),  # India, the UK
        (["06-13-2019", "1-1-2020", "12-1-2003"], "%m-%d-%Y", [18060.0, 18262.0, 12387.0]),  # a day above 12: month first
        (["1/6/19", "1/1/20 10:30", "1/12/03"], "%d/%m/%y", [18048.0, 18262.0, 12387.0]),  # Excel's short date
        (["2019年6月1日", "2020年1月1日 10:30", "2003年12月1日"], "%Y年%m月%d日", [18048.0, 18262.0, 12387.0]),
        (["2019年6月", "2020年1月", "2003年12月"], "%Y年%m月", [18048.0, 18262.0, 12387.0]),
    ],
)
def test_dates_with_the_months_name_read_as_dates(values, date_format, days):
    spec = spec_of(values * 5)
    assert (spec.kind, spec.date_format) == (DATE, date_format)
    assert column_values(spec, pd.Series(values)).tolist() == days
    assert [value_of(spec, v) for v in values] == days
    with pytest.raises(InvalidScoringRequest):
        value_of(spec, "Smarch-2011")


def test_a_month_named_time_column_orders_an_out_of_time_split():
    from creditline.risk.models.training import time_order

    assert time_order(pd.Series(["Dec-2011", "Jan-2012", "Mar-2010", ""]), ",").tolist() == [15309.0, 15340.0, 14669.0, 14669.0]
    # a vintage month, as loan books write it: refused as "not dates or numbers" before
    assert time_order(pd.Series(["2012-01", "2011-12", "2010-03"]), ",").tolist() == [15340.0, 15309.0, 14669.0]


def test_a_month_alone_is_no_date_when_it_cannot_be_one():
    assert spec_of(["2019-13", "2019-14", "2019-15", "2019-16"] * 5).kind == CATEGORY  # months 13–16: codes


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["USD 1,234.50", "EUR 7", "1,000 CHF", "(USD 5)", "-USD 3"], [1234.5, 7.0, 1000.0, -5.0, -3.0]),
        (["Rs. 1,23,456", "₹ 2,500", "1,00,00,000", "12,34,567.5"], [123456.0, 2500.0, 1e7, 1234567.5]),  # lakh, crore
        (["₦50,000", "₦ 1,200.5", "7"], [50000.0, 1200.5, 7.0]),
        (["1'234.50", "12’000", "7.5"], [1234.5, 12000.0, 7.5]),  # Swiss apostrophes
    ],
    ids=["iso-codes", "india", "naira", "swiss"],
)
def test_currencies_and_groupings_of_other_markets_are_numbers(values, expected):
    spec = spec_of(values * 5)
    assert spec.kind == NUMBER and spec.decorated
    assert column_values(spec, pd.Series(values)).tolist() == expected
    assert [value_of(spec, v) for v in values] == expected


def test_three_capitals_alone_are_no_currency():
    assert spec_of(["ABC", "DEF", "XYZ", "USD"] * 5).kind == CATEGORY


def test_excel_error_values_are_missing():
    # A ratio computed in a sheet: `#DIV/0!` wherever the divisor was 0, in far more than 2% of rows.
    values = ["0.5", "1.25", "#DIV/0!", "#VALUE!", "3", "#N/A", "#NUM!", "#REF!", "#NAME?", "#NULL!"]
    spec = spec_of(values * 5)
    assert spec.kind == NUMBER
    read = column_values(spec, pd.Series(values)).tolist()
    assert read[:2] == [0.5, 1.25] and read[4] == 3.0 and all(math.isnan(v) for v in read[2:4] + read[5:])
    assert math.isnan(value_of(spec, "#DIV/0!"))


@pytest.mark.parametrize(
    ("values", "unit", "expected"),
    [
        ([" 36 months", " 60 months", "12 Months"], "month", [36.0, 60.0, 12.0]),
        (["10+ years", "< 1 year", "3 years", "1 year", "n/a"], "year", [10.0, 0.5, 3.0, 1.0, math.nan]),
        (["2 yrs", "5 yrs.", "1 yr", "0 yrs"], "yr", [2.0, 5.0, 1.0, 0.0]),
        (["12个月", "6个月", "3 个月"], "个月", [12.0, 6.0, 3.0]),
        (["1,200 days", "45 days", "less than 30 days", "over 2,000 days"], "day", [1200.0, 45.0, 15.0, 2000.0]),
        (["3 or more", "1", "2", "0"], "or more", [3.0, 1.0, 2.0, 0.0]),  # a bare number reads too
    ],
    ids=["term", "employment", "abbreviated", "chinese-months", "grouped-and-worded", "open-top"],
)
def test_numbers_with_a_unit_word_read_as_ordered_numbers(values, unit, expected):
    """Lending Club's `term` and `emp_length`, a bureau's `5 yrs`: one unit in every value, read as the
    number (`< x` as x/2, `x+` as x), in the column and the one-value paths alike."""
    spec = spec_of(values * 5)
    assert spec.kind == NUMBER and spec.unit == unit
    assert column_values(spec, pd.Series(values)).tolist() == pytest.approx(expected, nan_ok=True)
    assert [value_of(spec, v) for v in values] == pytest.approx(expected, nan_ok=True)


def test_a_number_in_another_unit_is_not_read_as_the_column_s_unit():
    spec = spec_of(["6 months", "12 months", "36 months"] * 5)
    assert math.isnan(column_values(spec, pd.Series(["1 year"])).tolist()[0])
    with pytest.raises(InvalidScoringRequest, match="a number in 'month'"):
        value_of(spec, "1 year")


@pytest.mark.parametrize(
    "values",
    [
        ["6 months", "1 year", "2 years", "18 months"],  # two units: converting between them is a guess
        ["12 Main St", "4 High St", "7 Mill Lane"],  # addresses
        ["1st", "2nd", "3rd", "4th"],  # ordinals' suffixes differ
    ],
    ids=["two-units", "addresses", "ordinals"],
)
def test_text_with_numbers_but_no_one_unit_stays_a_category(values):
    assert spec_of(values * 5).kind == CATEGORY


@pytest.mark.parametrize(
    ("values", "unit", "expected"),
    [
        (["18-24", "25-34", "35 to 44", "45–54", "65+", "n/a"], "", [21.0, 29.5, 39.5, 49.5, 65.0, math.nan]),
        (["$0 - $25,000", "$25,000 - $50,000", "$50,000 - $75,000", "$75,000+", "< $25,000"], "",
         [12500.0, 37500.0, 62500.0, 75000.0, 12500.0]),
        (["0-25k", "25k-50k", "50K-75K", "75k+"], "", [12500.0, 37500.0, 62500.0, 75000.0]),
        (["< 1 year", "1-3 years", "3-5 years", "5 to 10 years", "10+ years"], "year", [0.5, 2.0, 4.0, 7.5, 10.0]),
        (["1-3个月", "3-6个月", "6-12个月", "12个月"], "个月", [2.0, 4.5, 9.0, 12.0]),
    ],
    ids=["age", "income", "thousands", "employment", "chinese-months"],
)
def test_bands_read_as_their_middles(values, unit, expected):
    """An export's bands keep their order as numbers (the middle of each; `x+` as x, `< x` as x/2),
    in the column and the one-value paths alike, instead of becoming categories."""
    spec = spec_of(values * 5)
    assert spec.kind == NUMBER and spec.bands and spec.unit == unit
    assert column_values(spec, pd.Series(values)).tolist() == pytest.approx(expected, nan_ok=True)
    assert [value_of(spec, v) for v in values] == pytest.approx(expected, nan_ok=True)


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (["03-2019", "04-2019", "05-2019", "11-2020"], DATE),  # month-year (`%m-%Y`), not bands from 3 to 2019
        (["2019-03", "2019-04", "2020-11"], DATE),  # year-month runs down: a date
        (["30-20", "40-10", "50-5"], CATEGORY),  # ranges running down are no bands
        ([f"555-{1000 + i}" for i in range(80)], CATEGORY),  # 80 distinct: phone numbers, not bands
        (["A-1", "B-2", "C-3"], CATEGORY),
    ],
    ids=["month-year", "year-month", "descending", "phone-numbers", "codes"],
)
def test_what_only_looks_like_bands_is_not_read_as_bands(values, kind):
    spec = spec_of(values * 5)
    assert spec.kind == kind and not spec.bands


def test_a_range_in_a_column_of_single_numbers_is_unreadable():
    """A model that learnt single numbers in 'year' reads no middle into `1-3 years`: it is refused."""
    spec = spec_of(["1 year", "3 years", "5 years"] * 5)
    assert spec.unit == "year" and not spec.bands
    assert math.isnan(column_values(spec, pd.Series(["1-3 years"])).tolist()[0])
    with pytest.raises(InvalidScoringRequest, match="a number in 'year'"):
        value_of(spec, "1-3 years")
    banded = spec_of(["18-24", "25-34"] * 5)
    with pytest.raises(InvalidScoringRequest, match="a number or a range"):
        value_of(banded, "young")


def test_thousands_written_with_k_are_numbers():
    spec = spec_of(["50k", "120K", "2.5k", "80000"] * 5)
    assert spec.kind == NUMBER
    assert column_values(spec, pd.Series(["50k", "2.5K", "80000"])).tolist() == [50000.0, 2500.0, 80000.0]
    assert value_of(spec, "120K") == 120000.0


@pytest.mark.parametrize(
    "values",
    [["2021Q3", "2021Q4", "2022Q1"], ["2021-Q3", "2021-q4", "2022 Q1"], ["Q3 2021", "Q4-2021", "Q1 2022"],
     ["2021年第3季度", "2021年四季度", "2022年第1季度"]],
    ids=["compact", "dashed", "quarter-first", "chinese"],
)
def test_quarters_read_as_the_quarter_s_first_day(values):
    """Vintages written as quarters order an out-of-time split as dates, not as categories."""
    spec = spec_of(values * 5)
    assert spec.kind == DATE
    expected = [18809.0, 18901.0, 18993.0]  # 2021-07-01, 2021-10-01, 2022-01-01
    assert column_values(spec, pd.Series(values)).tolist() == expected
    assert [value_of(spec, v) for v in values] == expected
    assert math.isnan(column_values(spec, pd.Series(["2021Q5"])).tolist()[0])
    with pytest.raises(InvalidScoringRequest, match="a date"):
        value_of(spec, "2021Q5")


def test_a_month_s_full_name_and_its_abbreviation_read_in_one_column():
    values = ["Jan-2011", "January-2011", "Sept-2012", "December-2011", "MAY-2012"]
    spec = spec_of(values * 5)
    assert spec.kind == DATE
    expected = [14975.0, 14975.0, 15584.0, 15309.0, 15461.0]  # 2011-01-01, again, 2012-09-01, 2011-12-01, 2012-05-01
    assert column_values(spec, pd.Series(values)).tolist() == expected
    assert [value_of(spec, v) for v in values] == expected


def test_a_cell_with_a_long_run_of_blanks_or_digits_is_read_in_linear_time():
    """Every pattern that reads a value tries a run of blanks or digits one way only. Before, `1`, 5,000
    blanks and `!` took the unit reading 96 s (three `\\s*` about optional parts), and `(` with 30,000
    digits the accounting negatives 3.9 s; a few such cells held up a whole file's reading."""
    import time

    # sized so that the patterns as they were take 10 s or more each, and these take milliseconds
    evil = ["1" + " " * 2500 + "!", "(" + "1" * 60000, "1" * 40000 + "k!", "2021" + " " * 40000 + "!",
            "1" + " " * 2500 + "+" + " " * 2500 + "!", "less than" + " " * 40000 + "!", " " * 40000 + "1" + " " * 40000 + "-!",
            "1" + "-1" * 20000 + "!", "1-" + "1" * 40000 + "k!", "$" + "1," * 20000 + "- $1!",
            "_" * 40000 + "1!", "1" + "_" * 40000 + "!", "1" + " " * 40000 + "yrs!", "1yrs" + " " * 40000 + "2!"]
    started = time.process_time()
    spec = spec_of(evil + ["36 months", "12 months"] * 400)  # a unit column with a few odd cells
    values = column_values(spec, pd.Series(evil))
    assert time.process_time() - started < 5
    assert spec.kind == NUMBER and spec.unit == "month" and np.isnan(values).all()
