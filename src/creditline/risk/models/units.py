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

Bands: a column of ranges (`18-24`, `25 to 34`, `65+`; `$50,000 - $75,000`; `50k-75k`; `1-3 years`)
reads each range as its middle, so the bands keep their order instead of becoming categories ordered
by nothing. A column is bands when some of its values are ranges, every range runs upwards, and it
has at most `BANDS_MAX` distinct values (bands are few; `555-1234` a row is a phone number, not a band).

Only the split lives here (pure text work); `columns` reads the number part by the column's decimal
mark and decoration, as any number column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

BELOW_WORDS = ("less than", "under", "below")
AT_MOST_WORDS = ("up to", "at most")
ABOVE_WORDS = ("more than", "over", "above", "at least")
COMPARATOR = "|".join(("<=", ">=", "<", ">", "≤", "≥", *BELOW_WORDS, *AT_MOST_WORDS, *ABOVE_WORDS))
# `36`, `1,200`, `12.5`, `12,5`, `.5`, `1e-3`: the column's decimal mark decides later which is which;
# in a range also `$50,000` and `50k` (a `k` no letter follows: `5km` is 5 in `km`)
NUMBER_PART = r"[+-]?(?:\d+(?:[.,]\d+)*|[.,]\d+)(?:[eE][+-]?\d+)?"
BAND_END = rf"[$€£¥₹]?{NUMBER_PART}(?:[kK](?![^\W\d_]))?"
RANGE_JOIN = r"(?:-|–|—|~|～|－|to|至)"
UNIT_WORD = r"(?>[^\W\d_]++(?:\s++[^\W\d_]++)?+)\.?(?:\(s\))?"  # one or two words of letters (any script)
# Possessive blanks and atomic words: no run of blanks is tried split two ways (with plain `\s*` on each
# side of an optional part, `1` + 5,000 blanks + `!` took 96 s to refuse).
UNIT_RE = re.compile(
    rf"^\s*+(?:(?P<cmp>{COMPARATOR})\s*+)?(?P<num>{BAND_END})\s*+(?:(?P<plus>\+)\s*+)?"
    rf"(?:(?P<join>{RANGE_JOIN})\s*+(?P<high>{BAND_END})\s*+)?(?:(?P<unit>{UNIT_WORD})\s*+)?$",
    re.IGNORECASE,
)
# A duration in years and months, as bureaus and Indian lenders' exports write an account's age:
# `1yrs 11mon` (L&T's `CREDIT.HISTORY.LENGTH`), `22 Years and 1 Months`, `3 yr, 2 mo`, `3年2个月` — read in months.
# At most three digits of years: `2019年6月` is a month, not 2,019 years.
YEAR_WORD = r"(?:years?|yrs?|y|年)"
MONTH_WORD = r"(?:months?|mons?|mths?|mos?|m|个月|月)"
DURATION_RE = re.compile(
    rf"^\s*+(?P<years>\d{{1,3}}+(?:\.\d++)?)\s*+{YEAR_WORD}\.?\s*+(?:(?:and|&|,)\s*+)?"
    rf"(?P<months>\d{{1,3}}+(?:\.\d++)?)\s*+{MONTH_WORD}\.?\s*+$",
    re.IGNORECASE,
)
MONTH = "month"
BELOW = frozenset({"<", *BELOW_WORDS})
SAMPLE = 1000
BANDS_MAX = 60


def unit_word(unit: str) -> str:
    """The unit as the column's spec keeps it: lower case, no final dot, `(s)` or plural `s`."""
    word = " ".join(unit.lower().split()).rstrip(".")
    word = word.removesuffix("(s)")
    return word[:-1] if len(word) > 2 and word.endswith("s") and not word.endswith("ss") else word


@dataclass(frozen=True)
class Shape:
    """How a column's values are written: one unit word ("" for none), whether some are ranges, and the
    number parts of the values so written (each range's two ends), for the number reader to infer."""

    unit: str
    bands: bool
    parts: pd.Series


def split_units(text: pd.Series) -> pd.DataFrame:
    """Per value: `num` (its number's text; NaN when the value has no such shape), `high` (a range's upper
    end; NaN for a single number), `unit` (normalised; "" when it has none) and `below` (a `<`-like
    comparator)."""
    found = text.str.extract(UNIT_RE)
    unread = found["num"].isna()
    if unread.any():  # `1yrs 11mon`: the months it makes, as a number in months
        durations = text[unread].str.extract(DURATION_RE)
        read = durations["years"].notna()
        if read.any():
            months = pd.to_numeric(durations.loc[read, "years"]) * 12 + pd.to_numeric(durations.loc[read, "months"])
            found.loc[months.index, "num"] = months.map(number_text)
            found.loc[months.index, "unit"] = MONTH
    units = found["unit"].fillna("")
    return pd.DataFrame(
        {
            "num": found["num"],
            "high": found["high"],
            "unit": units.map(unit_word) if units.any() else units,
            "below": found["cmp"].fillna("").str.lower().isin(BELOW).to_numpy(),
        },
        index=text.index,
    )


def common_shape(text: pd.Series, share_min: float) -> Shape | None:
    """The column's unit and bands when at least `share_min` of its present values are numbers in one
    unit (`36 months`) or bands (`18-24`, `1-3 years`); None otherwise: no unit nor range, several units,
    ranges among more than `BANDS_MAX` distinct values. Tried on the first thousand values first: most
    text columns are not numbers, and the whole column costs a regular expression per value."""
    if len(text) > SAMPLE and split_units(text.iloc[:SAMPLE])["num"].notna().mean() < share_min:
        return None
    parts = split_units(text)
    shaped = parts["num"].notna()
    if shaped.mean() < share_min:
        return None
    units = set(parts.loc[shaped, "unit"]) - {""}
    ranged = parts["high"].notna()
    bands = bool(ranged.any())
    if len(units) > 1 or (not units and not bands) or (bands and text.nunique() > BANDS_MAX):
        return None
    return Shape(units.pop() if units else "", bands, pd.concat([parts.loc[shaped, "num"], parts.loc[ranged, "high"]]))


def split_one(text: str, unit: str, bands: bool = False) -> tuple[str, str, bool] | None:
    """(the number's text, a range's upper end's text or "", whether a `<`-like comparator precedes it)
    of one value in `unit`, or None when the value has another shape or unit, or is a range and the
    column no bands."""
    found = UNIT_RE.match(text)
    if not found and unit == MONTH:
        duration = DURATION_RE.match(text)
        if duration:
            return number_text(float(duration["years"]) * 12 + float(duration["months"])), "", False
    if not found or (found["unit"] and unit_word(found["unit"]) != unit) or (found["high"] and not bands):
        return None
    return found["num"], found["high"] or "", (found["cmp"] or "").lower() in BELOW


def number_text(value: float) -> str:
    """A number as text a number column reads back exactly (`34`, `12.5`)."""
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def below_adjusted(values: np.ndarray, below: np.ndarray) -> np.ndarray:
    """`< x` as x/2 for a positive x (the middle of [0, x)); other values as they are."""
    return np.where(below & (values > 0), values / 2, values)
