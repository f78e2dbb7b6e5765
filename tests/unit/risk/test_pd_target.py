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
    ],
)
def test_bad_value_is_inferred_or_taken_from_positive(values, positive, bad):
    encoded, chosen = encode_target(pd.Series(values), positive)
    assert chosen == bad
    assert encoded.sum() == 20


def test_blank_targets_are_unknown_not_good():
    encoded, _ = encode_target(pd.Series(["1", "0", "", "NA"] * 12), None)
    assert encoded[:2].tolist() == [1.0, 0.0]
    assert pd.isna(encoded[2]) and pd.isna(encoded[3])


@pytest.mark.parametrize(
    ("values", "positive", "words", "field"),
    [
        (["0"] * 50, None, "one class", "target"),
        (["0"] * 50 + ["1"] * 3, None, "at least 10", "target"),
        (["a", "b", "c"] * 20, None, "--positive", "target"),
        (["0", "1"] * 20, "yes", "not a value", "positive"),
    ],
)
def test_unusable_targets_are_refused_by_name(values, positive, words, field):
    with pytest.raises(InvalidData) as raised:
        encode_target(pd.Series(values), positive)
    assert words in raised.value.message
    assert raised.value.field == field
