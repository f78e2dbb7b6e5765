"""A later file read by a model in that file's own forms (decimal mark, decoration, date format,
letter case), and every value it still cannot read named."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from creditline.risk.models.columns import CATEGORY, DATE, NUMBER, column_values, infer_spec
from creditline.risk.models.file_forms import file_specs, matched_columns, unread_notes


def spec_of(values, separator=",", name="col"):
    return infer_spec(name, name, pd.Series(values, dtype=str), separator)


def read(spec, values, separator=","):
    frame = pd.DataFrame({spec.name: pd.Series(values, dtype=str)})
    specs, notes = file_specs([spec], frame, separator)
    return column_values(specs[0], frame[spec.name]).tolist(), notes


def test_a_decimal_comma_model_reads_a_point_file_s_values_as_written_not_a_thousand_times_larger():
    spec = spec_of(["0,637", "1,25", "12,5", "3"], separator=";")
    assert spec.kind == NUMBER and spec.decimal_comma
    # the training file's form reads `1.250` as 1250: a thousands grouping there
    assert column_values(spec, pd.Series(["1.250", "0.637"])).tolist() == [1250.0, 0.637]
    values, notes = read(spec, ["1.250", "0.637", "1.25", "12.5", "3"])
    assert values == [1.25, 0.637, 1.25, 12.5, 3.0]
    assert notes == ["column col: read as numbers with decimal points as this file writes them (e.g. '1.250'); "
                     "the training file had numbers with decimal commas"]


def test_a_point_file_of_three_decimals_below_one_reads_as_points_under_a_decimal_comma_model():
    # `0.637` is no thousands grouping (none starts with 0): it was read as 637 by the model's own form
    spec = spec_of(["0,637", "0,25", "0,5"], separator=";")
    values, notes = read(spec, ["0.637", "0.497", "0.125"])
    assert values == [0.637, 0.497, 0.125] and "decimal points" in notes[0]


def test_a_point_model_reads_a_semicolon_file_s_decimal_commas():
    spec = spec_of(["0.637", "1.25", "12.5"])
    values, notes = read(spec, ["0,637", "1.250,5", "12,5", ""], separator=";")
    assert values[:3] == [0.637, 1250.5, 12.5] and math.isnan(values[3])
    assert "decimal commas" in notes[0] and "'0,637'" in notes[0]


def test_currency_and_grouping_marks_read_where_training_had_plain_numbers():
    spec = spec_of(["1234.5", "99", "100000"])
    values, notes = read(spec, ["$1,234.50", "$99.00", "(1,000.00)"])
    assert values == [1234.5, 99.0, -1000.0]
    assert "currency, percent or grouping marks" in notes[0]


def test_a_file_whose_values_cannot_tell_the_decimal_mark_keeps_the_training_file_s():
    # `45.000` is forty-five thousand in the decimal-comma export the model learnt from; alone, a file
    # of such values says nothing of its mark, so the training file's stands and nothing is noted.
    spec = spec_of(["45.000,50", "1.200", "17,25"], separator=";")
    assert read(spec, ["45.000", "1.200", "300"], separator=";") == ([45000.0, 1200.0, 300.0], [])


def test_plain_numbers_under_a_decorated_spec_read_alike_and_are_not_noted():
    spec = spec_of(["$1,234.50", "$12.00", "$7.25"])
    assert spec.decorated
    assert read(spec, ["1234.5", "12", "7.25"]) == ([1234.5, 12.0, 7.25], [])


def test_a_date_format_that_reads_the_file_is_kept_and_one_that_does_not_is_replaced():
    us = spec_of(["12/31/2024", "1/15/2024", "6/30/2023"])
    assert us.kind == DATE and us.date_format == "%m/%d/%Y"
    # every day ≤ 12: the day-first guess would read 3/4 as 3 April; the model's month-first stands
    values, notes = read(us, ["3/4/2024", "5/6/2024"])
    assert notes == [] and values == [days("2024-03-04"), days("2024-05-06")]
    values, notes = read(us, ["2024-03-04", "2024-05-06"])
    assert values == [days("2024-03-04"), days("2024-05-06")]
    assert "dates in %Y-%m-%d" in notes[0] and "the training file had dates in %m/%d/%Y" in notes[0]


def days(iso):
    return float((pd.Timestamp(iso) - pd.Timestamp("1970-01-01")).days)


def test_categories_equal_but_for_letter_case_or_blanks_read_as_the_model_s_own():
    spec = spec_of(["RENT"] * 5 + ["OWN"] * 5 + ["Home Owner"] * 5)
    assert spec.kind == CATEGORY
    values, notes = read(spec, ["rent", " Own", "home  owner", "RENT", "lease"])
    code = {c: i for i, c in enumerate(spec.categories)}
    assert values == [code["RENT"], code["OWN"], code["Home Owner"], code["RENT"], spec.other_code]
    assert notes == ["column col: read 'rent' as 'RENT', 'Own' as 'OWN', 'home  owner' as 'Home Owner' "
                     "(the model's categories but for letter case or blanks)"]


def test_a_value_matching_two_categories_but_for_case_is_not_guessed():
    spec = spec_of(["Rent"] * 5 + ["RENT"] * 5 + ["own"] * 5)
    values, notes = read(spec, ["rent"])
    assert values == [spec.other_code] and notes == []


def test_a_column_named_but_for_case_is_taken_and_an_ambiguous_or_needed_one_is_not():
    specs = [spec_of(["1", "2", "3"], name=n) for n in ("income", "age", "Term")]
    frame = pd.DataFrame({"INCOME": ["1"], "Age": ["2"], "AGE": ["3"], "term": ["4"], "Term": ["5"]})
    renamed, notes = matched_columns(specs, frame)
    assert list(renamed.columns) == ["income", "Age", "AGE", "term", "Term"]
    assert notes == ["columns named but for letter case or blanks as the model names them, read so: income from 'INCOME'"]
    # two needed columns of one name but for case, and the file's one: neither is guessed
    twins = [spec_of(["1", "2", "3"], name=n) for n in ("rate", "Rate")]
    renamed, notes = matched_columns(twins, pd.DataFrame({"RATE": ["1"]}))
    assert list(renamed.columns) == ["RATE"] and notes == []


def test_values_still_unreadable_are_named_and_sentinel_codes_are_not():
    number = spec_of(["5", "-9", "12", "7"], name="months")
    assert number.missing_codes == (-9.0,)
    flag = spec_of(["Y", "N", "N"], name="owner")
    frame = pd.DataFrame({"months": ["3", "-9", "n.v.", "n.v.", "kein", ""], "owner": ["1", "0", "t", "f", "Y", "no"]})
    specs, notes = file_specs([number, flag], frame, ",")
    features = np.column_stack([column_values(s, frame[s.name]) for s in specs])
    assert features[:, 1].tolist() == [1.0, 0.0, 1.0, 0.0, 1.0, 0.0]  # a database's booleans read as the flag
    assert notes == [] and unread_notes(specs, frame, features) == [
        "column months: 3 of 5 values are not a number and were read as missing (e.g. 'n.v.', 'kein')"
    ]


amounts = st.lists(st.decimals(min_value=-99999, max_value=999999, places=2), min_size=2, max_size=12, unique=True)


@given(values=amounts, written=st.sampled_from(["comma", "grouped_comma", "dollar", "plain"]))
def test_any_form_of_a_column_reads_as_the_training_file_s_form_of_it(values, written):
    """The same amounts exported another way read back as the numbers the model learnt them as."""
    plain = [f"{v:.2f}" for v in values]
    spec = spec_of(plain)
    forms = {
        "plain": (plain, ","),
        "comma": ([p.replace(".", ",") for p in plain], ";"),
        "grouped_comma": ([f"{v:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".") for v in values], ";"),
        "dollar": ([f"-${-v:,.2f}" if v < 0 else f"${v:,.2f}" for v in values], ","),
    }
    text, separator = forms[written]
    got, _ = read(spec, text, separator)
    np.testing.assert_array_equal(got, column_values(spec, pd.Series(plain)))  # sentinel codes missing alike


def test_a_unit_learnt_reads_bare_numbers_and_a_unit_first_seen_later_is_noted():
    term = spec_of([" 36 months", " 60 months"] * 5)
    values, notes = read(term, ["36", "60 Months", "1 year"])
    assert values[:2] == [36.0, 60.0] and math.isnan(values[2]) and notes == []  # another unit: not read
    plain = spec_of(["36", "60", "12"])
    values, notes = read(plain, ["36 months", "< 12 months", "60 months"])
    assert values == [36.0, 6.0, 60.0]
    assert notes == ["column col: read as numbers in 'month' with decimal points as this file writes them "
                     "(e.g. '36 months'); the training file had numbers with decimal points"]


def test_bands_learnt_read_single_numbers_and_bands_first_seen_later_are_noted():
    age = spec_of(["18-24", "25-34", "35-44", "65+"] * 5)
    values, notes = read(age, ["30", "18-24", "65+"])
    assert values == [30.0, 21.0, 65.0] and notes == []
    plain = spec_of(["1", "3", "5", "7"] * 5, name="years")
    values, notes = read(plain, ["1-3", "3-5", "10+", "7"])
    assert values == [2.0, 4.0, 10.0, 7.0]
    assert notes == ["column years: read as numbers or ranges with decimal points as this file writes them "
                     "(e.g. '1-3'); the training file had numbers with decimal points"]
