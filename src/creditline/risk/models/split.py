"""Which rows train, which validate and which are held out for the final test.

With a time column the split is out-of-time: the latest 20% of rows are the test set and the
latest part of the rest validates, as a model meets the future in production. Without one the
split is stratified by the target. Development sets of fewer than `CV_ROWS_MAX` rows are
validated by stratified 5-fold cross-validation, so every row serves both to fit and to check;
below `REPEATED_ROWS_MAX` rows the 5-fold split is repeated with fresh shuffles, because on a
thousand rows one partition's luck can decide which setting looks best. Larger sets use a single
stratified hold-out, which keeps training on 150,000 rows in budget.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import StratifiedKFold, train_test_split

from creditline.risk.models.errors import InvalidData

TEST_SHARE = 0.2
VALID_SHARE = 0.2
CV_ROWS_MAX = 60_000
REPEATED_ROWS_MAX = 5_000
CV_FOLDS = 5
CV_REPEATS = 3
GROUPS_MIN = 20  # fewer distinct values in an --id column are no borrowers to split by


@dataclass(frozen=True)
class Split:
    """Row indices: `development` = train + validation, `folds` index into `development`.

    With repeated cross-validation `folds` holds `repeats` partitions one after the other; each
    partition's validation parts cover every development row once."""

    development: np.ndarray
    test: np.ndarray
    folds: list[tuple[np.ndarray, np.ndarray]]
    method: str
    repeats: int = 1

    @property
    def first_partition(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return self.folds[: len(self.folds) // self.repeats]


def split_rows(target: np.ndarray, order: np.ndarray | None, seed: int, groups: Groups | None = None) -> Split:
    """Out-of-time when `order` (a sortable time per row) is given, stratified otherwise — by group
    when `groups` is given: every row of a borrower falls on the same side of every cut."""
    rows = np.arange(target.size)
    if order is not None:
        ranked = rows[np.argsort(order, kind="stable")]
        cut = round(target.size * (1 - TEST_SHARE))
        development, test = ranked[:cut], ranked[cut:]
        valid_cut = round(development.size * (1 - VALID_SHARE))
        positions = np.arange(development.size)
        folds = [(positions[:valid_cut], positions[valid_cut:])]
        parts = (("latest", test, "test"), ("latest", development[valid_cut:], "validation"),
                 ("earliest", development[:valid_cut], "training"))
        for which, rows, part in parts:
            if np.unique(target[rows]).size < 2:
                raise InvalidData(
                    f"the {which} rows by time ({part} part) hold only one class; an out-of-time split needs "
                    "bad and good rows in every period",
                    field="time",
                )
        return Split(development, test, folds, "out-of-time 80/20 (validation: latest 20% of development)")
    if groups is not None:
        development, test = group_cut(target, groups.codes, TEST_SHARE, seed)
        folds, repeats = development_folds(target[development], seed, groups.codes[development])
        method = f"stratified 80/20 by {groups.column} (no {groups.column} on both sides of a cut)"
        return Split(development, test, folds, method, repeats)
    development, test = train_test_split(rows, test_size=TEST_SHARE, stratify=target, random_state=seed)
    development = np.sort(development)
    test = np.sort(test)
    folds, repeats = development_folds(target[development], seed)
    return Split(development, test, folds, "stratified 80/20", repeats)


@dataclass(frozen=True)
class Groups:
    """Which borrower (or account) each row belongs to: `codes` 0..n-1 by row, named by `column`."""

    column: str
    codes: np.ndarray


def group_cut(target: np.ndarray, codes: np.ndarray, share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(kept, cut) rows: about `share` of the groups cut, stratified by whether a group holds a bad row."""
    folds = group_folds(target, codes, round(1 / share), seed)
    return folds[0]


def group_folds(target: np.ndarray, codes: np.ndarray, count: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """`count` folds of the rows, whole groups to a fold, the groups stratified by their having a bad row
    (a borrower's rows are not independent: split apart, the test would score borrowers training saw)."""
    bad = np.zeros(int(codes.max()) + 1, dtype=np.int8)
    np.maximum.at(bad, codes, (target > 0).astype(np.int8))
    labels = np.arange(bad.size)
    splitter = StratifiedKFold(n_splits=count, shuffle=True, random_state=seed)
    folds = []
    for _, held in splitter.split(labels, bad):
        inside = np.zeros(bad.size, dtype=bool)
        inside[held] = True
        chosen = inside[codes]
        folds.append((np.flatnonzero(~chosen), np.flatnonzero(chosen)))
    return folds


def development_folds(
    target: np.ndarray, seed: int, codes: np.ndarray | None = None
) -> tuple[list[tuple[np.ndarray, np.ndarray]], int]:
    """(folds, repeats): repeated or plain stratified 5-fold cross-validation, or one hold-out —
    whole groups to a part when `codes` (each row's group) is given."""
    positions = np.arange(target.size)
    if codes is not None:
        codes = np.unique(codes, return_inverse=True)[1]
        if target.size >= CV_ROWS_MAX:
            return [group_cut(target, codes, VALID_SHARE, seed)], 1
        repeats = CV_REPEATS if target.size < REPEATED_ROWS_MAX else 1
        return [f for r in range(repeats) for f in group_folds(target, codes, CV_FOLDS, seed + r)], repeats
    if target.size < CV_ROWS_MAX:
        repeats = CV_REPEATS if target.size < REPEATED_ROWS_MAX else 1
        folds = []
        for repeat in range(repeats):
            shuffled = StratifiedKFold(n_splits=CV_FOLDS, shuffle=True, random_state=seed + repeat)
            folds += [(train, valid) for train, valid in shuffled.split(positions, target)]
        return folds, repeats
    train, valid = train_test_split(positions, test_size=VALID_SHARE, stratify=target, random_state=seed)
    return [(np.sort(train), np.sort(valid))], 1


def describe(split: Split) -> str:
    if len(split.folds) == 1:
        validation = "hold-out validation"
    elif split.repeats > 1:
        validation = f"{split.repeats}×{len(split.folds) // split.repeats}-fold repeated cross-validation"
    else:
        validation = f"{len(split.folds)}-fold cross-validation"
    return f"{split.method}; {validation} on the development rows"
