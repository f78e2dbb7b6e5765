"""The tamper-evident log in the database: accept, sequence, publish, verify, prove.

Every journal entry and every loan event gets its record in the statement batch that writes it:
`JournalRepository.add`, `LoanRepository.add_events`, the PostgreSQL one-statement command path
(`store.command_writes`) and the set-based auto-debit settlement (`append_settlement_records`) call
the builders here (`journal_record`, `loan_event_record`), which are the ones `verify_database`
rebuilds the books with, so the record and what it describes commit or vanish together and an edit
to either is seen. EOD calls `publish(connection, ...)`, which sequences what was accepted and signs
the day's tree head. `verify_database` recomputes everything: receipts, heads, and each logged record
against the journal and loan-event rows it came from, so a row edited in `postings` is caught too.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import (
    Connection,
    LargeBinary,
    String,
    bindparam,
    func,
    insert,
    literal_column,
    select,
    type_coerce,
    update,
)

from creditline.ledger.transparency import (
    EMPTY_ROOT,
    ConsistencyBundle,
    Finding,
    Frontier,
    InclusionBundle,
    InvalidKey,
    InvalidProof,
    InvalidRecord,
    JournalEntryRecord,
    LoanEventRecord,
    LogRecord,
    LogReport,
    MerkleTree,
    NamedAmount,
    PostingLine,
    Problem,
    RecordReceipt,
    SignedTreeHead,
    StoredRecord,
    TreeHead,
    decode_record,
    encode_record,
    leaf_hash,
    load_private_key,
    prove_consistency,
    prove_inclusion,
    publish_head,
    sequence,
    verify_log,
)
from creditline.lending.loan.events import LoanEvent
from creditline.store import tables as t
from creditline.store.driver_sql import execute, execute_many
from creditline.store.tables_audit import audit_books_logged, audit_heads, audit_log, audit_log_state
from creditline.store.upsert import dialect_insert

ENV_SIGNING_KEY_FILE = "CREDITLINE_AUDIT_SIGNING_KEY_FILE"
ENV_LOG_ID = "CREDITLINE_AUDIT_LOG_ID"
LOG_ID_DEFAULT = "creditline"
SEQUENCE_BATCH = 10_000
SEQUENCE_BATCHES_MAX = 10_000  # 100 million records in one publish; more is a stuck sequencer


def log_id_from_environment(environ: Mapping[str, str] = os.environ) -> str:
    return environ.get(ENV_LOG_ID) or LOG_ID_DEFAULT


def signing_key_from_environment(environ: Mapping[str, str] = os.environ) -> Ed25519PrivateKey:
    """The Ed25519 key that signs receipts and heads: a PEM file only its owner can read."""
    name = environ.get(ENV_SIGNING_KEY_FILE)
    if not name:
        # No field: this is configuration, not a command-line option the user could correct.
        raise InvalidKey(f"set {ENV_SIGNING_KEY_FILE} to the log's private key (creditline audit keygen)")
    path = Path(name)
    try:
        if path.stat().st_mode & 0o077:
            raise InvalidKey(f"{path} is readable by others; chmod 600 it")
        return load_private_key(path.read_bytes())
    except OSError as exc:
        raise InvalidKey(f"cannot read {path}: {exc.strerror}") from exc


def _connection(uow_or_connection: object) -> Connection:
    if isinstance(uow_or_connection, Connection):
        return uow_or_connection
    return uow_or_connection.connection  # type: ignore[attr-defined]  # a UnitOfWork


def _record_id(record: LogRecord) -> str:
    return record.entry_id if isinstance(record, JournalEntryRecord) else record.event_id


AUDIT_COLUMNS = ("record_type", "record_id", "borrower_id", "business_date", "leaf", "leaf_hash")
# Built once: the command path runs it on the driver's cursor (`driver_sql`), like the rows it records.
INSERT_RECORD = insert(audit_log).values({name: bindparam(name) for name in AUDIT_COLUMNS})


def logged_with(kind: str, record_id: Any, borrower_id: Any, business_date: Any) -> Any:
    """PostgreSQL: a CTE accepting the record of the row a data-modifying CTE just wrote (its RETURNING
    columns given here). One parameter, `au_leaf`; the leaf hash is computed by the server as RFC 9162
    defines it (SHA-256 of 0x00 || leaf), so the one-statement command paths stay within psycopg's
    50 parameters for caching a statement's parsed form."""
    leaf = bindparam("au_leaf", type_=LargeBinary)
    digest = func.sha256(literal_column("'\\x00'::bytea").op("||")(leaf), type_=LargeBinary)
    assert kind in (JournalEntryRecord.KIND, LoanEventRecord.KIND), kind  # inlined, not a parameter
    record = select(literal_column(f"'{kind}'"), record_id, borrower_id, business_date, leaf, digest)
    return insert(audit_log).from_select(AUDIT_COLUMNS, record).cte("logged")


def record_row(record: LogRecord) -> dict[str, Any]:
    """The `audit_log` row accepting `record` (no position yet: the sequencer gives it one)."""
    leaf = encode_record(record)
    return {"record_type": record.KIND, "record_id": _record_id(record), "borrower_id": record.borrower_id,
            "business_date": record.business_date, "leaf": leaf, "leaf_hash": leaf_hash(leaf)}  # fmt: skip


def append_records(uow: object, records: Iterable[LogRecord]) -> int:
    """Accept records into the log in the caller's transaction; returns how many were added."""
    rows = [record_row(record) for record in records]
    if rows:
        _connection(uow).execute(insert(audit_log), rows)
    return len(rows)


def append_rows(connection: Connection, rows: Sequence[dict[str, Any]]) -> int:
    """Insert `record_row`s on the driver's cursor (queued when the caller is pipelined)."""
    if len(rows) == 1:
        execute(connection, INSERT_RECORD, rows[0])
    elif rows:
        execute_many(connection, INSERT_RECORD, rows)
    return len(rows)


def journal_record(
    entry_id: str, borrower_id: str | None, business_date: date, reference: str,
    postings: Iterable[tuple[str, int, str | None, str, int]],
) -> JournalEntryRecord:
    """The log record of a journal entry from its stored columns; postings as (account, shard, loan id,
    currency, signed amount) in posting order. Writers and the verifier both build it here."""
    lines = tuple(_posting_line(account, shard, loan_id, code, minor) for account, shard, loan_id, code, minor in postings)
    return JournalEntryRecord(entry_id, borrower_id, business_date, reference, lines)


def _posting_line(account: str, shard: int, loan_id: str | None, code: str, minor: int) -> PostingLine:
    # The sign is read before PostingLine checks the amount: SQLite keeps text in an amount column.
    if isinstance(minor, bool) or not isinstance(minor, int):
        raise InvalidRecord("an amount is an integer count of minor units", field="amount_minor")
    return PostingLine(account, "debit" if minor > 0 else "credit", abs(minor), code, shard, loan_id)


def journal_entry_row(header: Mapping[str, Any], postings: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The record row of an entry from the `journal_entries` row and `postings` rows a repository writes."""
    lines = [(p["account"], p["shard"], p["loan_id"], p["currency"], p["amount_minor"]) for p in postings]
    return record_row(journal_record(header["entry_id"], header["borrower_id"], header["business_date"],
                                     header["reference"], lines))  # fmt: skip


def loan_event_rows(events: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The record rows of `loan_events` rows as `loan_repository.event_row` makes them."""
    return [
        record_row(loan_event_record(e["event_id"], e["loan_id"], e["borrower_id"], e["sequence"], e["kind"],
                                     e["effective_date"], e["amount_minor"], e["currency"], e["reverses"],
                                     e["data_json"]))
        for e in events
    ]  # fmt: skip


def append_settlement_records(
    connection: Connection, events: Sequence[tuple], entries: Sequence[tuple], postings: Sequence[tuple]
) -> int:
    """Records of a page of set-based settlements (`tables_servicing_debits.write_settlements`' rows:
    events in LOAN_EVENT_COLUMNS order, entries in JOURNAL_COLUMNS order, postings as (entry, account,
    shard, loan, currency, signed amount, borrower)), accepted in one executemany."""
    lines: dict[str, list[tuple]] = {}
    for entry_id, account, shard, loan_id, code, minor, _ in postings:
        lines.setdefault(entry_id, []).append((account, shard, loan_id, code, minor))
    rows = [
        record_row(loan_event_record(event_id, loan_id, borrower_id, sequence_no, kind, effective_date, amount_minor,
                                     code, reverses, data_json))
        for event_id, loan_id, borrower_id, sequence_no, kind, effective_date, amount_minor, code, reverses, data_json, _
        in events
    ]  # fmt: skip
    rows += [
        record_row(journal_record(entry_id, borrower_id, business_date, reference, lines[entry_id]))
        for entry_id, _, business_date, reference, borrower_id, _ in entries
    ]
    return append_rows(connection, rows)


def append_unlogged_from_books(connection: Connection) -> int:
    """Log the journal entries and loan events that have no record yet, in date order.

    For databases that predate the log. Records logged this way are protected from now on only:
    an edit made before this ran cannot be seen. The app layer appends in the same transaction.
    Afterwards the books are logged in full (`audit_books_logged`): a record missing from then on
    was deleted, so on such a database a books record without one is refused, not accepted.
    """
    # The books first, then what is logged: an entry committed before the first read has its record
    # (same transaction) by the second, so commands running meanwhile are never logged twice.
    books = {"journal_entry": _journal_records_from_books(connection),
             "loan_event": _loan_event_records_from_books(connection)}
    logged = {tuple(r) for r in connection.execute(select(audit_log.c.record_type, audit_log.c.record_id))}
    unlogged = _unlogged(books, logged)
    if unlogged and books_logged(connection).in_full:
        kind, record_id = unlogged[0]
        # Accepting it would launder the deletion: the record would describe the books as they now are.
        raise InvalidRecord(f"{kind} {record_id} lost its log record (deleted); this database's books were "
                            f"logged in full, so there is nothing to back-fill: run creditline audit verify",
                            field="record")  # fmt: skip
    rows = []
    for kind, record_id in unlogged:
        leaf = books[kind][record_id]
        if leaf.startswith(UNREPRESENTABLE):
            why = leaf.removeprefix(UNREPRESENTABLE).decode("ascii")
            raise InvalidRecord(f"{kind} {record_id} cannot be logged: {why}")
        record = decode_record(leaf)
        rows.append((record.business_date, kind, record_id, record))
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    appended = append_records(connection, [r[3] for r in rows])
    if not books_logged(connection).marked:
        connection.execute(insert(audit_books_logged).values(covers=BOOKS, marked_by="backfill"))
    return appended


BOOKS = "books"


@dataclass(frozen=True, slots=True)
class BooksLogged:
    """Whether every books record has had its log record since it was written, and who says so."""

    marked: bool  # the database's own mark (`audit_books_logged`), which SQL can delete
    signed_on: date | str | None  # the first head signed for it (its signature covers the claim); text if edited

    @property
    def in_full(self) -> bool:
        """A books record without its log record is then a deletion, not one to back-fill."""
        return self.marked or self.signed_on is not None


def books_logged(connection: Connection) -> BooksLogged:
    """The one answer to "are the books logged in full", for the back-fill, publish and verify."""
    marked = select(audit_books_logged.c.covers).where(audit_books_logged.c.covers == BOOKS)
    # Read as stored: a head's date edited into text is the verifier's bad head, not a crash here.
    signed = (select(_raw(audit_heads.c.business_date)).where(audit_heads.c.books_logged)
              .order_by(audit_heads.c.business_date).limit(1))  # fmt: skip
    signed_on = connection.execute(signed).scalar()
    return BooksLogged(connection.execute(marked).first() is not None, None if signed_on is None else _stored_date(signed_on))


def _unlogged(books: Mapping[str, Mapping[str, bytes]], logged: set[tuple[Any, ...]]) -> list[tuple[str, str]]:
    """(record type, record id) of every books record with no log record, in a stable order."""
    return sorted((kind, record_id) for kind, ids in books.items() for record_id in ids if (kind, record_id) not in logged)


def _read_state(connection: Connection, log_id: str) -> Frontier:
    query = select(audit_log_state.c.tree_size, audit_log_state.c.frontier).where(audit_log_state.c.log_id == log_id)
    row = connection.execute(query.with_for_update()).first()
    if row is None:
        _check_one_log(connection, log_id)
        # Two first sequencers at once (EOD's publish and `creditline audit publish`): one inserts, the
        # other waits on its row and reads it (finding 8 of docs/security.md), neither fails.
        connection.execute(dialect_insert(connection, audit_log_state).values(log_id=log_id, tree_size=0, frontier="")
                           .on_conflict_do_nothing(index_elements=["log_id"]))  # fmt: skip
        row = connection.execute(query.with_for_update()).one()
    hashes = tuple(bytes.fromhex(h) for h in row.frontier.split(",") if h)
    return Frontier(row.tree_size, hashes)


def _check_one_log(connection: Connection, log_id: str) -> None:
    """The database holds one log: a second id would number its records from 0, over the first's."""
    from creditline.ledger.transparency.errors import TransparencyError

    other = connection.execute(
        select(audit_log_state.c.log_id).where(audit_log_state.c.log_id != log_id).limit(1)
    ).scalar()
    if other is not None:
        raise TransparencyError(
            f"this database's audit log is {other!r}; {ENV_LOG_ID}={log_id!r} names another (set it back)",
            field=ENV_LOG_ID,
        )


_SET_POSITION = (
    update(audit_log).where(audit_log.c.audit_id == bindparam("k_audit_id"))
    .values(seq=bindparam("v_seq"), root_hash=bindparam("v_root"), signature=bindparam("v_signature"))
)


def integrate(connection: Connection, log_id: str, key: Ed25519PrivateKey, *, batch: int = SEQUENCE_BATCH) -> int:
    """Sequence every accepted record in acceptance order, signing a receipt for each; returns the count."""
    frontier = _read_state(connection, log_id)
    done = 0
    for _ in range(SEQUENCE_BATCHES_MAX):
        pending = connection.execute(
            select(audit_log.c.audit_id, audit_log.c.leaf).where(audit_log.c.seq.is_(None))
            .order_by(audit_log.c.audit_id).limit(batch)
        ).all()
        if not pending:
            break
        sequenced, frontier = sequence(log_id, frontier, [bytes(row.leaf) for row in pending], key)
        positions = [{"k_audit_id": row.audit_id, "v_seq": s.seq, "v_root": s.receipt.root_hash,
                      "v_signature": s.receipt.signature} for row, s in zip(pending, sequenced, strict=True)]  # fmt: skip
        connection.execute(_SET_POSITION, positions)  # one executemany per batch, not a statement per record
        done += len(pending)
    connection.execute(
        update(audit_log_state).where(audit_log_state.c.log_id == log_id)
        .values(tree_size=frontier.size, frontier=",".join(h.hex() for h in frontier.hashes))
    )
    return done


def publish(connection: Connection, log_id: str, business_date: date, key: Ed25519PrivateKey) -> SignedTreeHead:
    """Sequence what is pending and sign the head for `business_date`; publishing a date twice returns the first.

    A day on which nothing was logged gets its head too: the size and root of the day before, a new date.
    What was accepted since a date's head (a publish during the day, then more commands) is still
    sequenced and signed by the next publish of that date: a head is signed once, receipts every time.
    """
    integrate(connection, log_id, key)
    heads = load_heads(connection)
    existing = [h for h in heads if h.head.business_date == business_date]
    if existing:
        return existing[0]
    if heads and heads[-1].head.business_date > business_date:
        # It would cover more records than the later head: the verifier's "a log never shrinks" (a bad head).
        raise InvalidProof(f"the head of {heads[-1].head.business_date} is published; a head for an earlier "
                           f"date cannot follow it", field="date")  # fmt: skip
    frontier = _read_state(connection, log_id)
    head = publish_head(log_id, frontier, business_date, key, books_logged=books_logged(connection).marked)
    connection.execute(insert(audit_heads).values(
        tree_size=head.head.tree_size, business_date=business_date, log_id=log_id, root_hash=head.head.root_hash,
        key_id=head.key_id, signature=head.signature, books_logged=head.head.books_logged,
    ))
    return head


def load_heads(connection: Connection) -> list[SignedTreeHead]:
    """Every published head, oldest business date first (an idle day's head repeats the day before's size)."""
    heads, malformed = _stored_heads(connection)
    if malformed is not None:
        raise InvalidProof(malformed.detail, field="head")
    return heads


def _stored_heads(connection: Connection) -> tuple[list[SignedTreeHead], Finding | None]:
    """The heads, and a bad-head finding for the first row no head can be (edited in SQL)."""
    heads = []
    columns = [_raw(c) if c.name == "business_date" else c for c in audit_heads.c]
    for r in connection.execute(select(*columns).order_by(audit_heads.c.business_date)).mappings():
        try:
            head = TreeHead(r["log_id"], r["tree_size"], _stored_bytes(r["root_hash"]), _stored_date(r["business_date"]),
                            r["books_logged"])  # fmt: skip
        except InvalidProof as exc:
            return heads, Finding(Problem.BAD_HEAD, None, f"the head of {r['business_date']} is malformed: {exc}")
        heads.append(SignedTreeHead(head, r["key_id"], _stored_bytes(r["signature"])))
    return heads, None


# SQLite keeps a value of any type in any column: text in a DATE or an amount, a number in a BLOB. Edited
# rows are read through these so that they verify as tampered rows, not as a traceback from the reader.
def _raw(column: Any) -> Any:
    """A DATE column read as the database holds it (SQLAlchemy's own parsing raises on text no date is)."""
    return type_coerce(column, String).label(column.name)


def _stored_date(value: Any) -> Any:
    """A date read with `_raw`: PostgreSQL's driver gives a date, SQLite ISO text; other text stays text,
    which no record or head accepts as a date."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _stored_bytes(value: Any) -> bytes:
    """A BLOB column's bytes; empty for NULL or a value of another type (`bytes(n)` of a number n would be
    n zero bytes), so it fails to verify."""
    return bytes(value) if isinstance(value, bytes | bytearray | memoryview) else b""


def stored_records(connection: Connection, log_id: str) -> Iterator[StoredRecord]:
    query = select(audit_log.c.seq, audit_log.c.leaf, audit_log.c.leaf_hash, audit_log.c.root_hash,
                   audit_log.c.signature).where(audit_log.c.seq.is_not(None)).order_by(audit_log.c.seq)
    for row in connection.execute(query):
        # A root or signature cleared in SQL reads as empty: a receipt that does not verify, not a crash.
        root, signature = _stored_bytes(row.root_hash), _stored_bytes(row.signature)
        receipt = RecordReceipt(log_id, row.seq, _stored_bytes(row.leaf_hash), root, signature)
        yield StoredRecord(row.seq, _stored_bytes(row.leaf), receipt)


def pending_count(connection: Connection) -> int:
    return connection.execute(select(func.count()).select_from(audit_log).where(audit_log.c.seq.is_(None))).scalar_one()


def loan_event_record(
    event_id: str, loan_id: str, borrower_id: str, sequence_no: int, kind: str, effective_date: date,
    amount_minor: int | None, currency: str | None, reverses: str | None, data_json: str,
) -> LoanEventRecord:
    """The log record of a `loan_events` row, built from its columns; the verifier rebuilds it the same way."""
    amounts = () if amount_minor is None else (NamedAmount("amount", amount_minor, currency or ""),)
    if not isinstance(data_json, str):  # SQLite keeps a blob or a number in the text column
        raise InvalidRecord("an event's data is JSON text", field="data_json")
    digest = hashlib.sha256(data_json.encode("utf-8")).hexdigest()
    return LoanEventRecord(event_id, loan_id, borrower_id, sequence_no, effective_date, kind, amounts, reverses, digest)


def loan_event_records(loan_id: str, borrower_id: str, events: Iterable[LoanEvent]) -> list[LoanEventRecord]:
    """Records of events as `LoanRepository.add_events` stores them (same columns, same data JSON)."""
    return [
        loan_event_record(
            ev.event_id, loan_id, borrower_id, ev.sequence, str(ev.kind), ev.effective_date,
            None if ev.amount is None else ev.amount.minor, None if ev.amount is None else ev.amount.currency.code,
            ev.reverses, json.dumps(dict(ev.data), sort_keys=True),
        )
        for ev in events
    ]


def _journal_records_from_books(connection: Connection, only: str | None = None) -> dict[str, bytes]:
    """Every entry's record rebuilt from `journal_entries` and `postings` (or entry `only`'s)."""
    j, p = t.journal_entries.c, t.postings.c
    entries = select(j.entry_id, j.borrower_id, _raw(j.business_date), j.reference)
    query = select(p.entry_id, p.account, p.shard, p.loan_id, p.currency, p.amount_minor).order_by(p.entry_id, p.posting_id)
    if only is not None:
        entries, query = entries.where(j.entry_id == only), query.where(p.entry_id == only)
    heads = {r.entry_id: r for r in connection.execute(entries)}
    lines: dict[str, list[tuple]] = {entry_id: [] for entry_id in heads}
    for entry_id, *line in connection.execute(query):
        lines.setdefault(entry_id, []).append(tuple(line))
    out = {}
    for entry_id, head in heads.items():
        if not lines[entry_id]:  # every posting deleted: no record to rebuild, so the logged one reads as deleted
            continue
        out[entry_id] = _encoded(journal_record, entry_id, head.borrower_id, _stored_date(head.business_date),
                                 head.reference, lines[entry_id])  # fmt: skip
    return out


def _loan_event_records_from_books(connection: Connection, only: str | None = None) -> dict[str, bytes]:
    e = t.loan_events.c
    query = select(e.event_id, e.loan_id, e.borrower_id, e.sequence, e.kind, _raw(e.effective_date),
                   e.amount_minor, e.currency, e.reverses, e.data_json)
    if only is not None:
        query = query.where(e.event_id == only)
    return {
        r.event_id: _encoded(loan_event_record, r.event_id, r.loan_id, r.borrower_id, r.sequence, r.kind,
                             _stored_date(r.effective_date), r.amount_minor, r.currency, r.reverses, r.data_json)
        for r in connection.execute(query)
    }


# Rows edited into something no record can describe (a zero amount, an account in capitals, a negative
# shard) stand for themselves with this prefix: a canonical leaf is JSON, so it never equals one.
UNREPRESENTABLE = b"!unrepresentable: "


def _encoded(build: Callable[..., LogRecord], *columns: Any) -> bytes:
    """The leaf of the record `build` makes of a row's columns, or UNREPRESENTABLE and why. The builders
    and the records check every column's type (SQLite keeps text in an amount, a blob in the event's
    data): any other error is a bug, not a row to report."""
    try:
        return encode_record(build(*columns))
    except InvalidRecord as exc:
        return UNREPRESENTABLE + f"{exc.field}: {exc.message}".encode("ascii", "replace")


@dataclass(frozen=True, slots=True)
class DatabaseAudit:
    report: LogReport
    pending: int  # accepted, not yet sequenced: protected only once the next publish runs
    books_finding: Finding | None  # a logged record whose journal or loan-event rows no longer match
    unlogged: int  # journal entries and loan events with no record in the log

    @property
    def ok(self) -> bool:
        return self.report.ok and self.books_finding is None


def verify_database(connection: Connection, log_id: str, public_key: Ed25519PublicKey) -> DatabaseAudit:
    # Read so that writers committing meanwhile (PostgreSQL reads each statement afresh) cannot look like
    # tampering: heads before the records they cover, the books before the log records compared with them.
    heads, malformed = _stored_heads(connection)
    rows = list(stored_records(connection, log_id))
    report = LogReport(0, len(heads), EMPTY_ROOT, malformed) if malformed else verify_log(log_id, rows, heads, public_key)
    books = {"journal_entry": _journal_records_from_books(connection),
             "loan_event": _loan_event_records_from_books(connection)}
    logged = {tuple(r) for r in connection.execute(select(audit_log.c.record_type, audit_log.c.record_id))}
    books_finding = _compare_with_books(connection, books)
    unlogged = _unlogged(books, logged)
    in_full = books_logged(connection)
    if books_finding is None and unlogged and in_full.in_full:
        kind, record_id = unlogged[0]
        books_finding = Finding(Problem.DELETED, None, f"{kind} {record_id} is in the books but its log record "
                                                       f"is gone (deleted before or after it was sequenced)")  # fmt: skip
    # A signed head saying the books were logged in full outweighs the database's own mark, which SQL can delete.
    if books_finding is None and in_full.signed_on is not None and not in_full.marked:
        books_finding = Finding(Problem.DELETED, None, f"the head of {in_full.signed_on} is signed for books logged in "
                                                       f"full, but the database's mark of it (audit_books_logged) is gone")  # fmt: skip
    return DatabaseAudit(report, pending_count(connection), books_finding, len(unlogged))


def _compare_with_books(connection: Connection, books: dict[str, dict[str, bytes]]) -> Finding | None:
    query = select(audit_log.c.record_type, audit_log.c.record_id, audit_log.c.seq, audit_log.c.leaf).order_by(
        audit_log.c.seq.is_(None), audit_log.c.seq, audit_log.c.audit_id)
    for row in connection.execute(query):
        source = books.get(row.record_type, {}).get(row.record_id)
        if source is None:  # or written after the books were read: look again at that one row
            source = _books_record(connection, row.record_type, row.record_id)
        if source is None:
            return Finding(Problem.DELETED, row.seq, f"{row.record_type} {row.record_id} is logged but gone from the books")
        if source.startswith(UNREPRESENTABLE):
            why = source.removeprefix(UNREPRESENTABLE).decode("ascii")
            return Finding(Problem.ALTERED, row.seq, f"{row.record_type} {row.record_id} in the books differs from its "
                                                     f"log record: no record can hold it ({why})")  # fmt: skip
        if source != _stored_bytes(row.leaf):
            return Finding(Problem.ALTERED, row.seq, f"{row.record_type} {row.record_id} in the books differs from its log record")
    return None


def _books_record(connection: Connection, record_type: str, record_id: str) -> bytes | None:
    if record_type == JournalEntryRecord.KIND:
        return _journal_records_from_books(connection, record_id).get(record_id)
    if record_type == LoanEventRecord.KIND:
        return _loan_event_records_from_books(connection, record_id).get(record_id)
    return None


def _tree_up_to(connection: Connection, size: int) -> tuple[MerkleTree, list[tuple[int, bytes]]]:
    tree = MerkleTree()
    rows = []
    query = select(audit_log.c.seq, audit_log.c.leaf).where(audit_log.c.seq < size).order_by(audit_log.c.seq)
    for row in connection.execute(query):
        if row.seq != tree.size:
            raise InvalidProof(f"record {tree.size} is missing from the log; run creditline audit verify", field="seq")
        tree.append(bytes(row.leaf))
        rows.append((row.seq, bytes(row.leaf)))
    if tree.size != size:
        raise InvalidProof(f"the log holds {tree.size} records, fewer than the head's {size}", field="tree_size")
    return tree, rows


def _head_on(connection: Connection, on: date | None) -> SignedTreeHead:
    heads = load_heads(connection)
    chosen = [h for h in heads if on is None or h.head.business_date == on]
    if not chosen:
        raise InvalidProof(f"no tree head published for {on or 'any date'}", field="date")
    return chosen[-1]


def prove_loan(connection: Connection, loan_id: str, on: date | None = None) -> InclusionBundle:
    """Inclusion proofs of every record that names `loan_id`, against the head of `on` (default: latest)."""
    head = _head_on(connection, on)
    tree, rows = _tree_up_to(connection, head.head.tree_size)
    needle = f'"loan_id":"{loan_id}"'.encode()
    mine = [(seq, leaf) for seq, leaf in rows if needle in leaf]
    if not mine:
        raise InvalidProof(f"no record of loan {loan_id} in the head of {head.head.business_date}", field="loan")
    return prove_inclusion(tree, head, mine)


def prove_between(connection: Connection, old: date, new: date) -> ConsistencyBundle:
    if old > new:  # named by the caller's own option, not the tree sizes it would have led to
        raise InvalidProof(f"{old} is after {new}: a log is proved consistent with a later one", field="from")
    old_head, new_head = _head_on(connection, old), _head_on(connection, new)
    tree, _ = _tree_up_to(connection, new_head.head.tree_size)
    return prove_consistency(tree, old_head, new_head)
