"""Several loans of one borrower: the split keeps each borrower's rows on one side of every cut."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creditline.risk.models import TrainingOptions, read_table
from creditline.risk.models.split import CV_ROWS_MAX, Groups, split_rows
from creditline.risk.models.training import prepare


def panel(borrowers: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(target, group code) of `borrowers` borrowers holding one to six loans each."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 7, borrowers)
    codes = np.repeat(np.arange(borrowers), sizes)
    risk = rng.random(borrowers)[codes]
    target = (rng.random(codes.size) < 0.05 + 0.4 * risk).astype(float)
    return target, codes


def sides(rows: np.ndarray, codes: np.ndarray) -> set[int]:
    return set(codes[rows].tolist())


@settings(max_examples=25, deadline=None)
@given(borrowers=st.integers(60, 1500), seed=st.integers(0, 2**16))
def test_no_borrower_is_on_both_sides_of_any_cut(borrowers, seed):
    target, codes = panel(borrowers, seed)
    split = split_rows(target, None, seed, Groups("customer", codes))
    assert not sides(split.development, codes) & sides(split.test, codes)
    assert np.array_equal(np.sort(np.concatenate([split.development, split.test])), np.arange(target.size))
    assert 0.1 < split.test.size / target.size < 0.3
    development_codes = codes[split.development]
    for train, valid in split.folds:
        assert not sides(train, development_codes) & sides(valid, development_codes)
        assert np.array_equal(np.sort(np.concatenate([train, valid])), np.arange(split.development.size))
    # each repeat's validation parts cover every development row once
    part = len(split.folds) // split.repeats
    for repeat in range(split.repeats):
        covered = np.sort(np.concatenate([valid for _, valid in split.folds[repeat * part : (repeat + 1) * part]]))
        assert np.array_equal(covered, np.arange(split.development.size))
    assert "by customer" in split.method


def test_a_large_panel_validates_on_a_hold_out_of_whole_borrowers():
    target, codes = panel(CV_ROWS_MAX // 2, 3)
    split = split_rows(target, None, 7, Groups("customer", codes))
    assert len(split.folds) == 1 and split.development.size >= CV_ROWS_MAX
    (train, valid), development_codes = split.folds[0], codes[split.development]
    assert not sides(train, development_codes) & sides(valid, development_codes)
    assert 0.15 < valid.size / split.development.size < 0.25
    for rows in (split.test, split.development[valid], split.development[train]):
        assert 0 < target[rows].mean() < 1
    again = split_rows(target, None, 7, Groups("customer", codes))
    assert np.array_equal(again.test, split.test)


def loans_file(tmp_path, rows: list[tuple[str, str, int]]) -> str:
    """A loans export: loan id, customer id, two features and the 0/1 target."""
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rows, columns=["loan_id", "customer_id", "bad"])
    frame.insert(2, "income", rng.integers(1000, 9000, len(rows)).astype(str))
    frame.insert(3, "util", rng.random(len(rows)).round(3).astype(str))
    path = tmp_path / "loans.csv"
    frame.to_csv(path, index=False)
    return str(path)


def borrower_rows(borrowers: int, loans: int) -> list[tuple[str, str, int]]:
    return [(f"L{b * loans + k}", f"C{b}", int((b + k) % 4 == 0)) for b in range(borrowers) for k in range(loans)]


def test_an_id_whose_values_repeat_groups_the_rows_and_a_unique_one_does_not(tmp_path):
    path = loans_file(tmp_path, borrower_rows(100, 3))
    prepared = prepare(read_table(path), TrainingOptions(target="bad", ids=("loan_id", "customer_id")))
    assert prepared.groups is not None and prepared.groups.column == "customer_id"
    assert np.array_equal(prepared.groups.codes, np.repeat(np.arange(100), 3))
    assert {"loan_id", "customer_id"} <= {d["column"] for d in prepared.dropped}
    assert prepare(read_table(path), TrainingOptions(target="bad", ids=("loan_id",))).groups is None


def test_blank_ids_are_borrowers_of_their_own(tmp_path):
    rows = borrower_rows(60, 2)
    rows[:10] = [(loan, "", bad) for loan, _, bad in rows[:10]]
    prepared = prepare(read_table(loans_file(tmp_path, rows)), TrainingOptions(target="bad", ids=("customer_id",)))
    codes = prepared.groups.codes
    assert np.unique(codes[:10]).size == 10 and not set(codes[:10]) & set(codes[10:])


@pytest.mark.parametrize(
    ("rows", "why"),
    [
        (borrower_rows(19, 10), "fewer groups than GROUPS_MIN"),
        ([(f"L{b}-{k}", f"C{b}", int(b < 9)) for b in range(40) for k in range(4)], "bad rows in only nine groups"),
    ],
)
def test_too_few_groups_to_stratify_leave_the_split_by_rows(tmp_path, rows, why):
    prepared = prepare(read_table(loans_file(tmp_path, rows)), TrainingOptions(target="bad", ids=("customer_id",)))
    assert prepared.groups is None, why
