"""The target column as 1 = bad, 0 = good, whatever the lender wrote (0/1, 1/2, Bad/Good, Y/N …)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from creditline.risk.models.columns import MISSING_TOKENS
from creditline.risk.models.errors import InvalidData

# The word for bad in a two-valued target, first match wins: English, and the Chinese of a 借呗-style
# book (违约 default, 逾期 overdue, 坏 / 坏账 bad, 不良 non-performing, 是 yes).
BAD_WORDS = (
    "bad", "default", "defaulted", "yes", "y", "true", "charged off", "charged-off", "written off", "write-off",
    "fraud", "delinquent", "overdue", "non-performing", "npl", "chgoff", "chargeoff", "charge-off", "charged_off",
    "written-off", "writeoff", "poor",  # SBA's `MIS_Status` CHGOFF; a credit grade's Poor against Standard or Good
    "违约", "逾期", "坏", "坏账", "不良", "是",
)
# When no value is one of those words: a value that says good makes the other bad (`Current` against
# `Late (31-120 days)`, `Paid` against `Not paid`); else a value with a bad word in it is bad. Chinese:
# 正常 normal, 结清 / 已结清 settled, 否 no, 好 good.
GOOD_WORDS = frozenset({
    "good", "no", "n", "false", "current", "paid", "fully paid", "paid off", "repaid", "settled", "closed",
    "performing", "non-default", "non default", "no default", "not default", "not defaulted", "正常", "结清", "已结清",
    "p i f", "pif", "paid in full",  # SBA's `MIS_Status`
    "否", "好",
})
BAD_STEMS = re.compile(
    r"\b(?:bad|default|late|arrears?|past due|delinquen\w*|charged|written|write|loss|fraud\w*|overdue|npl)\b"
    r"|违约|逾期|坏|不良"
)
CLASS_ROWS_MIN = 10


def normalise(text: str) -> str:
    """`1`, `1.0` and `1.00` are one class; words compare case-blind."""
    try:
        number = float(text)
    except ValueError:
        return text.strip().lower()
    return str(int(number)) if number.is_integer() else repr(number)


@dataclass(frozen=True)
class Target:
    """A target column as the model sees it: 1 bad, 0 good, NaN unknown (blank, or indeterminate)."""

    values: np.ndarray
    bad: tuple[str, ...]  # the values meaning bad, normalised
    good: tuple[str, ...] = ()  # the values meaning good; () = every value that is not bad
    indeterminate: int = 0  # rows holding a value neither bad nor good: left out, as blank ones are

    def to_json(self) -> dict:
        return {"bad_value": self.bad[0], "bad_values": list(self.bad), "good_values": list(self.good),
                "rows_indeterminate": self.indeterminate}


def encode_target(
    raw: pd.Series, positive: str | Sequence[str] | None, *, negative: Sequence[str] = (), field: str = "target"
) -> Target:
    """The target of `raw`: the bad values are `positive` (one or several) or inferred from a two-valued
    column; with `negative` the good values are those, and rows of any other value (a loan still
    `Current`, `In Grace Period`) are indeterminate and left out — the good / bad / indeterminate
    definition of scorecard practice."""
    text = raw.astype(str).str.strip()
    present = ~text.str.lower().isin(MISSING_TOKENS)
    normalised = text.map(normalise)
    classes = sorted(set(normalised[present]))
    if len(classes) < 2:
        shown = classes[0] if classes else "nothing"
        raise InvalidData(f"the target has one class only ({shown!r}); a model needs bad and good rows", field=field)
    wanted = (positive,) if isinstance(positive, str) else tuple(positive or ())
    good = named_values(classes, negative, "negative")
    bad = named_values(classes, wanted, "positive") or choose_bad([c for c in classes if c not in good], field)
    both = set(bad) & set(good)
    if both:
        raise InvalidData(f"{sorted(both)[0]!r} is named both bad (--positive) and good (--negative)", field="negative")
    is_bad = normalised.isin(bad).to_numpy()
    is_good = normalised.isin(good).to_numpy() if good else ~is_bad
    values = np.where(present & is_bad, 1.0, np.where(present & is_good, 0.0, np.nan))
    counts = (int(np.sum(values == 1)), int(np.sum(values == 0)))
    if min(counts) < CLASS_ROWS_MIN:
        raise InvalidData(
            f"the target has {counts[0]} bad and {counts[1]} good rows; each needs at least {CLASS_ROWS_MIN}",
            field=field,
        )
    indeterminate = int((present & ~is_bad & ~is_good).to_numpy().sum())  # 0 when every other value is good
    return Target(values, bad, good, indeterminate)


def named_values(classes: list[str], named: Sequence[str], option: str) -> tuple[str, ...]:
    """The target values an option names (normalised, in the order named), each one a value of the target."""
    found = []
    for value in named:
        wanted = normalise(value)
        if wanted not in classes:
            raise InvalidData(f"--{option} {value!r} is not a value of the target ({', '.join(classes[:10])})", field=option)
        if wanted not in found:
            found.append(wanted)
    return tuple(found)


def choose_bad(classes: list[str], field: str) -> tuple[str, ...]:
    """The bad value of the target's values that are not named good: its one value, or of two the one
    that says bad."""
    if not classes:
        raise InvalidData("every value of the target is named good (--negative); name the bad one(s) with --positive",
                          field="negative")
    if len(classes) == 1:
        return (classes[0],)
    if len(classes) > 2:
        raise InvalidData(
            f"the target has {len(classes)} values ({', '.join(classes[:10])}); name the bad one(s) with --positive "
            "(and the good ones with --negative to leave the others out as indeterminate)",
            field=field,
        )
    for word in BAD_WORDS:
        if word in classes:
            return (word,)
    good = [c for c in classes if c in GOOD_WORDS]
    if len(good) == 1:
        return tuple(c for c in classes if c not in GOOD_WORDS)
    worded = [c for c in classes if BAD_STEMS.search(c)]
    if len(worded) == 1:
        return (worded[0],)
    numbers = [c for c in classes if c.lstrip("-").replace(".", "", 1).isdigit()]
    if len(numbers) == 2:
        return (max(numbers, key=float),)
    raise InvalidData(f"cannot tell which target value is bad ({classes[0]!r} or {classes[1]!r}); use --positive", field=field)
