"""Column types inferred from raw text, and the conversion of raw values into model features.

A column is a number (decimal point or decimal comma; in a comma-separated file a quoted decimal
comma only when the column's evidence says so, see `commas_are_decimal`), a
flag (Y/N, yes/no, true/false → 1/0), a date (→ days since 1970-01-01) or a category (the most
frequent values kept, the rest pooled as "other"). Blanks, `NA`, `NULL`, `?` and sentinel codes
such as -7/-8/-9 in an otherwise non-negative column are missing.

Two speeds, one rule set: `column_values` converts a whole column (training, batch scoring) and
`value_of` one raw value (the single-applicant scorer); a property test proves they agree.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime

import numpy as np
import pandas as pd

from creditline.risk.models.errors import InvalidScoringRequest
from creditline.risk.models.names import plain_words
from creditline.risk.models.units import below_adjusted, common_shape, split_one, split_units

NUMBER, FLAG, DATE, CATEGORY = "number", "flag", "date", "category"
KINDS = (NUMBER, FLAG, DATE, CATEGORY)
# Excel's error values: a ratio column exported from a sheet holds `#DIV/0!` wherever its divisor was 0.
EXCEL_ERRORS = frozenset({"#div/0!", "#value!", "#ref!", "#num!", "#name?", "#null!", "#na", "#n/a n/a", "#getting_data"})
# A cell of underscores alone is a placeholder (a form's blank, a scrubbed value: `_______`).
PLACEHOLDERS = frozenset("_" * n for n in range(1, 33))
MISSING_TOKENS = (
    frozenset({"", "na", "n/a", "nan", "null", "none", "nil", "?", "#n/a", "missing", "."}) | EXCEL_ERRORS | PLACEHOLDERS
)  # ".": SAS
# Case variants listed up front (lower-casing every value is slow), with the mixed-case "NaN" of R, Java and JavaScript.
MISSING_VARIANTS = frozenset(v for t in MISSING_TOKENS for v in (t, t.upper(), t.title(), t.capitalize())) | {"NaN"}
SENTINEL_CODES = (-7.0, -8.0, -9.0, -99.0, -999.0, -9999.0, -99999.0, -999999.0)
# A flag learnt as Y/N also reads as a database's booleans (1/0, t/f) in a file or request scored later.
FLAG_VALUES = {
    "y": 1.0, "n": 0.0, "yes": 1.0, "no": 0.0, "true": 1.0, "false": 0.0, "是": 1.0, "否": 0.0, "有": 1.0, "无": 0.0,
    "1": 1.0, "0": 0.0, "t": 1.0, "f": 0.0,
}
FLAG_PAIRS = ({"y", "n"}, {"yes", "no"}, {"true", "false"}, {"是", "否"}, {"有", "无"})  # 是/否 yes/no, 有/无 has/has not
MONTH = r"[A-Za-z]{3,9}"  # a month's English name or its abbreviation, in any case (strptime's %b, %B)
YEAR = r"\d{2}(?:\d{2})?"
DATE_PATTERNS = (  # each shape with its formats, the usual one first (day first unless days exceed 12)
    (re.compile(r"^\d{4}-\d{1,2}-\d{1,2}([ T].*)?$"), ("%Y-%m-%d",)),
    (re.compile(r"^\d{4}/\d{1,2}/\d{1,2}([ T].*)?$"), ("%Y/%m/%d",)),
    (re.compile(r"^\d{1,2}/\d{1,2}/\d{4}([ T].*)?$"), ("%d/%m/%Y", "%m/%d/%Y")),
    (re.compile(r"^\d{1,2}\.\d{1,2}\.\d{4}([ T].*)?$"), ("%d.%m.%Y",)),
    (re.compile(r"^\d{1,2}-\d{1,2}-\d{4}([ T].*)?$"), ("%d-%m-%Y", "%m-%d-%Y")),  # India's and the UK's exports
    (re.compile(r"^\d{1,2}/\d{1,2}/\d{2}([ T].*)?$"), ("%d/%m/%y", "%m/%d/%y")),  # Excel's short date: `25/12/16`
    (re.compile(r"^\d{1,2}-\d{1,2}-\d{2}([ T].*)?$"), ("%d-%m-%y", "%m-%d-%y")),  # the same with dashes: `25-12-16`
    # a month alone, as vintages and statement periods are written: `2019-06`, `2019/06`, `06/2019`, `06-2019`
    (re.compile(r"^\d{4}-\d{1,2}$"), ("%Y-%m",)),
    (re.compile(r"^\d{4}/\d{1,2}$"), ("%Y/%m",)),
    (re.compile(r"^\d{1,2}/\d{4}$"), ("%m/%Y",)),
    (re.compile(r"^\d{1,2}-\d{4}$"), ("%m-%Y",)),
    # Chinese: `2021年3月5日` (with a time after it or not), a month alone `2021年3月`
    (re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日( .*)?$"), ("%Y年%m月%d日",)),
    (re.compile(r"^\d{4}年\d{1,2}月$"), ("%Y年%m月",)),
)
DATE_PART_RE = re.compile(r"^\s*([^\sT]*)")  # the date before any time: `5/7/2017 08:00`, `2017-7-5T08:00`
# Dates with a month's name: Lending Club's `Dec-2011` (`Dec-11`), Oracle's DD-MON-YY `15-OCT-21`,
# `15 Jan 2021`, `Jan 15, 2021` — each shape's own date part, since it may hold spaces or a capital T.
NAMED_DATES = (
    (rf"{MONTH}-{YEAR}", ("%b-%Y", "%b-%y", "%B-%Y", "%B-%y")),
    (rf"\d{{1,2}}-{MONTH}-{YEAR}", ("%d-%b-%Y", "%d-%b-%y", "%d-%B-%Y", "%d-%B-%y")),
    (rf"\d{{1,2}} {MONTH} \d{{4}}", ("%d %b %Y", "%d %B %Y")),
    (rf"{MONTH} \d{{1,2}}, \d{{4}}", ("%b %d, %Y", "%B %d, %Y")),
)
DATE_PATTERNS += tuple((re.compile(rf"^{shape}( .*)?$"), formats) for shape, formats in NAMED_DATES)
# Quarters, as vintages are often written: `2021Q3`, `2021-Q3`, `2021 q3`, `Q3 2021`, `Q3-2021`, Chinese
# `2021年第3季度` or `2021年三季度` — read as the quarter's first day. No strptime format writes a quarter, so the
# spec's `date_format` names the form (`QUARTER`) and `quarter_dates` reads it.
QUARTER = "YYYY-Qn"
QUARTER_RE = re.compile(  # possessive blanks: a run of them is never tried split two ways
    r"^\s*+(?:(?P<y1>\d{4})\s*+(?:[-/]\s*+)?[Qq](?P<q1>[1-4])|[Qq](?P<q2>[1-4])\s*+(?:[-/]\s*+)?(?P<y2>\d{4})"
    r"|(?P<y3>\d{4})\s*+年\s*+(?:第\s*+)?(?P<q3>[1-4一二三四])\s*+季度?)\s*+$"
)
QUARTER_DIGITS = {"一": "1", "二": "2", "三": "3", "四": "4"}
DATE_PATTERNS += ((QUARTER_RE, (QUARTER,)),)
DATE_PART_NAMED = {form: re.compile(rf"^\s*({shape})") for shape, formats in NAMED_DATES for form in formats}
# A month's full name read as its abbreviation, so a column mixing the two (`Jan-2011`, `January-2011`,
# `Sept`) reads by one format; `%B` formats read through `%b` alike.
FULL_MONTH_RE = re.compile(
    r"(?i)\b(?:january|february|march|april|june|july|august|sept(?:ember)?|october|november|december)\b"
)
PARSED_SHARE_MIN = 0.98
TRIAL_VALUES = 2000
TRIAL_SHARE_MIN = 0.9
TWO_DIGIT_YEAR = "%y"
USUAL_PIVOT = 69  # strptime's: `69`-`99` are 19xx, `00`-`68` 20xx
PIVOT_GAP_MIN = 10
CENTURY = 100
# Currency symbols, percent, blanks, and the apostrophes Swiss exports group thousands with
# (`1'234.50`, `1’234.50`); thousands commas (`1,234,567`).
DECORATION = r"[%$€£¥₹₦₩₱₺₽₫฿₴₪¢元円\s\u00a0'’]"
THOUSANDS = r"(?<=\d),(?=\d{3}(?:\D|$))"
# The rarer forms, tried only on values the above leaves unreadable: accounting's negatives
# `(1,234.50)`, `($ 7)`, SAP's trailing minus `1.234,56-`, U+2212 as a minus; an ISO currency code
# or `Rs.` before or after the number; India's lakh and crore grouping `1,23,45,678`; Chinese amounts
# in 万 (ten thousand) and 亿 (a hundred million): `1.5万元` is 15,000; thousands as `k`: `50k`, `2.5K`.
# Each step a (pattern, replacement), in order; `strip_decoration` and `strip_decoration_one` both run them.
COMMON_STEPS = ((DECORATION, ""), (THOUSANDS, ""))
RARER_STEPS = (
    # underscores around a number (`53_`, `__10000__`: a scrubbed export) go; between digits they group
    # them as Python and Java literals write (`1_000_000`); each run is tried at its start only
    (r"^_++|(?<!_)_++$|(?<=\d)_(?=\d)", ""),
    ("\u2212", "-"),  # U+2212, the minus sign
    (r"^\s*+\((?=[^)]*\d)([^)]*+)\)\s*+$", r"-\1"),  # parenthesised (a digit inside; linear on a long run)
    (r"^\s*+([^-]*\d)\s*+-\s*+$", r"-\1"),  # trailing minus (possessive blanks: linear on a long run)
    (r"(?:^|(?<=^[(+-]))(?:[A-Z]{3}|Rs\.?)(?=[\s\d(+-])|(?<=[\d\s)])[A-Z]{3}$", ""),  # currency code
    (DECORATION, ""),
    (r"(?<=\d),(?=\d{2},)", ""),  # lakh and crore commas, before the thousands ones
    (THOUSANDS, ""),
    # Chinese amounts in ten-thousands (`1.5万元`) and hundred-millions (`2亿`), thousands as `k`; the digits
    # split one way only, so a long run is read in linear time
    (r"^([+-]?(?:\d+(?:\.\d+)?|\.\d+))万$", r"\1e4"),
    (r"^([+-]?(?:\d+(?:\.\d+)?|\.\d+))亿$", r"\1e8"),
    (r"^([+-]?(?:\d+(?:\.\d+)?|\.\d+))[kK]$", r"\1e3"),
)
COMMON_STEPS_RE, RARER_STEPS_RE = ([(re.compile(p), r) for p, r in steps] for steps in (COMMON_STEPS, RARER_STEPS))
# With a decimal comma, dots group thousands: `2.103,26`, `12.345.678`, `1.234,56 €` (but `1.5` stays 1.5,
# and `0.637` too: no grouping starts with a 0).
DOT_GROUPED = r"^[^\d.,]*[1-9]\d{0,2}(?:\.\d{3})+(?:,\d*)?[^\d.,]*$"
DOT_GROUPED_RE = re.compile(DOT_GROUPED)
ONE_COMMA = r"^[+-]?\d+,\d+$"
NOT_THOUSANDS = r"^[+-]?(?:0,\d+|\d+,\d{1,2}|\d+,\d{4,})$"  # `0,637`, `12,5`: no thousands grouping writes these
CATEGORIES_MAX = 200
CATEGORY_COUNT_MIN = 5
EPOCH = datetime(1970, 1, 1)
SECONDS_PER_DAY = 86400.0


@dataclass(frozen=True)
class ColumnSpec:
    """How one raw column becomes one model feature."""

    name: str
    feature: str
    kind: str
    label: str = ""
    decimal_comma: bool = False
    date_format: str = ""
    decorated: bool = False
    unit: str = ""  # a number written with this unit word after it: `36 months` (risk.models.units)
    bands: bool = False  # ranges (`18-24`, `1-3 years`) read as their middles (risk.models.units)
    year_pivot: int = USUAL_PIVOT  # a two-digit year from this one on is 19xx, below it 20xx (strptime's is 69)
    missing_codes: tuple[float, ...] = ()
    categories: tuple[str, ...] = ()
    median: float | None = None
    index: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        assert self.kind in KINDS, self.kind
        self.index.update({value: code for code, value in enumerate(self.categories)})

    @property
    def other_code(self) -> int:
        return len(self.categories)

    def to_json(self) -> dict:
        data = asdict(self)
        data.pop("index")
        data["missing_codes"] = list(self.missing_codes)
        data["categories"] = list(self.categories)
        return data

    @classmethod
    def from_json(cls, data: dict) -> ColumnSpec:
        data = dict(data)
        data["missing_codes"] = tuple(data.get("missing_codes", ()))
        data["categories"] = tuple(data.get("categories", ()))
        return cls(**data)


def is_missing_text(series: pd.Series) -> pd.Series:
    """Blank or a missing token; case variants are listed up front to avoid lower-casing every value."""
    return series.isin(MISSING_VARIANTS) | (series.str.len() == 0) | series.str.isspace()


def infer_kind(values: pd.Series, separator: str) -> tuple[str, dict]:
    """(kind, ColumnSpec options) of the non-missing raw strings of a column."""
    parsed = pd.to_numeric(values, errors="coerce")
    if parsed.notna().mean() >= PARSED_SHARE_MIN:
        return NUMBER, {}
    if (separator != "," or commas_are_decimal(values)) and may_read(values, decimal_comma_text):
        commas = pd.to_numeric(decimal_comma_text(values), errors="coerce")
        if commas.notna().mean() >= PARSED_SHARE_MIN and values.str.contains(",", regex=False).any():
            return NUMBER, {"decimal_comma": True}
    if may_read(values, strip_decoration):
        undecorated = pd.to_numeric(strip_decoration(values), errors="coerce")
        if undecorated.notna().mean() >= PARSED_SHARE_MIN:
            return NUMBER, {"decorated": True}
    if separator != "," and may_read(values, comma_then_decoration):  # `1 234,56`, `1.234,56 €`, `12,5 %`
        both = pd.to_numeric(comma_then_decoration(values), errors="coerce")
        if both.notna().mean() >= PARSED_SHARE_MIN and values.str.contains(",", regex=False).any():
            return NUMBER, {"decimal_comma": True, "decorated": True}
    shape = common_shape(values, PARSED_SHARE_MIN)
    if shape and not shape.bands:  # `36 months`, `10+ years`: the number parts take their mark and decoration as any number column
        kind, options = infer_kind(shape.parts, separator)
        if kind == NUMBER:
            return NUMBER, {**options, "unit": shape.unit}
    distinct = set(values.str.lower().unique())
    if any(distinct <= pair for pair in FLAG_PAIRS):
        return FLAG, {}
    date_format, dates = infer_dates(values)
    if date_format:
        pivot = year_pivot(dates) if TWO_DIGIT_YEAR in date_format else USUAL_PIVOT
        return DATE, {"date_format": date_format} | ({"year_pivot": pivot} if pivot != USUAL_PIVOT else {})
    if shape:  # bands, once no date format reads them (`03-2019` is a month)
        kind, options = infer_kind(shape.parts, separator)
        options = {**options, "unit": shape.unit, "bands": True}
        if kind == NUMBER and bands_ordered(ColumnSpec("", "", NUMBER, **options), values):
            return NUMBER, options
    return CATEGORY, {}


def comma_then_decoration(text: pd.Series) -> pd.Series:
    """A decimal-comma column's numbers without their decoration: the comma read first, then the rest go."""
    return strip_decoration(decimal_comma_text(text))


def may_read(values: pd.Series, rewrite: Callable[[pd.Series], pd.Series]) -> bool:
    """Whether `rewrite` may make PARSED_SHARE_MIN of the column numbers: judged on TRIAL_VALUES spread
    evenly over a longer column, which must read at TRIAL_SHARE_MIN at least (a column 98% readable
    gives a sample of 2,000 under 90% with a probability below 1e-50). Rewriting every value of a
    text column took 1.6 s of CPU per 100,000 rows (the rarer decorations, each a regular expression
    over every value, since none reads), most of a wide file's inference."""
    if len(values) <= TRIAL_VALUES:
        return True
    sample = values.iloc[:: len(values) // TRIAL_VALUES]
    return bool(pd.to_numeric(rewrite(sample), errors="coerce").notna().mean() >= TRIAL_SHARE_MIN)


def bands_ordered(spec: ColumnSpec, text: pd.Series) -> bool:
    """Whether the column's ranges are bands: each runs upwards and none overlaps another (`18-24`,
    `25-34`; `$0-$25,000`, `$25,000-$50,000`). `2019-03` runs down; `03-2019`, `04-2019` overlap."""
    parts = split_units(pd.Series(text.unique(), dtype=text.dtype))
    low, high = (part_values(spec, parts[end], np.zeros(len(parts), dtype=bool)) for end in ("num", "high"))
    ranged = ~np.isnan(low) & ~np.isnan(high)
    ends = np.unique(np.column_stack([low[ranged], high[ranged]]), axis=0)  # sorted by low, then high
    return bool(ends.size and np.all(ends[:, 0] < ends[:, 1]) and np.all(ends[1:, 0] >= ends[:-1, 1]))


def commas_are_decimal(values: pd.Series) -> bool:
    """Whether the commas of a comma-separated file's quoted numbers are decimal commas.

    One cell cannot tell (`"1,234"` may be either), so the column decides: every value with a comma
    has exactly one and no dot, and some can be no thousands grouping (`0,637`, `12,5`); a column
    with `1,234,567` or `1,234.50`, or only three-digit groups, keeps its thousands commas."""
    with_comma = values[values.str.contains(",", regex=False)]
    if with_comma.empty or not with_comma.str.match(ONE_COMMA).all():
        return False
    return bool(with_comma.str.match(NOT_THOUSANDS).any())


def decimal_comma_text(text: pd.Series) -> pd.Series:
    """`2.103,26` → `2103.26`, `1,5` → `1.5`: dots grouping thousands go, the decimal comma turns a point."""
    grouped = text.str.match(DOT_GROUPED)
    return text.where(~grouped, text.str.replace(".", "", regex=False)).str.replace(",", ".", regex=False)


def decimal_comma_one(text: str) -> str:
    """`decimal_comma_text` of one value."""
    return (text.replace(".", "") if DOT_GROUPED_RE.match(text) else text).replace(",", ".")


def strip_decoration(text: pd.Series) -> pd.Series:
    """`$1,234.50`, `12.5%`, `¥ 3 000`, `(1,234)` → plain numbers: currency, percent, spaces, thousands
    commas go; accounting's negatives (parenthesised, or with a trailing minus) take a leading minus.

    The common steps run over the whole column, the rarer ones only on values the common ones leave
    unreadable — what `strip_decoration_one` does per value. 300,000 `$1,234.50` values, idle 2-vCPU
    AMD EPYC: 0.50–0.52 s, against 1.86–1.92 s running every step on every value and 0.41–0.42 s
    before the rarer forms existed (the extra is the readability check)."""
    plain = replaced(text, COMMON_STEPS)
    unread = pd.to_numeric(plain, errors="coerce").isna().to_numpy()
    if not unread.any():
        return plain
    plain = plain.copy()
    plain[unread] = replaced(text[unread], RARER_STEPS)
    return plain


def replaced(text: pd.Series, steps: tuple[tuple[str, str], ...]) -> pd.Series:
    for pattern, replacement in steps:
        text = text.str.replace(pattern, replacement, regex=True)
    return text


def strip_decoration_one(text: str) -> str:
    """`strip_decoration` of one value."""
    plain = replaced_one(text, COMMON_STEPS_RE)
    return plain if number_or_none(plain) is not None else replaced_one(text, RARER_STEPS_RE)


def replaced_one(text: str, steps: list[tuple[re.Pattern[str], str]]) -> str:
    for pattern, replacement in steps:
        text = pattern.sub(replacement, text)
    return text


def infer_date_format(values: pd.Series) -> str:
    return infer_dates(values)[0]


def infer_dates(values: pd.Series) -> tuple[str, pd.Series | None]:
    """The date format that reads the column, and the dates it reads (strptime's centuries); ("", None)."""
    sample = values.head(500)
    for pattern, date_formats in DATE_PATTERNS:
        if sample.str.match(pattern).mean() >= PARSED_SHARE_MIN:
            for date_format in date_formats:
                parsed = parse_dates(values, date_format)
                if parsed.notna().mean() >= PARSED_SHARE_MIN:
                    return date_format, parsed
    return "", None


def date_part(text: str, date_format: str = "") -> str:
    """The date of a raw value that may carry a time after it (after a space or a `T` if numeric)."""
    found = DATE_PART_NAMED.get(date_format, DATE_PART_RE).match(text)
    return found.group(1) if found else text


def parse_dates(text: pd.Series, date_format: str, pivot: int = USUAL_PIVOT) -> pd.Series:
    """Timestamps of a column's date parts (NaT where one does not read in the format); two-digit
    years from `pivot` on in the 1900s, below it in the 2000s."""
    if date_format == QUARTER:
        return quarter_dates(text)
    part = DATE_PART_NAMED.get(date_format, DATE_PART_RE)
    parsed = pd.to_datetime(text.str.extract(part, expand=False), format=date_format, errors="coerce")
    unread = parsed.isna().to_numpy()
    if date_format in DATE_PART_NAMED and unread.any():  # `January` under `%b`: read again as `Jan`, those only
        again = text[unread].str.replace(FULL_MONTH_RE, abbreviated, regex=True).str.extract(part, expand=False)
        parsed = parsed.copy()
        parsed[unread] = pd.to_datetime(again, format=abbreviated_format(date_format), errors="coerce").to_numpy()
    move = century_move(date_format, pivot)
    if move:
        low, high, years = move
        two_digits = parsed.dt.year % CENTURY
        moved = ((two_digits >= low) & (two_digits < high)).to_numpy()
        if moved.any():
            parsed = parsed.copy()
            parsed[moved] = parsed[moved] + pd.DateOffset(years=years)
    return parsed


def century_move(date_format: str, pivot: int) -> tuple[int, int, int] | None:
    """(low, high, years): the two-digit years in [low, high) that strptime puts in the wrong century
    for `pivot`, and the years to move them by; None when the format or the pivot moves none."""
    if pivot == USUAL_PIVOT or TWO_DIGIT_YEAR not in date_format:
        return None
    low, high = sorted((pivot, USUAL_PIVOT))
    return low, high, CENTURY if pivot > USUAL_PIVOT else -CENTURY


def year_pivot(parsed: pd.Series) -> int:
    """The two-digit year from which a column's dates are in the 1900s (those below it, the 2000s).

    strptime reads `65` as 2065, so a birth date `01-01-65` or Lending Club's `earliest_cr_line`
    `Jan-65` came out in the future, after every younger one. A column's two-digit years, on the
    circle 00–99, sit on one arc: it starts after the widest gap (at least PIVOT_GAP_MIN years) and
    runs forward, into the 2000s where it passes 99. An arc that does not pass 99 stays in the one
    century strptime gives its latest year. Dates 1950–2007 (`50`…`99`, `00`…`07`) pivot at 50."""
    held = np.unique(parsed.dropna().dt.year.to_numpy() % CENTURY)
    if held.size == 0:
        return USUAL_PIVOT
    gaps = np.diff(np.append(held, held[0] + CENTURY))  # after each year, the last wrapping to the first
    widest = int(np.argmax(gaps))
    if gaps[widest] < PIVOT_GAP_MIN:
        return USUAL_PIVOT
    if widest == held.size - 1:  # the arc does not pass 99
        return USUAL_PIVOT if held[-1] < USUAL_PIVOT else min(USUAL_PIVOT, int(held[0]))
    return int(held[widest + 1])


def pivoted(moment: datetime, date_format: str, pivot: int) -> datetime:
    """`parse_dates`'s century move for one value (29 February kept as 28 where the century has none)."""
    move = century_move(date_format, pivot)
    if not move or not move[0] <= moment.year % CENTURY < move[1]:
        return moment
    year = moment.year + move[2]
    day = min(moment.day, calendar.monthrange(year, moment.month)[1])
    return moment.replace(year=year, day=day)


def abbreviated(found: re.Match[str]) -> str:
    return found.group(0)[:3]


def abbreviated_format(date_format: str) -> str:
    return date_format.replace("%B", "%b")


def quarter_dates(text: pd.Series) -> pd.Series:
    """The first day of each value's quarter (NaT where a value is no quarter)."""
    found = text.str.extract(QUARTER_RE)
    year = found["y1"].fillna(found["y2"]).fillna(found["y3"])
    quarter = found["q1"].fillna(found["q2"]).fillna(found["q3"]).replace(QUARTER_DIGITS)
    month = (pd.to_numeric(quarter, errors="coerce") - 1) * 3 + 1
    return pd.to_datetime(year + "-" + month.astype("Int64").astype(str), format="%Y-%m", errors="coerce")


def infer_spec(
    name: str, feature: str, raw: pd.Series, separator: str, extra_missing: tuple[float, ...] = ()
) -> ColumnSpec | None:
    """The spec of one raw column, or None when it holds no usable information (all blank, constant)."""
    found = infer_column(name, feature, raw, separator, extra_missing)
    return found[0] if found else None


def infer_column(
    name: str, feature: str, raw: pd.Series, separator: str, extra_missing: tuple[float, ...] = ()
) -> tuple[ColumnSpec, np.ndarray] | None:
    """The spec of one raw column and its feature values, or None when it holds no usable information."""
    present = raw[~is_missing_text(raw)]
    if present.empty:
        return None
    kind, options = infer_kind(present, separator)
    spec = ColumnSpec(name, feature, kind, plain_words(name), **options)
    if kind == CATEGORY:
        counts = present.value_counts()
        kept = counts[counts >= min(CATEGORY_COUNT_MIN, int(counts.max()))].head(CATEGORIES_MAX)
        spec = replace(spec, categories=tuple(str(v) for v in kept.index), index={})
    values = column_values(spec, raw)
    if kind == NUMBER:
        spec = replace(spec, missing_codes=sentinel_codes(values, extra_missing), index={})
        values = apply_codes(values, spec.missing_codes)
    finite = values[~np.isnan(values)]
    if finite.size == 0 or (np.unique(finite).size == 1 and finite.size == values.size):
        return None
    return replace(spec, median=float(np.median(finite)), index={}), values


def sentinel_codes(values: np.ndarray, extra: tuple[float, ...]) -> tuple[float, ...]:
    """Conventional "no data" codes present in a column whose genuine values are never negative."""
    finite = values[~np.isnan(values)]
    found = [code for code in SENTINEL_CODES if np.any(finite == code)]
    genuine = finite[~np.isin(finite, found)] if found else finite
    codes = found if found and (genuine.size == 0 or genuine.min() >= 0) else []
    codes += [code for code in extra if code not in codes and np.any(finite == code)]
    return tuple(sorted(codes))


def column_values(spec: ColumnSpec, raw: pd.Series, *, strict: bool = False) -> np.ndarray:
    """A float64 column of features; `strict` refuses values that do not fit the column's type."""
    if spec.kind == NUMBER and pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        values = raw.to_numpy(dtype=np.float64, na_value=np.nan)
        # An infinity is no number a model learnt on: refused, or missing, exactly as the text "inf" is.
        infinite = np.isinf(values)
        if strict:
            refuse_unparsed(spec, raw[infinite])
        return apply_codes(np.where(infinite, np.nan, values), spec.missing_codes)
    text = as_text(raw, strip=spec.kind != NUMBER)
    plain = spec.kind == NUMBER and not (spec.decimal_comma or spec.decorated or spec.unit or spec.bands)
    read = every_number(text) if plain else None
    if read is None:
        missing = is_missing_text(text).to_numpy()
        values = text_values(spec, text, missing)
    else:
        values, missing = read
    values = np.array(values, dtype=np.float64)
    values[missing | np.isinf(values)] = np.nan
    if strict and spec.kind != CATEGORY:
        refuse_unparsed(spec, text[~missing & np.isnan(values)])
    return apply_codes(values, spec.missing_codes) if spec.kind == NUMBER else values


def text_values(spec: ColumnSpec, text: pd.Series, missing: np.ndarray) -> np.ndarray:
    """The column's values read from text by its kind's rule (missing rows: anything, masked later)."""
    if spec.kind == NUMBER:
        if not (spec.unit or spec.bands):
            return part_values(spec, text, missing)
        parts = split_units(text)  # the number part of a value in the column's unit (or none); others unreadable
        in_unit = parts["unit"].isin(("", spec.unit))
        values = below_adjusted(part_values(spec, parts["num"].where(in_unit), missing), parts["below"].to_numpy())
        ranged = parts["high"].notna().to_numpy()
        if not ranged.any():
            return values
        if not spec.bands:  # a range in a column of single numbers: unreadable
            return np.where(ranged, np.nan, values)
        high = part_values(spec, parts["high"].where(in_unit), missing)
        return np.where(ranged, (values + high) / 2, values)  # a band as its middle
    if spec.kind == FLAG:
        return text.str.lower().map(FLAG_VALUES).to_numpy(dtype=np.float64, na_value=np.nan)
    if spec.kind == DATE:
        parsed = parse_dates(text, spec.date_format, spec.year_pivot)
        return ((parsed - pd.Timestamp(EPOCH)).dt.total_seconds() / SECONDS_PER_DAY).to_numpy(np.float64)
    codes = text.map(spec.index).to_numpy(dtype=np.float64, na_value=np.nan)
    return np.where(np.isnan(codes), float(spec.other_code), codes)


def every_number(text: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """(values, missing) when every value of a number column reads as a float, else None.

    A value that reads is blank or a missing token only if it reads as NaN or infinite ("nan"),
    so only those few rows are checked for missing tokens."""
    try:
        values = text.to_numpy(dtype=object).astype(np.float64)
    except (ValueError, TypeError):
        return None
    missing = np.zeros(values.size, dtype=bool)
    odd = ~np.isfinite(values)
    if odd.any():
        missing[odd] = is_missing_text(text[odd]).to_numpy()
    return values, missing


def numbers(text: pd.Series, missing: np.ndarray | None = None) -> np.ndarray:
    """Python's own float parsing per value (as `value_of` does): one rule, and faster than pandas on text.

    numpy's cast of Python strings to float64 calls that same parser in a C loop, about six times
    faster than a Python loop; it stops at the first unreadable value, and only then is the column
    read value by value (unreadable → NaN). Rows already known to be `missing` are read as NaN."""
    objects = text.to_numpy(dtype=object)
    if missing is not None and missing.any():
        objects = objects.copy()
        objects[missing] = "nan"
    try:
        return objects.astype(np.float64)
    except (ValueError, TypeError):
        return np.fromiter((number_or_nan(v) for v in objects), dtype=np.float64, count=len(objects))


def number_or_nan(text: str) -> float:
    try:
        return float(text)
    except (ValueError, TypeError):
        return math.nan


def as_text(raw: pd.Series, *, strip: bool = True) -> pd.Series:
    """Text per value; columns read from a file are text already and skip the slow per-value path.

    Numbers need no stripping: float() ignores surrounding blanks."""
    if pd.api.types.is_string_dtype(raw) and not raw.isna().any():
        text = raw.astype(str)
    else:
        text = raw.astype(object).map(canonical_text).astype(str)
    return text.str.strip() if strip else text


def apply_codes(values: np.ndarray, codes: tuple[float, ...]) -> np.ndarray:
    if codes:
        values = np.where(np.isin(values, codes), np.nan, values)
    return values


def part_values(spec: ColumnSpec, text: pd.Series, missing: np.ndarray) -> np.ndarray:
    """Number texts (NaN: none) read by the column's decimal mark and decoration."""
    text = text.fillna("nan")
    source = decimal_comma_text(text) if spec.decimal_comma else text
    return numbers(strip_decoration(source) if spec.decorated else source, missing)


def refuse_unparsed(spec: ColumnSpec, bad: pd.Series) -> None:
    if not bad.empty:
        raise InvalidScoringRequest(
            f"expected {describe_kind(spec)}, got {bad.iloc[0]!r} ({len(bad)} such value(s))", field=spec.name
        )


def describe_kind(spec: ColumnSpec) -> str:
    if spec.kind == NUMBER and (spec.unit or spec.bands):
        what = "a number or a range" if spec.bands else "a number"
        return f"{what} in {spec.unit!r}" if spec.unit else what  # `a number in 'month'`, `a number in '个月'`
    return {NUMBER: "a number", FLAG: "a Y/N flag", DATE: f"a date ({spec.date_format})"}.get(spec.kind, "text")


def canonical_text(value: object) -> str:
    """The text a CSV would hold for `value`: integral floats lose their `.0` so categories match.

    None, NaN and pandas' own nulls (pd.NA of its "string" and nullable dtypes, NaT) are blank."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def value_of(spec: ColumnSpec, raw: object) -> float:
    """One raw value (None, number, bool or text) as the feature `column_values` would give it."""
    if isinstance(raw, (list, dict, tuple, set, bytes)):
        raise InvalidScoringRequest(f"expected {describe_kind(spec)}, got a {type(raw).__name__}", field=spec.name)
    if spec.kind == NUMBER and isinstance(raw, (int, float)) and not isinstance(raw, bool):
        try:
            value = float(raw)
        except OverflowError:  # an integer beyond a float's range
            value = math.inf
        if math.isinf(value):  # as the whole column refuses the text "inf" (JSON allows Infinity)
            raise InvalidScoringRequest(f"expected {describe_kind(spec)}, got {raw!r}", field=spec.name)
        return math.nan if math.isnan(value) or value in spec.missing_codes else value
    text = canonical_text(raw).strip()
    if not text or text in MISSING_VARIANTS:
        return math.nan
    if spec.kind == CATEGORY:
        return float(spec.index.get(text, spec.other_code))
    value = parse_one(spec, text)
    if value is None:
        raise InvalidScoringRequest(f"expected {describe_kind(spec)}, got {raw!r}", field=spec.name)
    return value


def parse_one(spec: ColumnSpec, text: str) -> float | None:
    if spec.kind == NUMBER:
        below, high = False, ""
        if spec.unit or spec.bands:
            split = split_one(text, spec.unit, spec.bands)
            if split is None:
                return None
            text, high, below = split
        value = part_one(spec, text)
        if value is not None and high:
            top = part_one(spec, high)
            value = None if top is None else (value + top) / 2
        elif value is not None and below and value > 0:
            value /= 2
        return math.nan if value is not None and value in spec.missing_codes else value
    if spec.kind == FLAG:
        return FLAG_VALUES.get(text.lower())
    if spec.date_format == QUARTER:
        moment = quarter_dates(pd.Series([text])).iloc[0]
        return None if pd.isna(moment) else (moment - pd.Timestamp(EPOCH)).total_seconds() / SECONDS_PER_DAY
    try:
        date_format = spec.date_format
        if date_format in DATE_PART_NAMED:
            text, date_format = FULL_MONTH_RE.sub(abbreviated, text), abbreviated_format(date_format)
        moment = pivoted(datetime.strptime(date_part(text, spec.date_format), date_format), date_format, spec.year_pivot)
    except ValueError:
        return None
    return (moment - EPOCH).total_seconds() / SECONDS_PER_DAY


def part_one(spec: ColumnSpec, text: str) -> float | None:
    """`part_values` of one number text."""
    text = decimal_comma_one(text) if spec.decimal_comma else text
    return number_or_none(strip_decoration_one(text) if spec.decorated else text)


def number_or_none(text: str) -> float | None:
    value = number_or_nan(text)
    return None if math.isnan(value) or math.isinf(value) else value
