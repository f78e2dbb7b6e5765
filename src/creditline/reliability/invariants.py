"""What must hold in the books at every instant, checked against a live database.

`check_books(engine)` reads one consistent snapshot (REPEATABLE READ on PostgreSQL; a deferred
transaction on SQLite, whose WAL gives the same) and returns every anomaly it finds, each with a
stable `kind`. It never writes, so it can run while clients and end of day are busy:

* the journal balances per currency and per entry, every entry has postings, each posting carries its
  entry's borrower, and the running account balances equal the sum of the postings;
* no loan or line balance is negative; no reservation is left pending (a drawdown reserves and
  books its amount in one transaction, so a pending one would be half applied); a line's
  outstanding principal equals the sum over its loans, and lines are over their limit only after a
  reversal (which is allowed to reclaim principal that was already lent) or after their limit was
  cut or a temporary limit given (a cut, by an operator or the limit review, calls nothing back);
* every idempotency record's effect exists, and every money event is explained by exactly one
  idempotency record or auto-debit attempt (a key that took effect twice leaves an unexplained one);
  every disbursement and repayment has its journal entry, every entry about an event has the event;
  a credit refund's key names its events and its one entry, which books exactly those events;
* end of day: the business date is the last run's date, the daily accruals are posted once per
  date and product, and auto-debits are booked once;
* deep: every loan equals the replay of its events, and the journal rebuilds every loan
  (`app.books`); with a public key, the tamper-evident log verifies.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, inspect, text

ANOMALIES_PER_CHECK_MAX = 20
LOAN_COMMAND_SCOPES = ("draw", "repay", "prepay", "reverse", "waive", "reage", "write-off")
KEYED_EVENT_KINDS = ("disbursement", "repayment", "reversal", "prepayment-reamortise", "credit-refund")
REFUND_SCOPE = "refund-credit"  # app.credit_refunds: one key, its events (one a loan) and one entry
BOOKED_EVENT_KINDS = ("disbursement", "repayment")  # always move money, so always have an entry


@dataclass(frozen=True, slots=True)
class Anomaly:
    kind: str  # stable: journal_unbalanced, negative_balance, effect_without_key, ...
    detail: str


@dataclass(frozen=True, slots=True)
class BooksReport:
    anomalies: tuple[Anomaly, ...]
    counts: dict[str, int] = field(default_factory=dict)  # loans, entries, events, keys checked

    @property
    def ok(self) -> bool:
        return not self.anomalies

    def kinds(self) -> Counter[str]:
        return Counter(a.kind for a in self.anomalies)


def check_books(
    engine: Engine, *, deep: bool = True, quiescent: bool = False, public_key: Any = None, log_id: str = "creditline"
) -> BooksReport:
    """Every invariant above. `quiescent`: nothing is running (no end of day half done), so auto-debits
    still pending are an anomaly too. `public_key` (Ed25519): also verify the tamper-evident log."""
    anomalies: list[Anomaly] = []
    with snapshot(engine) as connection:
        tables = set(inspect(connection).get_table_names())
        for check in SQL_CHECKS:
            anomalies.extend(check(connection, tables)[:ANOMALIES_PER_CHECK_MAX])
        if quiescent and "debit_attempts" in tables:
            anomalies.extend(_unresolved_debits(connection))
        if public_key is not None:
            anomalies.extend(_audit_log(connection, log_id, public_key))
        counts = _counts(connection)
    if deep:
        anomalies.extend(_replay_and_reconcile(engine))
    return BooksReport(tuple(anomalies), counts)


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """One read-only transaction seeing one instant of the database."""
    chosen = engine.execution_options(isolation_level="REPEATABLE READ") if engine.dialect.name == "postgresql" else engine
    # read_only: the SQLite engine then starts a deferred transaction, not BEGIN IMMEDIATE (store.engine)
    with chosen.connect().execution_options(read_only=True) as connection, connection.begin():
        yield connection


def _rows(connection: Connection, sql: str, **params: Any) -> list[Any]:
    return list(connection.execute(text(sql), params))


# -- the journal --------------------------------------------------------------------------------------


def _journal_per_currency(connection: Connection, tables: set[str]) -> list[Anomaly]:
    sums = _rows(connection, "SELECT currency, SUM(amount_minor) FROM postings GROUP BY currency")
    return [Anomaly("journal_unbalanced", f"{code}: debits exceed credits by {total} minor units")
            for code, total in sums if total]  # fmt: skip


def _entries_unbalanced(connection: Connection, tables: set[str]) -> list[Anomaly]:
    sql = ("SELECT entry_id, currency, SUM(amount_minor) FROM postings GROUP BY entry_id, currency "
           "HAVING SUM(amount_minor) <> 0 ORDER BY entry_id")  # fmt: skip
    return [Anomaly("entry_unbalanced", f"{e} {c}: {int(s):+d}") for e, c, s in _rows(connection, sql)]


def _entries_without_postings(connection: Connection, tables: set[str]) -> list[Anomaly]:
    sql = ("SELECT e.entry_id FROM journal_entries e WHERE NOT EXISTS "
           "(SELECT 1 FROM postings p WHERE p.entry_id = e.entry_id) ORDER BY e.entry_id")  # fmt: skip
    return [Anomaly("entry_without_postings", entry_id) for (entry_id,) in _rows(connection, sql)]


def _postings_borrower(connection: Connection, tables: set[str]) -> list[Anomaly]:
    """A posting carries its entry's borrower (the shard key; both empty on entries spanning borrowers):
    a query or a distributed database that goes by the postings' borrower must find every one."""
    sql = ("SELECT p.entry_id, p.borrower_id, e.borrower_id FROM postings p JOIN journal_entries e "
           "ON e.entry_id = p.entry_id WHERE COALESCE(p.borrower_id, '') <> COALESCE(e.borrower_id, '') "
           "ORDER BY p.entry_id")  # fmt: skip
    return [Anomaly("posting_borrower_differs", f"{entry}: posting {posted!r}, entry {kept!r}")
            for entry, posted, kept in _rows(connection, sql)]  # fmt: skip


def _balances_match_postings(connection: Connection, tables: set[str]) -> list[Anomaly]:
    posted: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    sql = ("SELECT account, shard, currency, SUM(CASE WHEN amount_minor > 0 THEN amount_minor ELSE 0 END), "
           "SUM(CASE WHEN amount_minor < 0 THEN -amount_minor ELSE 0 END) FROM postings GROUP BY account, shard, currency")
    for account, shard, code, debit, credit in _rows(connection, sql):
        posted[(account, shard, code)] = [int(debit), int(credit)]
    kept = {(a, s, c): [int(d), int(cr)] for a, s, c, d, cr in
            _rows(connection, "SELECT account, shard, currency, debit_minor, credit_minor FROM account_balances")}
    return [
        Anomaly("balance_differs_from_postings", f"{key}: balance {kept.get(key, [0, 0])}, postings {posted.get(key, [0, 0])}")
        for key in sorted(set(posted) | set(kept))
        if posted.get(key, [0, 0]) != kept.get(key, [0, 0])
    ]


def _events_and_entries(connection: Connection, tables: set[str]) -> list[Anomaly]:
    """Money events have their entry (the same transaction wrote both); entries name existing events.
    Matched in memory: the reference column has no index, and a join on it is quadratic."""
    events = dict(_rows(connection, "SELECT event_id, kind FROM loan_events"))
    entries = _rows(connection, "SELECT reference, entry_id FROM journal_entries WHERE reference LIKE 'loan-event:%'")
    referenced, times = dict(entries), Counter(reference for reference, _ in entries)
    named = {reference.removeprefix("loan-event:") for reference in referenced}
    no_start = _rows(connection, "SELECT l.loan_id FROM loans l WHERE NOT EXISTS (SELECT 1 FROM loan_events v "
                                 "WHERE v.loan_id = l.loan_id AND v.kind = 'disbursement')")  # fmt: skip
    return (
        [Anomaly("event_without_entry", e) for e, kind in sorted(events.items()) if kind in BOOKED_EVENT_KINDS and e not in named]
        + [Anomaly("entry_for_missing_event", f"{entry} -> {reference}") for reference, entry in sorted(referenced.items())
           if reference.removeprefix("loan-event:") not in events]
        + [Anomaly("loan_without_disbursement", loan_id) for (loan_id,) in no_start]
        + [Anomaly("event_booked_twice", f"{reference}: {n} entries") for reference, n in sorted(times.items()) if n > 1]
    )  # fmt: skip


# -- loans and lines ---------------------------------------------------------------------------------


def _negative_balances(connection: Connection, tables: set[str]) -> list[Anomaly]:
    columns = ("principal_outstanding_minor", "interest_receivable_minor", "penalty_receivable_minor",
               "fee_receivable_minor", "credit_balance_minor")  # fmt: skip
    loans = _rows(connection, f"SELECT loan_id, {', '.join(columns)} FROM loans WHERE "
                              + " OR ".join(f"{c} < 0" for c in columns))  # fmt: skip
    lines = _rows(connection, "SELECT line_id, limit_minor, outstanding_principal_minor, pending_drawdowns_minor "
                              "FROM credit_lines WHERE limit_minor < 0 OR outstanding_principal_minor < 0 "
                              "OR pending_drawdowns_minor < 0")  # fmt: skip
    return [Anomaly("negative_balance", f"loan {r[0]}: {dict(zip(columns, r[1:], strict=True))}") for r in loans] + [
        Anomaly("negative_balance", f"line {r[0]}: limit {r[1]}, outstanding {r[2]}, pending {r[3]}") for r in lines
    ]


def _lines(connection: Connection, tables: set[str]) -> list[Anomaly]:
    sql = ("SELECT c.line_id, c.limit_minor, c.temp_limit_minor, c.outstanding_principal_minor, "
           "c.pending_drawdowns_minor, "
           "(SELECT COALESCE(SUM(l.principal_outstanding_minor), 0) FROM loans l WHERE l.line_id = c.line_id), "
           "(SELECT COUNT(*) FROM loans l JOIN loan_events v ON v.loan_id = l.loan_id "
           " WHERE l.line_id = c.line_id AND v.kind = 'reversal') "
           "FROM credit_lines c ORDER BY c.line_id")  # fmt: skip
    found = []
    cut = _lines_cut(connection, tables)
    for line_id, limit, temp, outstanding, pending, principal, reversals in _rows(connection, sql):
        ceiling = max(limit, temp or 0)
        if pending:
            found.append(Anomaly("pending_reservation", f"line {line_id}: {pending} reserved and never booked"))
        if outstanding != principal:
            found.append(Anomaly("line_outstanding_mismatch", f"line {line_id}: {outstanding} vs loans {principal}"))
        if outstanding + pending > ceiling and not reversals and line_id not in cut:
            found.append(Anomaly("over_limit", f"line {line_id}: {outstanding} + {pending} over the limit {ceiling}"))
    return found


def _lines_cut(connection: Connection, tables: set[str]) -> set[str]:
    """Lines whose limit was ever lowered, or that had a temporary limit (it lapses)."""
    if "line_changes" not in tables:
        return set()
    changes = _rows(connection, "SELECT line_id, what, old_value, new_value FROM line_changes "
                                "WHERE what IN ('limit', 'temp_limit')")  # fmt: skip
    return {line_id for line_id, what, old, new in changes if what == "temp_limit" or Decimal(new) < Decimal(old)}


# -- idempotency ------------------------------------------------------------------------------------


def _keys_and_effects(connection: Connection, tables: set[str]) -> list[Anomaly]:
    """Every recorded key names an event that exists; every money event is named exactly once."""
    scopes = ", ".join(f"'{s}'" for s in (*LOAN_COMMAND_SCOPES, REFUND_SCOPE))
    named: Counter[str] = Counter()
    keyed: set[tuple[str, str]] = set()
    for _scope, key, result in _rows(connection, f"SELECT scope, client_key, result_json FROM idempotency_keys "
                                               f"WHERE scope IN ({scopes})"):  # fmt: skip
        for event_id in _named_events(json.loads(result)):
            named[event_id] += 1
            keyed.add((key, event_id))
    if "debit_attempts" in tables:
        attempts = _rows(connection, "SELECT attempt_key, event_id FROM debit_attempts WHERE event_id IS NOT NULL")
        for key, event_id in attempts:
            if (key, event_id) not in keyed:  # the per-loan path repays under the attempt's own key: one name
                named[event_id] += 1
    kinds = ", ".join(f"'{k}'" for k in KEYED_EVENT_KINDS)
    events = {e: k for e, k in _rows(connection, f"SELECT event_id, kind FROM loan_events WHERE kind IN ({kinds})")}
    all_events = {e for (e,) in _rows(connection, "SELECT event_id FROM loan_events")}
    missing = [Anomaly("key_effect_missing", f"event {e} named by a key is not in loan_events")
               for e in sorted(named) if e not in all_events]  # fmt: skip
    unexplained = [Anomaly("effect_without_key", f"{kind} {e}") for e, kind in sorted(events.items()) if named[e] == 0]
    twice = [Anomaly("effect_named_twice", f"event {e} is named by {n} keys or attempts")
             for e, n in sorted(named.items()) if n > 1]  # fmt: skip
    return missing + unexplained + twice


def _named_events(result: dict[str, Any]) -> list[str]:
    """The events a command's first result names: a loan command's one, a credit refund's one a loan."""
    if result.get("event_id"):
        return [result["event_id"]]
    return [str(part["event_id"]) for part in result.get("loans", ()) if isinstance(part, dict) and part.get("event_id")]


def _refunds_and_entries(connection: Connection, tables: set[str]) -> list[Anomaly]:
    """A credit refund's key names its events and its one entry (written in one transaction): the entry
    exists, carries the key, and debits each loan's `borrower_credit` by exactly that loan's event; every
    refund entry is named by one key. (That each event is named once is `_keys_and_effects`'.)"""
    from creditline.app.idempotency import journal_key

    entries = dict(_rows(connection, "SELECT entry_id, idempotency_key FROM journal_entries "
                                     "WHERE reference LIKE 'borrower-credit:%'"))  # fmt: skip
    booked: dict[str, dict[str, int]] = defaultdict(dict)
    for entry_id, loan_id, minor in _rows(connection, "SELECT p.entry_id, p.loan_id, p.amount_minor FROM postings p "
                                                      "JOIN journal_entries j ON j.entry_id = p.entry_id WHERE "
                                                      "j.reference LIKE 'borrower-credit:%' AND p.account = 'borrower_credit'"):  # fmt: skip
        booked[entry_id][loan_id] = booked[entry_id].get(loan_id, 0) + int(minor)
    events = {e: (loan_id, int(minor)) for e, loan_id, minor in
              _rows(connection, "SELECT event_id, loan_id, amount_minor FROM loan_events WHERE kind = 'credit-refund'")}  # fmt: skip
    found, naming = [], Counter[str]()
    for key, result_json in _rows(connection, "SELECT client_key, result_json FROM idempotency_keys WHERE scope = :scope",
                                  scope=REFUND_SCOPE):  # fmt: skip
        result = json.loads(result_json)
        entry_id = str(result.get("entry_id"))
        naming[entry_id] += 1
        refunded = {events[e][0]: events[e][1] for e in _named_events(result) if e in events}
        if entry_id not in entries:
            found += [Anomaly("event_without_entry", f"credit-refund {e} (key {key!r}): its entry {entry_id} is not "
                                                     "in the journal") for e in _named_events(result)]  # fmt: skip
        elif entries[entry_id] != journal_key(REFUND_SCOPE, key):
            found.append(Anomaly("refund_entry_differs", f"{entry_id}: keyed {entries[entry_id]!r}, the refund's key {key!r}"))
        elif booked[entry_id] != refunded:
            found.append(Anomaly("refund_entry_differs", f"{entry_id} (key {key!r}) debits {dict(sorted(booked[entry_id].items()))}, "
                                                         f"its events refund {dict(sorted(refunded.items()))}"))  # fmt: skip
    found += [Anomaly("entry_for_missing_event", f"credit refund {e}: named by no refund key") for e in sorted(entries)
              if naming[e] == 0]  # fmt: skip
    found += [Anomaly("effect_named_twice", f"credit refund {e} is named by {n} keys") for e, n in sorted(naming.items()) if n > 1]
    return found


# -- end of day -------------------------------------------------------------------------------------


def _end_of_day(connection: Connection, tables: set[str]) -> list[Anomaly]:
    found = []
    (today,) = _rows(connection, "SELECT business_date FROM business_calendar")[0]
    last = _rows(connection, "SELECT MAX(run_date) FROM eod_runs")[0][0]
    if last is not None and str(last) != str(today):
        found.append(Anomaly("business_date_without_run", f"business date {today}, last end of day {last}"))
    twice = _rows(connection, "SELECT reference, COUNT(*) FROM journal_entries WHERE reference LIKE 'eod:%' "
                              "GROUP BY reference HAVING COUNT(*) > 1")  # fmt: skip
    found += [Anomaly("accrual_posted_twice", f"{r} posted {n} times") for r, n in twice]
    if "debit_attempts" in tables:
        doubled = _rows(connection, "SELECT event_id, COUNT(*) FROM debit_attempts WHERE event_id IS NOT NULL "
                                    "GROUP BY event_id HAVING COUNT(*) > 1")  # fmt: skip
        found += [Anomaly("debit_booked_twice", f"event {e} booked by {n} attempts") for e, n in doubled]
        differ = _rows(connection, "SELECT a.attempt_key, a.debited_minor, v.amount_minor FROM debit_attempts a "
                                   "JOIN loan_events v ON v.event_id = a.event_id WHERE v.amount_minor <> a.debited_minor")
        found += [Anomaly("debit_amount_differs", f"{k}: debited {d}, booked {b}") for k, d, b in differ]
    return found


def _unresolved_debits(connection: Connection) -> list[Anomaly]:
    rows = _rows(connection, "SELECT attempt_key, outcome, applied FROM debit_attempts WHERE outcome IN "
                             "('pending', 'unknown') OR (outcome IN ('succeeded', 'partial') AND applied = 0)")  # fmt: skip
    return [Anomaly("debit_unresolved", f"{k}: {o}, applied {a}") for k, o, a in rows[:ANOMALIES_PER_CHECK_MAX]]


SQL_CHECKS: tuple[Callable[[Connection, set[str]], list[Anomaly]], ...] = (
    _journal_per_currency,
    _entries_unbalanced,
    _entries_without_postings,
    _postings_borrower,
    _balances_match_postings,
    _events_and_entries,
    _negative_balances,
    _lines,
    _keys_and_effects,
    _refunds_and_entries,
    _end_of_day,
)


# -- deep: replay, reconciliation, the log --------------------------------------------------------


def _replay_and_reconcile(engine: Engine) -> list[Anomaly]:
    from creditline.app.books import reconcile_books, snapshot_differences

    consistent = engine.execution_options(isolation_level="REPEATABLE READ") if engine.dialect.name == "postgresql" else engine
    report = reconcile_books(consistent)
    found = [Anomaly("loan_differs_from_journal", f"{m.loan_id} {m.field}: journal {m.journal_minor}, loan {m.loan_minor}")
             for m in report.mismatches[:ANOMALIES_PER_CHECK_MAX]]  # fmt: skip
    found += [Anomaly("accrual_control_differs", f"{a} {c}: GL {g}, loans {s}") for a, c, g, s in report.control_differences]
    if not report.trial_balance_balanced:
        found.append(Anomaly("trial_balance_unbalanced", "debits and credits differ"))
    found += [Anomaly("loan_differs_from_replay", d) for d in snapshot_differences(consistent, ANOMALIES_PER_CHECK_MAX)]
    return found


def _audit_log(connection: Connection, log_id: str, public_key: Any) -> list[Anomaly]:
    from creditline.errors import DomainError
    from creditline.store.audit_log import verify_database

    try:
        audit = verify_database(connection, log_id, public_key)
    except DomainError as exc:  # books too broken to rebuild a record from: still an answer, not a crash
        return [Anomaly("audit_log_tampered", f"the verifier could not rebuild a record: {exc}")]
    finding = audit.report.finding or audit.books_finding
    if finding is None:
        return []
    where = "" if finding.seq is None else f"record {finding.seq} "  # a deleted pending record has no position
    return [Anomaly("audit_log_tampered", f"{where}{finding.problem}: {finding.detail}")]


def _counts(connection: Connection) -> dict[str, int]:
    queries = {"loans": "SELECT COUNT(*) FROM loans", "lines": "SELECT COUNT(*) FROM credit_lines",
               "journal_entries": "SELECT COUNT(*) FROM journal_entries", "loan_events": "SELECT COUNT(*) FROM loan_events",
               "idempotency_keys": "SELECT COUNT(*) FROM idempotency_keys", "eod_runs": "SELECT COUNT(*) FROM eod_runs"}  # fmt: skip
    return {name: int(_rows(connection, sql)[0][0]) for name, sql in queries.items()}
