"""The canonical, versioned leaf encoding of journal entries and loan events.

A leaf is the UTF-8 of a JSON object written one way only: keys sorted, no spaces, ASCII,
integers for amounts (minor units), ISO dates, and a format version `v`. Decoding re-encodes and
insists on the same bytes, so no two byte strings ever stand for one record.

Only pseudonymous ids and amounts go in. The log is append-only and cannot forget, so a name, an
ID number or a phone number written into it could never be erased; keeping them out is what lets
an erasure request leave every root and proof intact. Ids are checked against the shapes of the
personal identifiers the platform handles, as a guard against a caller passing the wrong value.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date

from creditline.ledger.transparency.errors import InvalidRecord

LEAF_FORMAT_VERSION = 1
LEAF_BYTES_MAX = 2_000_000  # 10,000 postings of ~130 bytes; anything bigger is a mistake
POSTINGS_MAX = 10_000  # the ledger's own bound: an EOD summary has a posting per shard and account
AMOUNTS_MAX = 32

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
_CODE = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
# Whole-value shapes of personal identifiers: PRC resident ID number, mainland mobile number.
_ID_NUMBER_SHAPE = re.compile(r"^\d{17}[\dXx]$")
_MOBILE_SHAPE = re.compile(r"^(\+?86)?1[3-9]\d{9}$")
_AMOUNT_ABS_MAX = 2**63 - 1
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$")


def pseudonymous_id(value: str, field: str) -> str:
    """The id itself when the log can take it: letters, digits and _.:-, not shaped like an ID or phone number."""
    if not isinstance(value, str) or not _ID.match(value):
        raise InvalidRecord(
            "an id is 1-64 characters of letters, digits and _.:- (no spaces, no @)", field=field
        )
    if _ID_NUMBER_SHAPE.match(value) or _MOBILE_SHAPE.match(value):
        raise InvalidRecord(
            "looks like an ID or phone number: the log takes pseudonymous ids only", field=field
        )
    return value


def _code(value: str, field: str) -> str:
    if not isinstance(value, str) or not _CODE.match(value):
        raise InvalidRecord("a code is 1-64 lower-case letters, digits and _.-", field=field)
    return value


def _amount(value: int, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > _AMOUNT_ABS_MAX:
        raise InvalidRecord("an amount is an integer count of minor units", field=field)
    return value


def _currency(value: str, field: str) -> str:
    if not isinstance(value, str) or not _CURRENCY.match(value):
        raise InvalidRecord("a currency is an ISO 4217 code such as CNY", field=field)
    return value


@dataclass(frozen=True, slots=True)
class PostingLine:
    """One line of a journal entry: account, side (debit/credit), amount, balance shard, optional loan."""

    account: str
    side: str
    amount_minor: int
    currency: str
    shard: int = 0
    loan_id: str | None = None

    def __post_init__(self) -> None:
        _code(self.account, "account")
        if self.side not in ("debit", "credit"):
            raise InvalidRecord("side is debit or credit", field="side")
        if _amount(self.amount_minor, "amount_minor") <= 0:
            raise InvalidRecord("a posting amount is positive; the side carries the sign", field="amount_minor")
        _currency(self.currency, "currency")
        if isinstance(self.shard, bool) or not isinstance(self.shard, int) or not 0 <= self.shard < 2**16:
            raise InvalidRecord("shard is a small non-negative integer", field="shard")
        if self.loan_id is not None:
            pseudonymous_id(self.loan_id, "loan_id")

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "account": self.account, "side": self.side, "amount_minor": self.amount_minor, "currency": self.currency,
            "shard": self.shard,
        }
        if self.loan_id is not None:
            out["loan_id"] = self.loan_id
        return out


@dataclass(frozen=True, slots=True)
class NamedAmount:
    """An amount a loan event carries (`principal`, `interest`, ...)."""

    name: str
    amount_minor: int
    currency: str

    def __post_init__(self) -> None:
        _code(self.name, "name")
        _amount(self.amount_minor, "amount_minor")
        _currency(self.currency, "currency")

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "amount_minor": self.amount_minor, "currency": self.currency}


@dataclass(frozen=True, slots=True)
class JournalEntryRecord:
    """A journal entry without its free text: no memo, no client-chosen idempotency key."""

    entry_id: str
    borrower_id: str | None  # None for entries that span borrowers (EOD summaries)
    business_date: date
    reference: str  # what the entry records: "loan-event:<id>", "eod:<date>:<product>"
    postings: tuple[PostingLine, ...]

    KIND = "journal_entry"

    def __post_init__(self) -> None:
        pseudonymous_id(self.entry_id, "entry_id")
        if self.borrower_id is not None:
            pseudonymous_id(self.borrower_id, "borrower_id")
        if not isinstance(self.reference, str) or not _REFERENCE.match(self.reference):
            raise InvalidRecord("a reference is 1-200 letters, digits and _.:- (no free text)", field="reference")
        if not isinstance(self.business_date, date):
            raise InvalidRecord("business_date is a date", field="business_date")
        if not 1 <= len(self.postings) <= POSTINGS_MAX:
            raise InvalidRecord(f"a journal entry has 1..{POSTINGS_MAX} postings", field="postings")

    @property
    def loan_ids(self) -> tuple[str, ...]:
        return tuple(sorted({p.loan_id for p in self.postings if p.loan_id is not None}))

    def to_dict(self) -> dict[str, object]:
        return {
            "v": LEAF_FORMAT_VERSION, "type": self.KIND, "entry_id": self.entry_id, "borrower_id": self.borrower_id,
            "business_date": self.business_date.isoformat(), "reference": self.reference,
            "postings": [p.to_dict() for p in self.postings],
        }


@dataclass(frozen=True, slots=True)
class LoanEventRecord:
    """A loan event: its amounts, what it reverses, and a SHA-256 of its data rather than the data."""

    event_id: str
    loan_id: str
    borrower_id: str
    sequence: int
    business_date: date
    event_type: str
    amounts: tuple[NamedAmount, ...] = ()
    reverses: str | None = None
    data_sha256: str | None = None  # hex digest of the event's stored data: covered, never copied

    KIND = "loan_event"

    def __post_init__(self) -> None:
        pseudonymous_id(self.event_id, "event_id")
        pseudonymous_id(self.loan_id, "loan_id")
        pseudonymous_id(self.borrower_id, "borrower_id")
        pseudonymous_id(self.event_type, "event_type")
        if self.reverses is not None:
            pseudonymous_id(self.reverses, "reverses")
        if self.data_sha256 is not None and not _SHA256_HEX.match(self.data_sha256):
            raise InvalidRecord("data_sha256 is 64 lower-case hex digits", field="data_sha256")
        if isinstance(self.sequence, bool) or not isinstance(self.sequence, int) or self.sequence < 0:
            raise InvalidRecord("sequence is the event's number within its loan", field="sequence")
        if not isinstance(self.business_date, date):
            raise InvalidRecord("business_date is a date", field="business_date")
        if len(self.amounts) > AMOUNTS_MAX:
            raise InvalidRecord(f"a loan event carries at most {AMOUNTS_MAX} amounts", field="amounts")

    @property
    def loan_ids(self) -> tuple[str, ...]:
        return (self.loan_id,)

    def to_dict(self) -> dict[str, object]:
        return {
            "v": LEAF_FORMAT_VERSION, "type": self.KIND, "event_id": self.event_id, "loan_id": self.loan_id,
            "borrower_id": self.borrower_id, "sequence": self.sequence,
            "business_date": self.business_date.isoformat(), "event_type": self.event_type,
            "amounts": [a.to_dict() for a in self.amounts], "reverses": self.reverses,
            "data_sha256": self.data_sha256,
        }


LogRecord = JournalEntryRecord | LoanEventRecord


def encode_record(record: LogRecord) -> bytes:
    data = json.dumps(record.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode(
        "ascii"
    )
    if len(data) > LEAF_BYTES_MAX:
        raise InvalidRecord(f"a record encodes to at most {LEAF_BYTES_MAX} bytes", field="record")
    return data


def decode_record(data: bytes) -> LogRecord:
    """Parse a leaf; raise `InvalidRecord` unless it is exactly the canonical bytes of a valid record."""
    if len(data) > LEAF_BYTES_MAX:
        raise InvalidRecord(f"a record encodes to at most {LEAF_BYTES_MAX} bytes", field="record")
    try:
        raw = json.loads(data.decode("ascii"), parse_float=_reject_float)
        record = _from_dict(raw)
    except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise InvalidRecord(f"not a log record: {exc}", field="record") from exc
    if encode_record(record) != data:
        raise InvalidRecord("the bytes are not the canonical encoding of the record", field="record")
    return record


def _reject_float(text: str) -> float:
    raise ValueError(f"{text} is not an integer amount")


def _from_dict(raw: dict) -> LogRecord:
    if raw.get("v") != LEAF_FORMAT_VERSION:
        raise ValueError(f"unknown leaf format version {raw.get('v')!r}")
    business_date = date.fromisoformat(raw["business_date"])
    if raw["type"] == JournalEntryRecord.KIND:
        postings = tuple(
            PostingLine(p["account"], p["side"], p["amount_minor"], p["currency"], p["shard"], p.get("loan_id"))
            for p in raw["postings"]
        )
        return JournalEntryRecord(raw["entry_id"], raw["borrower_id"], business_date, raw["reference"], postings)
    if raw["type"] == LoanEventRecord.KIND:
        amounts = tuple(NamedAmount(a["name"], a["amount_minor"], a["currency"]) for a in raw["amounts"])
        return LoanEventRecord(
            raw["event_id"],
            raw["loan_id"],
            raw["borrower_id"],
            raw["sequence"],
            business_date,
            raw["event_type"],
            amounts,
            raw["reverses"],
            raw["data_sha256"],
        )
    raise ValueError(f"unknown record type {raw['type']!r}")
