"""Numbers written with a unit word after them: `36 months`, `10+ years`, `< 1 year`, `12个月`, `3 or more`.

Lending exports write durations and counts so (Lending Club's `term` and `emp_length`, a bureau's
`5 yrs`); read as categories they lose their order, and beyond 30 levels their meaning (a category
with many levels is read as its frequency rank). A column is such a number when its values, but for
missing ones, are a number with an optional comparator and one unit word — the same in every value
but for letter case, a plural `s` or a final dot; a bare number reads too. Different units in one
column (`6 months`, `1 year`) are no such column: converting between them is a guess.

What a comparator means: `x+`, `> x`, `≥ x` and `over x` read as x (the open top of a scale, as an
analyst codes `10+ years` as 10); `< x`, `under x` and `less than x` read as x/2, the middle of
[0, x), so `< 1 year` sorts below `1 year` and above nothing it should not; `≤ x` reads as x.

Only the split lives here (pure text work); `columns` reads the number part by the column's decimal
mark and decoration, as any number column.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

BELOW_WORDS = ("less than", "under", "below")
AT_MOST_WORDS = ("up to", "at most")
ABOVE_WORDS = ("more than", "over", "above", "at least")
COMPARATOR = "|".join(("<=", ">=", "<", ">", "≤", "≥", *BELOW_WORDS, *AT_MOST_WORDS, *ABOVE_WORDS))
# `36`, `1,200`, `12.5`, `12,5`, `.5`, `1e-3`: the column's decimal mark decides later which is which
NUMBER_PART = r"[+-]?(?:\d+(?:[.,]\d+)*|[.,]\d+)(?:[eE][+-]?\d+)?"
UNIT_WORD = r"(?>[^\W\d_]++(?:\s++[^\W\d_]++)?+)\.?(?:\(s\))?"  # one or two words of letters (any script)
# Possessive blanks and atomic words: no run of blanks is tried split two ways (with plain `\s*` on each
# side of an optional part, `1` + 5,000 blanks + `!` took 96 s to refuse).
UNIT_RE = re.compile(
    rf"^\s*+(?:(?P<cmp>{COMPARATOR})\s*+)?(?P<num>{NUMBER_PART})\s*+(?:(?P<plus>\+)\s*+)?(?:(?P<unit>{UNIT_WORD})\s*+)?$",
    re.IGNORECASE,
)
BELOW = frozenset({"<", *BELOW_WORDS})
SAMPLE = 1000


def unit_word(unit: str) -> str:
    """The unit as the column's spec keeps it: lower case, no final dot, `(s)` or plural `s`."""
    word = " ".join(unit.lower().split()).rstrip(".")
    word = word.removesuffix("(s)")
    return word[:-1] if len(word) > 2 and word.endswith("s") and not word.endswith("ss") else word


def split_units(text: pd.Series) -> pd.DataFrame:
    """Per value: `num` (its number's text; NaN when the value has no such shape), `unit` (normalised;
    "" when it has none) and `below` (a `<`-like comparator)."""
    found = text.str.extract(UNIT_RE)
    units = found["unit"].fillna("")
    return pd.DataFrame(
        {
            "num": found["num"],
            "unit": units.map(unit_word) if units.any() else units,
            "below": found["cmp"].fillna("").str.lower().isin(BELOW).to_numpy(),
        },
        index=text.index,
    )


def common_unit(text: pd.Series, share_min: float) -> tuple[str, pd.Series]:
    """(the one unit a column's present values are written with, the number parts of those that have the
    shape), or ("", empty) when it has none or several, or fewer than `share_min` of its values have the
    shape (tried on the first thousand values first: most text columns are not numbers, and the whole
    column costs a regular expression per value)."""
    none = ("", text.iloc[:0])
    if len(text) > SAMPLE and split_units(text.iloc[:SAMPLE])["num"].notna().mean() < share_min:
        return none
    parts = split_units(text)
    shaped = parts["num"].notna()
    if shaped.mean() < share_min:
        return none
    units = set(parts.loc[shaped, "unit"]) - {""}
    return (units.pop(), parts.loc[shaped, "num"]) if len(units) == 1 else none


def split_one(text: str, unit: str) -> tuple[str, bool] | None:
    """(the number's text, whether a `<`-like comparator precedes it) of one value in `unit`, or None
    when the value has another shape or another unit."""
    found = UNIT_RE.match(text)
    if not found or (found["unit"] and unit_word(found["unit"]) != unit):
        return None
    return found["num"], (found["cmp"] or "").lower() in BELOW


def below_adjusted(values: np.ndarray, below: np.ndarray) -> np.ndarray:
    """`< x` as x/2 for a positive x (the middle of [0, x)); other values as they are."""
    return np.where(below & (values > 0), values / 2, values)
