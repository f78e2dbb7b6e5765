"""Joining related tables: one-per-key as is, many-per-key summarised, no main row lost or repeated."""

from __future__ import annotations

import pandas as pd
import pytest

from creditline.risk.models import InvalidData
from creditline.risk.models.joining import join_tables


def test_one_and_many_per_key_tables_join_without_changing_the_rows():
    loans = pd.DataFrame({"customer": ["a", "b", "c"], "amount": ["100", "200", "300"]})
    people = pd.DataFrame({"customer": ["a", "b", "c"], "bank": ["GT", "UBA", "GT"]})
    earlier = pd.DataFrame(
        {
            "customer": ["a", "a", "b"],
            "loanid": ["1", "2", "3"],
            "due": ["2020-01-10", "2020-02-10", "2020-01-05"],
            "repaid": ["2020-01-12", "2020-02-09", "2020-01-25"],
            "size": ["10", "30", "50"],
        }
    )
    joined = join_tables(loans, [("people", people, "customer"), ("earlier", earlier, "customer")])
    assert joined["customer"].tolist() == ["a", "b", "c"]
    assert joined["people.bank"].tolist() == ["GT", "UBA", "GT"]
    assert joined["earlier.rows"].tolist() == [2, 1, 0]
    assert joined["earlier.repaid-due_days_mean"].tolist()[:2] == [0.5, 20.0]
    assert joined["earlier.repaid-due_days_max"].tolist()[:2] == [2.0, 20.0]
    assert joined["earlier.size_mean"].tolist()[:2] == [20.0, 50.0]
    assert pd.isna(joined["earlier.size_mean"][2])
    assert not any("loanid" in column for column in joined.columns)


def test_a_missing_key_is_refused():
    with pytest.raises(InvalidData) as raised:
        join_tables(pd.DataFrame({"x": ["1"]}), [("t", pd.DataFrame({"y": ["1"]}), "x")])
    assert raised.value.field == "join"


def test_a_blank_key_matches_nothing():
    """Rows of unknown customers are not pooled into an application that also lacks its key."""
    loans = pd.DataFrame({"customer": ["a", "", "NA"], "amount": ["1", "2", "3"]})
    people = pd.DataFrame({"customer": ["a", "", " "], "bank": ["GT", "UBA", "GT"]})
    earlier = pd.DataFrame({"customer": ["a", "a", "", "", "NA"], "size": ["10", "20", "999", "888", "7"]})
    joined = join_tables(loans, [("people", people, "customer"), ("earlier", earlier, "customer")])
    assert joined["customer"].tolist() == ["a", "", "NA"]
    assert joined["people.bank"].fillna("").tolist() == ["GT", "", ""]
    assert joined["earlier.rows"].tolist() == [2, 0, 0]
    assert joined["earlier.size_mean"].tolist()[0] == 15.0 and joined["earlier.size_mean"][1:].isna().all()


def test_two_tables_of_one_name_are_refused():
    """Their columns would clash: pandas would suffix them _x/_y and the row count of one would be blank."""
    main = pd.DataFrame({"customer": ["a", "b"]})
    loans = pd.DataFrame({"customer": ["a", "a"], "size": ["1", "2"]})
    with pytest.raises(InvalidData) as raised:
        join_tables(main, [("loans", loans, "customer"), ("loans", loans, "customer")])
    assert raised.value.field == "join" and "two tables are named 'loans'" in raised.value.message
