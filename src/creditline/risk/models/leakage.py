"""The leakage guard: columns that identify a row or give the answer away never become features.

An identifier (a row number, a customer key) lets a model memorise rows instead of learning risk;
a column that reproduces the target (a collection status, a write-off date) is only known after
the outcome. Both look superb in training and fail in production, so they are dropped with a
reason the analyst can read in the training summary.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from creditline.risk.models.columns import CATEGORY, NUMBER, ColumnSpec
from creditline.risk.models.metrics import auc

ID_NAME = re.compile(
    r"(^|[^a-z])(id|index|key|uuid|guid)$|^(id|idx|index|row|rownum|row_number)([^a-z]|$)"
    r"|(customer|client|user|loan|account|application|applicant|member|system|contract|order|record)(id|no|key)$",
    re.I,
)
CAMEL_ID = re.compile(r"[a-z](Id|ID|Key)$")


def named_like_identifier(name: str) -> bool:
    """`ID`, `loan_id`, `customerid`, `ApplicationId` — but not `paid` or `repaid`."""
    return bool(ID_NAME.search(name) or CAMEL_ID.search(name))
UNIQUE_SHARE_MIN = 0.95
PROXY_AUC_MIN = 0.99
PROXY_ROWS_MIN = 30


def identifier_reason(spec: ColumnSpec, distinct: int, values: np.ndarray) -> str:
    """Why this column looks like a row identifier, or "" when it does not (`distinct`: its raw values')."""
    rows = values.size
    if rows < PROXY_ROWS_MIN or distinct < UNIQUE_SHARE_MIN * rows:
        return ""
    if named_like_identifier(spec.name):
        return "identifier: its name says so and nearly every row has its own value"
    if spec.kind == CATEGORY:
        return "identifier: nearly every row has its own text value"
    finite = values[~np.isnan(values)]
    if spec.kind == NUMBER and distinct == rows and finite.size == rows and np.all(finite == np.round(finite)):
        steps = np.diff(finite)
        if np.all(steps > 0) or np.all(steps < 0):
            return "identifier: whole numbers, one per row, in file order (a row number)"
    return ""


def proxy_reason(values: np.ndarray, target: np.ndarray, spec: ColumnSpec) -> str:
    """Why this column reproduces the target on its own, or "" when it does not."""
    if spec.kind == CATEGORY:
        values = category_rates(values, target)
    filled = np.where(np.isnan(values), np.nanmin(values) - 1 if np.isfinite(np.nanmin(values)) else 0, values)
    if np.unique(filled).size < 2:
        return ""
    alone = auc(target, filled)
    strength = max(alone, 1 - alone)
    if strength >= PROXY_AUC_MIN:
        return f"reproduces the target: on its own it separates bad from good with AUC {strength:.3f}"
    return ""


def category_rates(codes: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Each row's category replaced by that category's bad rate (missing as a category of its own)."""
    keys = np.where(np.isnan(codes), -1.0, codes)
    frame = pd.DataFrame({"key": keys, "bad": target})
    rates = frame.groupby("key")["bad"].transform("mean")
    return rates.to_numpy(dtype=np.float64)
