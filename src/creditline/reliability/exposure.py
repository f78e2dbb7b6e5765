"""What a thief holding the database, its files or the server's logs could read.

Each person's identity values become byte patterns in every encoding a database or log could hold
them in (UTF-8, UTF-16 either way, GB18030 for names; the +86 form of phones; either case of an ID
number's check letter). `find_in_bytes` scans raw files (a SQLite database, its WAL, a log) with
one compiled pattern; `find_in_tables` reads every column of every table and says where each value
was found (`table.column`), which is what a fix needs to know.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

NAME_ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be", "gb18030")
DIGIT_ENCODINGS = ("ascii", "utf-16-le")
ROWS_PER_TABLE_MAX = 1_000_000


@dataclass(frozen=True, slots=True)
class Needle:
    kind: str  # name | id_number | phone | bank_card | contact
    value: str
    patterns: tuple[bytes, ...]


def needles(kind: str, value: str) -> Needle:
    texts = {value}
    if kind == "id_number":
        texts |= {value.upper(), value.lower()}
    if kind in ("phone", "contact"):
        texts |= {"+86" + value, "+86 " + value}
    encodings = NAME_ENCODINGS if kind == "name" else DIGIT_ENCODINGS
    return Needle(kind, value, tuple(sorted({t.encode(e) for t in texts for e in encodings})))


def person_needles(applicant: dict[str, Any], contacts: Iterable[str] = ()) -> list[Needle]:
    found = [needles(kind, applicant[kind]) for kind in ("name", "id_number", "phone", "bank_card") if applicant.get(kind)]
    return found + [needles("contact", c) for c in contacts]


def _pattern(all_needles: list[Needle]) -> tuple[re.Pattern[bytes], dict[bytes, Needle]]:
    owner = {p: n for n in all_needles for p in n.patterns}
    longest_first = sorted(owner, key=len, reverse=True)
    return re.compile(b"|".join(re.escape(p) for p in longest_first)), owner


def find_in_bytes(data: bytes, all_needles: list[Needle]) -> list[Needle]:
    """The needles whose value occurs anywhere in `data`."""
    if not all_needles:
        return []
    pattern, owner = _pattern(all_needles)
    seen: dict[str, Needle] = {}
    for match in pattern.finditer(data):
        needle = owner[match.group(0)]
        seen[f"{needle.kind}:{needle.value}"] = needle
    return list(seen.values())


def find_in_files(paths: Iterable[Path], all_needles: list[Needle]) -> dict[str, list[Needle]]:
    """{file name: needles found in it}, for the files that exist."""
    return {path.name: found for path in paths if path.exists() and (found := find_in_bytes(path.read_bytes(), all_needles))}


def find_in_tables(engine: Any, all_needles: list[Needle]) -> dict[str, set[str]]:
    """{"kind:value": {"table.column", ...}} for every value found in any column of any table."""
    from sqlalchemy import MetaData, select

    metadata = MetaData()
    metadata.reflect(engine)
    pattern, owner = _pattern(all_needles)
    found: dict[str, set[str]] = defaultdict(set)
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(select(table).limit(ROWS_PER_TABLE_MAX)).mappings():
                for column, value in row.items():
                    for match in pattern.finditer(_as_bytes(value)):
                        needle = owner[match.group(0)]
                        found[f"{needle.kind}:{needle.value}"].add(f"{table.name}.{column}")
    return dict(found)


def _as_bytes(value: object) -> bytes:
    if value is None:
        return b""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return str(value).encode("utf-8")
