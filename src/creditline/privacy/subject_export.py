"""A borrower's copy of all their data, as one JSON document (PIPL Art. 45: access and portability).

The store gathers the sections (decrypted through `PersonalDataAccess` with the purpose
`subject_request`, so the export itself appears in the access log); this module turns them into a
stable, self-describing document. Money is written as exact decimal text with its currency and its
minor units, never as a float; dates and instants as ISO 8601.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

EXPORT_FORMAT = "creditline-subject-export/v1"
SECTION_ROWS_MAX = 1_000_000


def to_jsonable(value: object) -> object:
    """Plain JSON values from the domain's: Money, Decimal, dates, enums, dataclasses, mappings."""
    if hasattr(value, "amount_str") and hasattr(value, "minor"):  # Money, without importing the money context
        return {"amount": value.amount_str(), "currency": value.currency.code, "minor": value.minor}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [to_jsonable(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    if isinstance(value, float):
        raise TypeError("floats have no place in an export of financial data")
    assert value is None or isinstance(value, str | int | bool), type(value)
    return value


def build_export(
    borrower_id: str,
    generated_at: datetime,
    personal_data: Mapping[str, str | None],
    sections: Mapping[str, Sequence[object]],
) -> dict[str, object]:
    """The export document: personal data, then each section (consents, loans, journal, access log...)."""
    for name, rows in sections.items():
        assert len(rows) <= SECTION_ROWS_MAX, f"section {name} is too large to export at once"
    return {
        "format": EXPORT_FORMAT,
        "borrower_id": borrower_id,
        "generated_at": generated_at.isoformat(),
        "personal_data": {k: personal_data[k] for k in sorted(personal_data)},
        "records": {name: to_jsonable(list(rows)) for name, rows in sorted(sections.items())},
    }


def export_json(document: Mapping[str, object]) -> bytes:
    # ensure_ascii=False: names are written in the borrower's own script, not as \u escapes.
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
