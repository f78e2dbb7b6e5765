"""Which target value is bad, and what a target must hold."""

from __future__ import annotations

import pandas as pd
import pytest

from creditline.risk.models import InvalidData
from creditline.risk.models.target import encode_target


@pytest.mark.parametrize(
    ("values", "positive", "bad"),
    [
        (["0", "1"] * 20, None, "1"),
        (["1", "2"] * 20, None, "2"),  # Statlog German: 2 = bad
        ([".00", "1.00"] * 20, None, "1"),  # Thomas: `;` file with decimals
        (["Good", "Bad"] * 20, None, "bad"),
        (["0", "1"] * 20, "0", "0"),  # South German: credit_risk 0 = bad
        (["Performing", "Non-performing"] * 20, None, "non-performing"),
        (["Current", "Delinquent"] * 20, None, "delinquent"),
        (["正常", "违约"] * 20, None, "违约"),  # normal / default
        (["未逾期", "逾期"] * 20, None, "逾期"),  # not overdue / overdue
        (["否", "是"] * 20, None, "是"),  # a 是否违约 (defaulted?) column: no / yes
        # no value one of the bad words: the other of a good one, or the one with a bad word in it
        (["Current", "Late (31-120 days)"] * 20, None, "late (31-120 days)"),
        (["Paid", "Not paid"] * 20, None, "not paid"),
        (["Up to date", "In arrears"] * 20, None, "in arrears"),
        (["正常", "逾期30天以上"] * 20, None, "逾期30天以上"),  # normal / over 30 days overdue
        (["P I F", "CHGOFF"] * 20, None, "chgoff"),  # SBA's MIS_Status: paid in full / charged off
        (["Standard", "Poor"] * 20, None, "poor"),  # a credit grade's two classes
    ],
)
def test_bad_value_is_inferred_or_taken_from_positive(values, positive, bad):
    target = encode_target(pd.Series(values), positive)
    assert target.bad == (bad,) and target.good == ()
    assert target.values.sum() == 20


def test_blank_targets_are_unknown_not_good():
    encoded = encode_target(pd.Series(["1", "0", "", "NA"] * 12), None).values
    assert encoded[:2].tolist() == [1.0, 0.0]
    assert pd.isna(encoded[2]) and pd.isna(encoded[3])


@pytest.mark.parametrize(
    ("values", "positive", "words", "field"),
    [
        (["0"] * 50, None, "one class", "target"),
        (["0"] * 50 + ["1"] * 3, None, "at least 10", "target"),
        (["a", "b", "c"] * 20, None, "--positive", "target"),
        (["0", "1"] * 20, "yes", "not a value", "positive"),
        (["a", "b", "c"] * 20, None, "--negative", "target"),
        (["ok", "nok"] * 20, None, "cannot tell which target value is bad", "target"),
        (["late", "not late"] * 20, None, "cannot tell which target value is bad", "target"),  # both say late
    ],
)
def test_unusable_targets_are_refused_by_name(values, positive, words, field):
    with pytest.raises(InvalidData) as raised:
        encode_target(pd.Series(values), positive)
    assert words in raised.value.message
    assert raised.value.field == field


LENDING_CLUB = (["Fully Paid"] * 30 + ["Charged Off"] * 12 + ["Current"] * 40 + ["Late (31-120 days)"] * 3
                + ["Default"] * 2 + ["Does not meet the credit policy. Status:Charged Off"] * 11 + [""] * 2)


def test_several_bad_values_and_the_good_ones_leave_the_rest_out_as_indeterminate():
    """Lending Club's raw `loan_status`: loans still running are neither good nor bad yet."""
    bad = ("Charged Off", "Default", "Does not meet the credit policy. Status:Charged Off")
    target = encode_target(pd.Series(LENDING_CLUB), bad, negative=("Fully Paid",))
    assert target.bad == ("charged off", "default", "does not meet the credit policy. status:charged off")
    assert target.good == ("fully paid",)
    assert (int(target.values[:30].sum()), int((target.values == 1).sum()), int((target.values == 0).sum())) == (0, 25, 30)
    assert target.indeterminate == 43  # current and late: 40 + 3; the 2 blanks are unknown, not indeterminate
    assert pd.isna(target.values[42:85]).all()
    assert target.to_json() == {"bad_value": "charged off", "bad_values": list(target.bad), "good_values": ["fully paid"],
                                "rows_indeterminate": 43}
    # without --negative every value not bad is good, as before
    assert int((encode_target(pd.Series(LENDING_CLUB), bad).values == 0).sum()) == 73


def test_good_values_alone_leave_one_bad_value_or_ask_for_it():
    values = ["paid"] * 20 + ["written off"] * 20 + ["running"] * 5
    target = encode_target(pd.Series(values), None, negative=("paid", "running"))
    assert target.bad == ("written off",) and target.indeterminate == 0
    target = encode_target(pd.Series(values), None, negative=("paid",))  # of the other two, the word for bad
    assert target.bad == ("written off",) and target.indeterminate == 5
    with pytest.raises(InvalidData) as raised:
        encode_target(pd.Series(values + ["moved"] * 5), None, negative=("paid",))
    assert raised.value.field == "target" and "--positive" in raised.value.message


@pytest.mark.parametrize(
    ("positive", "negative", "field", "words"),
    [
        (("bad",), ("bad",), "negative", "named both bad (--positive) and good (--negative)"),
        (None, ("bad", "good"), "negative", "every value of the target is named good"),
        (None, ("fine",), "negative", "--negative 'fine' is not a value of the target"),
    ],
)
def test_a_contradictory_or_unknown_definition_is_refused_by_option(positive, negative, field, words):
    with pytest.raises(InvalidData) as raised:
        encode_target(pd.Series(["bad", "good"] * 20), positive, negative=negative)
    assert (raised.value.field, words in raised.value.message) == (field, True)
