"""The target column as 1 = bad, 0 = good, whatever the lender wrote (0/1, 1/2, Bad/Good, Y/N …)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from creditline.risk.models.columns import MISSING_TOKENS
from creditline.risk.models.errors import InvalidData

# The word for bad in a two-valued target, first match wins: English, and the Chinese of a 借呗-style
# book (违约 default, 逾期 overdue, 坏 / 坏账 bad, 不良 non-performing, 是 yes).
BAD_WORDS = (
    "bad", "default", "defaulted", "yes", "y", "true", "charged off", "charged-off", "written off", "write-off",
    "fraud", "delinquent", "overdue", "non-performing", "npl",
    "违约", "逾期", "坏", "坏账", "不良", "是",
)
CLASS_ROWS_MIN = 10


def normalise(text: str) -> str:
    """`1`, `1.0` and `1.00` are one class; words compare case-blind."""
    try:
        number = float(text)
    except ValueError:
        return text.strip().lower()
    return str(int(number)) if number.is_integer() else repr(number)


def encode_target(raw: pd.Series, positive: str | None, *, field: str = "target") -> tuple[np.ndarray, str]:
    """(1.0 bad / 0.0 good / NaN unknown per row, the value taken as bad)."""
    text = raw.astype(str).str.strip()
    present = ~text.str.lower().isin(MISSING_TOKENS)
    classes = sorted(set(text[present].map(normalise)))
    if len(classes) < 2:
        shown = classes[0] if classes else "nothing"
        raise InvalidData(f"the target has one class only ({shown!r}); a model needs bad and good rows", field=field)
    bad = choose_bad(classes, positive, field)
    values = np.where(present, (text.map(normalise) == bad).to_numpy(dtype=np.float64), np.nan)
    counts = (int(np.nansum(values)), int(np.sum(values == 0)))
    if min(counts) < CLASS_ROWS_MIN:
        raise InvalidData(
            f"the target has {counts[0]} bad and {counts[1]} good rows; each needs at least {CLASS_ROWS_MIN}",
            field=field,
        )
    return values, bad


def choose_bad(classes: list[str], positive: str | None, field: str) -> str:
    if positive is not None:
        wanted = normalise(positive)
        if wanted not in classes:
            raise InvalidData(f"--positive {positive!r} is not a value of the target ({', '.join(classes[:10])})", field="positive")
        return wanted
    if len(classes) > 2:
        raise InvalidData(
            f"the target has {len(classes)} values ({', '.join(classes[:10])}); name the bad one with --positive",
            field=field,
        )
    for word in BAD_WORDS:
        if word in classes:
            return word
    numbers = [c for c in classes if c.lstrip("-").replace(".", "", 1).isdigit()]
    if len(numbers) == 2:
        return max(numbers, key=float)
    raise InvalidData(f"cannot tell which target value is bad ({classes[0]!r} or {classes[1]!r}); use --positive", field=field)
