"""Weka's ARFF files: the header that names the columns, and how the data below it is quoted.

OpenML and Weka hand credit data out this way (OpenML's `credit-g`, `credit-approval`, `Australian`):
`%` comment lines, `@relation NAME`, one `@attribute NAME TYPE` line per column (a name with blanks
quoted with `'` or `"`), then `@data` and comma-separated rows whose text values are quoted with
either quote (`'<0'`, `'no checking'`, a quote inside escaped with a backslash) and whose missing
values are `?`. Read as plain CSV such a file lost every column's name and kept the quotes inside the
values. Keywords are case-insensitive. A relational attribute (a table inside a cell) and the sparse
row form (`{0 X, 3 Y}`) are refused by name rather than misread.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass

from creditline.risk.models.errors import InvalidData

RELATION = re.compile(r"^\s*@relation\b", re.IGNORECASE)
DATA = re.compile(r"^\s*@data\s*$", re.IGNORECASE)
ATTRIBUTE = re.compile(
    r"""^\s*@attribute\s+('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s{]+)\s*(.*?)\s*$""", re.IGNORECASE
)
QUOTED_FIELD = {"'": re.compile(r"(?:^|,)\s*'"), '"': re.compile(r'(?:^|,)\s*"')}
COMMENT_LINE = re.compile(r"^[ \t]*%[^\r\n]*(?:\r\n|\r|\n)?", re.MULTILINE)
HEADER_LINES_MAX = 100_000
SAMPLE_LINES = 200


@dataclass(frozen=True)
class ArffHeader:
    """What an ARFF file's header says: its relation, its columns' names, where its rows begin."""

    relation: str
    names: list[str]
    data_start: int  # offset of the text after the `@data` line
    quote: str  # the quote the rows' text values are written with


def is_arff(lines: list[str]) -> bool:
    """Whether the text's first line that is neither blank nor a `%` comment is `@relation …`."""
    for line in lines:
        stripped = line.strip()
        if stripped and not stripped.startswith("%"):
            return bool(RELATION.match(stripped))
    return False


def read_header(text: str, source: str, field: str) -> ArffHeader:
    """The header of the ARFF `text`; a header it cannot read is refused, naming the line."""
    relation, names = "", []
    position = 0
    for number, match in enumerate(re.finditer(r"[^\r\n]*(?:\r\n|\r|\n|$)", text), start=1):
        line = match.group(0)
        position = match.end()
        stripped = line.strip()
        if number > HEADER_LINES_MAX or (not line and position >= len(text)):
            break
        if not stripped or stripped.startswith("%"):
            continue
        if DATA.match(stripped):
            if not names:
                raise InvalidData(f"{source} is an ARFF file with no @attribute before @data", field=field)
            return ArffHeader(relation, names, position, data_quote(text, position))
        if RELATION.match(stripped):
            relation = unquoted(stripped[len("@relation") :])
            continue
        found = ATTRIBUTE.match(stripped)
        if not found:
            raise InvalidData(f"{source} line {number}: not an ARFF header line: {stripped[:60]!r}", field=field)
        name, kind = unquoted(found.group(1)), found.group(2)
        type_word = "nominal" if kind.startswith("{") else (kind.split() or [""])[0].lower()
        if type_word == "relational":
            raise InvalidData(f"{source} line {number}: relational ARFF attributes ({name!r}) are not read", field=field)
        if type_word not in ("numeric", "real", "integer", "string", "date", "nominal"):
            raise InvalidData(f"{source} line {number}: unknown ARFF attribute type {kind[:40]!r} for {name!r}", field=field)
        names.append(name)
    raise InvalidData(f"{source} is an ARFF file without an @data line", field=field)


def data_rows(text: str, header: ArffHeader, source: str, field: str) -> str:
    """The rows below `@data`, comment lines left out; sparse rows and rows wider or narrower than
    the attributes are refused."""
    rows = text[header.data_start :]
    sample = [line for line in rows[:65536].splitlines()[:SAMPLE_LINES] if line.strip() and not line.lstrip().startswith("%")]
    for line in sample:
        if line.lstrip().startswith("{"):
            raise InvalidData(
                f"{source}: sparse ARFF rows ({line.strip()[:40]!r}, …) are not read; write the data dense", field=field
            )
    reader = csv.reader(sample, quotechar=header.quote, escapechar="\\", skipinitialspace=True)
    widths = Counter(len(row) for row in reader)
    if widths and widths.most_common(1)[0][0] != len(header.names):
        raise InvalidData(
            f"{source}: its rows hold {widths.most_common(1)[0][0]} values where its header declares "
            f"{len(header.names)} attributes",
            field=field,
        )
    return COMMENT_LINE.sub("", rows) if COMMENT_LINE.search(rows) else rows


def data_quote(text: str, start: int) -> str:
    """`'` or `"`: whichever opens more of the first rows' fields (Weka writes `'`)."""
    sample = "\n".join(text[start : start + 65536].splitlines()[:SAMPLE_LINES])
    counts = {quote: len(pattern.findall(sample)) for quote, pattern in QUOTED_FIELD.items()}
    return '"' if counts['"'] > counts["'"] else "'"


def unquoted(name: str) -> str:
    """A name as written without its quotes and backslash escapes."""
    name = name.strip()
    if len(name) >= 2 and name[0] == name[-1] and name[0] in "'\"":
        return re.sub(r"\\(.)", r"\1", name[1:-1])
    return name
