"""Multi-table data made one table: what `creditline model join` does before training.

A lender's data often come as the applications plus tables keyed by customer: demographics (one
row per customer) and earlier loans (many rows per customer). A one-per-key table is joined as
it is; a many-per-key table is summarised per key first — the row count and, for every number and
date (as days since 1970), the mean, minimum and maximum — after adding the gap in days between
each pair of its date columns, because in loan histories the gaps carry the behaviour (repaid
date − due date is lateness). Columns are prefixed with the table's name.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from creditline.risk.models.columns import (
    DATE,
    NUMBER,
    ColumnSpec,
    column_values,
    infer_kind,
    is_missing_text,
)
from creditline.risk.models.errors import InvalidData
from creditline.risk.models.leakage import named_like_identifier

AGGREGATES = ("mean", "min", "max")
DATE_PAIRS_MAX = 15


def join_tables(main: pd.DataFrame, others: list[tuple[str, pd.DataFrame, str]], separator: str = ",") -> pd.DataFrame:
    """`main` with every other (name, table, key) joined on `key`; rows of `main` are never lost or repeated."""
    result = main.copy()
    names = [name for name, _, _ in others]
    clash = next((name for name in names if names.count(name) > 1), None)
    if clash is not None:  # their columns would share one prefix, and pandas would suffix them _x/_y
        raise InvalidData(f"two tables are named {clash!r}; rename one file so their columns keep apart", field="join")
    for name, table, key in others:
        for frame, where in ((main, "the main table"), (table, name)):
            if key not in frame.columns:
                raise InvalidData(f"key column {key!r} is not in {where}", field="join")
        # A blank key is no customer: its rows describe nobody, and must not join to the main table's blanks.
        table = table[~is_missing_text(table[key].astype(str).str.strip())]
        if table[key].is_unique:
            side = table.rename(columns={c: f"{name}.{c}" for c in table.columns if c != key})
        else:
            side = summarise(name, table, key, separator)
        result = result.merge(side, on=key, how="left", validate="many_to_one")
        count = f"{name}.rows"
        if count in result.columns:
            result[count] = result[count].fillna(0).astype(int)
    assert len(result) == len(main)
    return result


def summarise(name: str, table: pd.DataFrame, key: str, separator: str) -> pd.DataFrame:
    """One row per key: row count, and mean/min/max of every number, date and date gap."""
    numbers: dict[str, np.ndarray] = {}
    dates: dict[str, np.ndarray] = {}
    for column in table.columns:
        if column == key or named_like_identifier(column):
            continue
        raw = table[column].astype(str)
        present = raw[~is_missing_text(raw)]
        if present.empty:
            continue
        kind, options = infer_kind(present, separator)
        if kind in (NUMBER, DATE):
            values = column_values(ColumnSpec(column, column, kind, **options), raw)
            (dates if kind == DATE else numbers)[column] = values
    for first, second in list(combinations(dates, 2))[:DATE_PAIRS_MAX]:
        numbers[f"{second}-{first}_days"] = dates[second] - dates[first]
    numbers.update(dates)
    frame = pd.DataFrame(numbers, index=table.index)
    frame[key] = table[key].to_numpy()
    grouped = frame.groupby(key, sort=False)
    summary = grouped.agg(list(AGGREGATES)) if numbers else pd.DataFrame(index=grouped.size().index)
    summary.columns = [f"{name}.{column}_{how}" for column, how in summary.columns] if numbers else []
    summary[f"{name}.rows"] = grouped.size()
    return summary.reset_index()
