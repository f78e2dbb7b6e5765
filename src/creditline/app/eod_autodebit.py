"""The auto-debit stages: collect what is due through the payment gateway, never twice.

Each round of the day runs four idempotent steps, each in its own transactions:

1. **plan** (one transaction): an outbox row per loan to debit, with its deterministic key
   (`ad:<loan>:<date>:<round>`, and `:<source>` when the borrower linked repayment sources), amount
   and minimum, outcome `pending` — before any money moves;
2. **send** (a transaction per page): pending rows go to `gateway.debit`; outcomes are recorded;
   a timeout is recorded as `unknown`;
3. **resolve**: `unknown` rows are looked up (`gateway.lookup`); a key the gateway never executed
   becomes `not_executed` (the next round or day may try again, with a new key);
4. **apply** (a transaction per page): money that moved reaches the loan — set-based when it covers
   exactly what is due (`servicing.autodebit.settle_in_full`), otherwise per loan through
   `app.loans.repay` under the attempt's key (which replays the loan). The attempt is marked
   applied in the same transaction as (batch) or right after, idempotently (replay), the repayment.

A round asks each loan's first repayment source; what it could not pay (short of funds, a partial
debit, a declined mandate) is asked of the next source in the borrower's priority order, as a leg
of its own (plan, send, resolve, apply; `source_rank` 2, 3, ...), for what the loan owes after the
money already collected is on it — so the sources together never take more than is due. Which loans
are asked on a day follows the policy, timed by the borrower's payday inside grace
(`servicing.debit_timing`, `app.eod_autodebit_sources`). The stage ends by matching the day's
attempts against the simulated bank's statement (`app.debit_reconciliation`).

A run killed anywhere leaves rows `pending`, `unknown`, or moved-but-unapplied. Every run of the
stage starts by reconciling: it looks pending and unknown rows up before anything is sent again,
and applies what moved; the gateway's own idempotency per key is the second line of defence. So a
borrower is never debited twice and a repayment never booked twice.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import Engine

from creditline.app.eod_stages import EodContext, StageResult
from creditline.store import UnitOfWork

PAGE_ENV = "CREDITLINE_DEBIT_PAGE"  # attempts per page sent and applied (small pages: more restart points)
PAGE_DEFAULT = 5_000
PAGES_MAX = 100_000  # a bound on every paging loop: 500 million attempts a day is a stuck loop


def page_size() -> int:
    import os

    return max(int(os.environ.get(PAGE_ENV, "") or PAGE_DEFAULT), 1)


def collect_debits(engine: Engine, business_date: date, context: EodContext) -> StageResult:
    """Reconcile what a killed run left open, then every round of the day: plan, send, resolve, apply —
    each round through the borrowers' repayment sources in priority order; then check the day's
    attempts against the bank's statement."""
    from creditline.app.eod_autodebit_sources import Borrowers, learn_paydays
    from creditline.app.failed_debit_days import attempts_written
    from creditline.store.eod_io import refresh_statistics
    from creditline.store.tables_servicing_debits import OPEN_OUTCOMES, DebitAttemptRepository

    if engine.dialect.name == "postgresql":  # the day's reads plan on current statistics (store.eod_io)
        with UnitOfWork(engine) as uow:
            refresh_statistics(uow.connection, ("loans",))
            uow.commit()
    attempts_written(engine)  # a long batch's memory of failed days reads today's attempts again
    with UnitOfWork(engine, read_only=True) as uow:
        open_rows = DebitAttemptRepository(uow.connection).with_outcome(OPEN_OUTCOMES)
    reconciled = _resolve(engine, context, open_rows, stale_before=business_date) if open_rows else {}
    _apply_moved(engine, context)
    policy = context.debit_policy
    learned = learn_paydays(engine, business_date) if policy.timing == "payday" else 0
    borrowers = Borrowers.load(engine)
    ranks = min(policy.sources_per_round, borrowers.ranks_max())
    for round_no in range(1, policy.rounds_per_day + 1):
        planned = _plan(engine, business_date, round_no, 1, context, borrowers)
        if planned == 0:
            # Nothing to ask for in this round, and none of its rows exist (a restarted run finds the round
            # planned: -1), so nothing of it is pending or unapplied; a later round only retries this one's.
            break
        _collect_leg(engine, business_date, round_no, context)
        for rank in range(2, ranks + 1):
            if _plan(engine, business_date, round_no, rank, context, borrowers) == 0:
                break  # every loan the previous source could not settle has no further source
            _collect_leg(engine, business_date, round_no, context)
    with UnitOfWork(engine, read_only=True) as uow:
        summary = DebitAttemptRepository(uow.connection).day_summary(business_date)
    summary |= {"policy": policy.key, "reconciled_at_start": reconciled, "paydays_learned": learned}
    summary |= _statement_check(engine, business_date, context)
    outcomes = summary["outcomes"]
    message = (
        f"{summary['attempts']} debit attempts: {outcomes.get('succeeded', 0)} paid, {outcomes.get('partial', 0)} "
        f"partly, {outcomes.get('insufficient_funds', 0)} short of funds, {outcomes.get('declined', 0)} declined, "
        f"{outcomes.get('not_executed', 0)} lost"
    )
    if summary["sources_declined"]:
        message += f"; {summary['sources_declined']} source(s) declined (not asked again today)"
    if "statement_breaks" in summary:
        message += f"; {summary['statement_breaks']} break(s) against the bank's statement"
    return StageResult("auto-debit", summary, message)


def _collect_leg(engine: Engine, business_date: date, round_no: int, context: EodContext) -> None:
    """Send what is pending in the round, look up lost answers, put the money on the loans."""
    from creditline.store.tables_servicing_debits import DebitAttemptRepository

    sent = _send(engine, business_date, round_no, context)
    if sent.unknown:  # the day's open rows were resolved before: only this send can have left `unknown` ones
        with UnitOfWork(engine, read_only=True) as uow:
            unknown = DebitAttemptRepository(uow.connection).with_outcome(("unknown",), business_date=business_date)
        if unknown:
            _resolve(engine, context, unknown, stale_before=business_date)
    _apply_moved(engine, context)


def bank_books_here(engine: Engine, gateway: Any) -> bool:
    """Whether the gateway is the simulated bank keeping its books (its statement) in this database."""
    from creditline.servicing.bank_simulator import SimulatedBank
    from creditline.store.tables_servicing_bank import SqlBankBook

    if not (isinstance(gateway, SimulatedBank) and isinstance(gateway.book, SqlBankBook)):
        return False
    return bool(gateway.book.engine.url == engine.url)


def _statement_check(engine: Engine, business_date: date, context: EodContext) -> dict[str, Any]:
    """The day's attempts against the simulated bank's statement, when the bank keeps its books here."""
    from creditline.app.debit_reconciliation import reconcile_debits

    if not bank_books_here(engine, context.gateway):
        return {}
    report = reconcile_debits(engine, business_date)
    return {"statement_breaks": report["breaks_total"], "statement_lines": report["statement_lines"]}


# -- 1. plan ------------------------------------------------------------------------------------------


def _plan(engine: Engine, business_date: date, round_no: int, rank: int, context: EodContext, borrowers: Any) -> int:
    """One transaction: the attempts of the round's `rank`-th source; -1 when an earlier (killed) run
    planned them already."""
    from creditline.app.eod_autodebit_sources import declined_before, leg_candidates, leg_planned
    from creditline.store.tables_servicing_debits import DebitAttemptRepository, due_loans

    policy = context.debit_policy
    statuses = ("active", "overdue", "charged-off") if policy.collect_charged_off else ("active", "overdue")
    if leg_planned(engine, business_date, round_no, rank):
        return -1
    only = leg_candidates(engine, business_date, round_no, rank)
    if only is not None and not only:
        return 0
    with UnitOfWork(engine) as uow:
        attempts = DebitAttemptRepository(uow.connection)
        # A later round's first leg reads the day's attempts (whom to retry, and which sources declined);
        # its other legs need only the declined sources, read as such (a page of the day's outbox each).
        earlier = attempts.of_day(business_date) if round_no > 1 and rank == 1 else []
        declined = declined_before(earlier, round_no) if rank == 1 else attempts.declined_sources(business_date, round_no)
        candidates = due_loans(uow.connection, business_date, statuses)
        if only is not None:
            candidates = [row for row in candidates if row[0] in only]
        rows = _attempt_rows(candidates, earlier, declined, business_date, (round_no, rank), context, borrowers)
        attempts.add(rows)
        uow.commit()
    context.progress("auto-debit", 0, len(rows))
    return len(rows)


def _attempt_rows(candidates: list[Any], earlier: list[dict[str, Any]], declined: frozenset[tuple[str, str]],
                  business_date: date, leg: tuple[int, int], context: EodContext, borrowers: Any) -> list[dict[str, Any]]:
    """The leg's outbox rows: what each loan owes now (after what earlier legs collected), from its
    `rank`-th source. A later leg asks only loans already asked today, so timing is the first leg's."""
    from creditline.app.eod_autodebit_sources import wanted_today
    from creditline.money import currency
    from creditline.servicing.autodebit import attempt_key

    if not candidates:
        return []
    round_no, rank = leg
    policy = context.debit_policy
    due = _amounts_due(candidates, business_date)
    days = np.fromiter((row[4] for row in candidates), dtype=np.int64, count=len(candidates))
    if rank == 1:
        paydays = borrowers.payday_array([row[1] for row in candidates])
        wanted = wanted_today(policy, business_date, days, paydays) & (due > 0)
    else:
        wanted = due > 0
    retry = _retry_loans(earlier, round_no) if rank == 1 else None
    minimums: dict[str, int | None] = {}
    rows = []
    for i in np.flatnonzero(wanted).tolist():
        loan_id, borrower_id, code = candidates[i][0], candidates[i][1], candidates[i][2]
        if retry is not None and loan_id not in retry:
            continue
        source = borrowers.source(borrower_id, rank, declined)
        if source is None:
            continue
        if code not in minimums:
            minimum = policy.minimum(currency(code))
            minimums[code] = None if minimum is None else minimum.minor
        low = minimums[code]
        rows.append({
            "attempt_key": attempt_key(loan_id, business_date, round_no, source[0]), "loan_id": loan_id,
            "borrower_id": borrower_id, "business_date": business_date, "round": round_no, "currency": code,
            "requested_minor": int(due[i]), "partial_min_minor": None if low is None else min(low, int(due[i])),
            "days_past_due": int(days[i]), "policy": policy.key, "outcome": "pending", "debited_minor": 0,
            "gateway_ref": None, "applied": 0, "applied_path": None, "event_id": None,
            "source_id": source[0], "source_rank": rank,
        })  # fmt: skip
    return rows


def _retry_loans(earlier: list[dict[str, Any]], round_no: int) -> set[str] | None:
    """Round 1 asks every loan that owes; later rounds only those the previous round did not settle."""
    if round_no == 1:
        return None
    return {
        row["loan_id"]
        for row in earlier
        if row["round"] == round_no - 1 and row["outcome"] in ("insufficient_funds", "partial", "not_executed")
    }


def _amounts_due(candidates: list[Any], business_date: date) -> np.ndarray:
    from creditline.servicing.autodebit import amounts_due

    rows = installment_rows([row[6] for row in candidates], [row[7] for row in candidates])
    penalty = np.fromiter((row[5] for row in candidates), dtype=np.int64, count=len(candidates))
    return amounts_due(rows, penalty, business_date).total_minor


def installment_rows(counts: list[int], blobs: list[bytes]) -> Any:
    """The snapshot's installment rows (store.accrual_columns' blob layout) as ragged arrays."""
    from creditline.servicing.autodebit import DueRows
    from creditline.store.accrual_columns import ROW_DTYPE

    n = np.array(counts, dtype=np.int64)
    offsets = np.zeros(len(n) + 1, dtype=np.int64)
    np.cumsum(n, out=offsets[1:])
    packed = np.frombuffer(b"".join(blobs), dtype=ROW_DTYPE)
    loan_of_row = np.repeat(np.arange(len(n), dtype=np.int64), n)
    within = np.arange(int(offsets[-1]), dtype=np.int64) - offsets[:-1][loan_of_row]
    base = 3 * offsets[:-1][loan_of_row]
    count = n[loan_of_row]
    return DueRows(offsets, packed[base + within], packed[base + count + within], packed[base + 2 * count + within])


# -- 2. send ------------------------------------------------------------------------------------------


@dataclass
class _Sent:
    attempts: int = 0
    unknown: int = 0  # answered `unknown` (a timeout)


def _send(engine: Engine, business_date: date, round_no: int, context: EodContext) -> _Sent:
    from creditline.store.tables_servicing_debits import DebitAttemptRepository

    sent = _Sent()
    size = page_size()
    for _ in range(PAGES_MAX):
        with UnitOfWork(engine, read_only=True) as uow:
            page = DebitAttemptRepository(uow.connection).with_outcome(
                ("pending",), business_date=business_date, round_no=round_no, limit=size
            )
        if not page:
            return sent
        accounts = _source_accounts(engine, page)
        results = context.gateway.debit([_request(row, accounts) for row in page])
        with UnitOfWork(engine) as uow:
            DebitAttemptRepository(uow.connection).record_outcomes(
                [_outcome_values(r.key, str(r.outcome), r.debited.minor, r.reference) for r in results],
                only_from=("pending",),
            )
            uow.commit()
        sent.attempts += len(page)
        sent.unknown += sum(str(r.outcome) == "unknown" for r in results)
        context.progress("auto-debit", sent.attempts, 0)
        if len(page) < size:
            return sent  # the last page: every pending row of the round was in it (no second look)
    raise AssertionError("the send loop ran past its bound")


def _source_accounts(engine: Engine, page: list[dict[str, Any]]) -> dict[str, str]:
    from creditline.app.eod_autodebit_sources import bank_accounts

    linked = [row["source_id"] for row in page if row.get("source_id")]
    return bank_accounts(engine, linked) if linked else {}


def _request(row: dict[str, Any], accounts: dict[str, str]) -> Any:
    """The instruction to the bank: the source's account, or (no source) the borrower's account on file."""
    from creditline.money import Money
    from creditline.servicing.gateway import DebitRequest

    low = row["partial_min_minor"]
    source_id = row.get("source_id")
    return DebitRequest(
        key=row["attempt_key"],
        account_id=row["borrower_id"] if source_id is None else accounts[source_id],
        amount=Money.of_minor(row["requested_minor"], row["currency"]),
        partial_min=None if low is None else Money.of_minor(low, row["currency"]),
        business_date=row["business_date"],
    )


def _outcome_values(key: str, outcome: str, debited_minor: int, reference: str | None) -> dict[str, Any]:
    """Where no money moved and the outcome is final, the attempt is done: applied with path `none`."""
    done = debited_minor == 0 and outcome not in ("pending", "unknown")
    return {"k_key": key, "v_outcome": outcome, "v_debited": debited_minor, "v_ref": reference,
            "v_applied": 1 if done else 0, "v_path": "none" if done else None}  # fmt: skip


# -- 3. resolve ---------------------------------------------------------------------------------------


def _resolve(engine: Engine, context: EodContext, rows: list[dict[str, Any]], *, stale_before: date) -> dict[str, int]:
    """Look open attempts up. Unknown to the gateway: an `unknown` one never executed; a `pending` one was
    never sent — it stays pending to be sent today, or is dropped if it was planned on an earlier day."""
    from creditline.store.tables_servicing_debits import OPEN_OUTCOMES, DebitAttemptRepository

    counts = {"executed": 0, "not_executed": 0, "still_pending": 0}
    size = page_size()
    for start in range(0, len(rows), size):
        page = rows[start : start + size]
        found = context.gateway.lookup([row["attempt_key"] for row in page])
        values = []
        for row in page:
            key, result = row["attempt_key"], found.get(row["attempt_key"])
            if result is not None:
                counts["executed"] += 1
                values.append(_outcome_values(key, str(result.outcome), result.debited.minor, result.reference))
            elif row["outcome"] == "unknown" or row["business_date"] < stale_before:
                counts["not_executed"] += 1
                values.append(_outcome_values(key, "not_executed", 0, None))
            else:
                counts["still_pending"] += 1
        with UnitOfWork(engine) as uow:
            DebitAttemptRepository(uow.connection).record_outcomes(values, only_from=OPEN_OUTCOMES)
            uow.commit()
    return counts


# -- 4. apply -----------------------------------------------------------------------------------------


def _apply_moved(engine: Engine, context: EodContext) -> dict[str, int]:
    from creditline.store.tables_servicing_debits import DebitAttemptRepository

    applied = {"batch": 0, "replay": 0, "refund": 0}
    after_key = ""
    size = page_size()
    for _ in range(PAGES_MAX):
        with UnitOfWork(engine) as uow:
            page = DebitAttemptRepository(uow.connection).unapplied(size, after_key)
            if not page:
                return applied
            after_key = page[-1]["attempt_key"]
            others = _settle_page(uow, page, context)
            uow.commit()
        applied["batch"] += len(page) - len(others)
        # Marked together after: a run killed in between finds the keys used and asks `repay` again.
        marks = _apply_each(engine, others)
        if marks:
            with UnitOfWork(engine) as uow:
                DebitAttemptRepository(uow.connection).mark_applied(marks)
                uow.commit()
        for mark in marks:
            applied[mark["v_path"]] += 1
        context.progress("auto-debit", 0, 0)
        if len(page) < size:
            return applied  # the last page (rows after its last key are all this loop has not seen)
    raise AssertionError("the apply loop ran past its bound")


def _settle_page(uow: UnitOfWork, page: list[dict[str, Any]], context: EodContext) -> list[dict[str, Any]]:
    """Settle in full, set-based, the attempts that allow it; return the rest for the per-loan path."""
    from creditline.store.tables_servicing_debits import (
        DebitAttemptRepository,
        loans_for_settlement,
        repay_keys_used,
        write_settlements,
    )

    loans = loans_for_settlement(uow.connection, [row["loan_id"] for row in page])
    # An attempt `repay` has seen (a run killed before marking it) must go back to `repay`, which
    # answers with its first result; judging it from the loan's state could book it twice.
    replayed = repay_keys_used(uow.connection, [row["attempt_key"] for row in page])
    # One attempt per loan and page, on the loan's own business date, else the per-loan path.
    seen: set[str] = set()
    batchable, others = [], []
    for row in page:
        loan = loans.get(row["loan_id"])
        if (loan is None or row["loan_id"] in seen or loan["as_of"] != row["business_date"]
                or row["attempt_key"] in replayed):
            others.append(row)
        else:
            seen.add(row["loan_id"])
            batchable.append((row, loan))
    if not batchable:
        return others
    writes, rest = _settlements(uow, batchable)
    others.extend(rest)
    write_settlements(uow.connection, writes)
    DebitAttemptRepository(uow.connection).mark_applied(writes.marks)
    return others


def _settlements(uow: UnitOfWork, batchable: list[tuple[dict[str, Any], dict[str, Any]]]) -> tuple[Any, list]:
    from creditline.lending.loan.batch import STATUS_CODES
    from creditline.servicing.autodebit import Balances, settle_in_full
    from creditline.store.accrual_columns import STATUS_INDEX

    loans = [loan for _, loan in batchable]

    def col(name: str) -> np.ndarray:
        return np.fromiter((loan[name] for loan in loans), dtype=np.int64, count=len(loans))

    rows = installment_rows([loan["row_count"] for loan in loans], [loan["rows_blob"] for loan in loans])
    balances = Balances(
        status=np.fromiter((STATUS_INDEX.get(loan["status"], len(STATUS_CODES)) for loan in loans), dtype=np.int8,
                           count=len(loans)),
        principal_outstanding=col("principal_outstanding_minor"), interest_receivable=col("interest_receivable_minor"),
        penalty_receivable=col("penalty_receivable_minor"), fee_receivable=col("fee_receivable_minor"),
        credit_balance=col("credit_balance_minor"),
    )  # fmt: skip
    debited = np.fromiter((row["debited_minor"] for row, _ in batchable), dtype=np.int64, count=len(batchable))
    on = batchable[0][0]["business_date"]
    assert all(row["business_date"] == on for row, _ in batchable), "a loan's snapshot is as of one business date"
    result = settle_in_full(balances, rows, debited, on)
    return _settlement_writes(uow, batchable, rows, result), [
        row for (row, _), ok in zip(batchable, result.eligible.tolist(), strict=True) if not ok
    ]


def _settlement_writes(uow: UnitOfWork, batchable: list, rows: Any, result: Any) -> Any:
    """The rows `write_settlements` takes, for the eligible loans."""
    import json

    from creditline.store.tables_servicing_debits import Settlements, max_sequences

    eligible = np.flatnonzero(result.eligible).tolist()
    sequences = max_sequences(uow.connection, [batchable[i][1]["loan_id"] for i in eligible])
    writes = Settlements()
    lines: dict[str, int] = defaultdict(int)
    for i in eligible:
        attempt, loan = batchable[i]
        key = attempt["attempt_key"]
        event_id, entry_id = derived_id("EV", key), derived_id("JE", key)
        low, high = int(rows.offsets[i]), int(rows.offsets[i + 1])
        paid = (int(result.principal_paid[i]), int(result.interest_paid[i]), int(result.penalty_paid[i]))
        totals = json.loads(loan["totals_json"])
        for name, minor in zip(REPAID, paid, strict=True):
            totals[name] += minor
        writes.loans.append((
            "paid-off" if result.paid_off[i] else "active", loan["principal_outstanding_minor"] - paid[0],
            loan["interest_receivable_minor"] - paid[1], loan["penalty_receivable_minor"] - paid[2],
            np.concatenate((rows.due[low:high], result.row_principal_unpaid[low:high],
                            result.row_other_unpaid[low:high])).astype("<i8").tobytes(),
            json.dumps(totals, sort_keys=True), loan["loan_id"], loan["version"],
        ))  # fmt: skip
        day, code, amount = attempt["business_date"], attempt["currency"], attempt["debited_minor"]
        writes.events.append((event_id, loan["loan_id"], loan["borrower_id"], sequences[loan["loan_id"]] + 1,
                              "repayment", day, amount, code, None, "{}", day))  # fmt: skip
        writes.entries.append((entry_id, f"autodebit:{key}", day, f"loan-event:{event_id}", loan["borrower_id"],
                               f"auto-debit of {code} {amount} minor units on loan {loan['loan_id']}"))  # fmt: skip
        writes.postings.extend(repayment_postings(entry_id, loan["borrower_id"], loan["loan_id"], code, paid))
        writes.marks.append({"k_key": key, "v_path": "batch", "v_event": event_id})
        lines[loan["line_id"]] += paid[0]
    writes.lines = {k: v for k, v in lines.items() if v}
    return writes


REPAID = ("principal_repaid", "interest_repaid", "penalty_repaid")


def derived_id(prefix: str, key: str) -> str:
    """An id derived from the attempt's key (the shape of `common.new_id`): a rerun would write the same."""
    import hashlib

    return prefix + hashlib.blake2b(f"{prefix}:{key}".encode(), digest_size=10).hexdigest()


def repayment_postings(entry_id: str, borrower_id: str, loan_id: str, code: str, paid: tuple[int, int, int]) -> list[tuple]:
    """The postings `postings_for_totals_delta` makes for a repayment, as plain rows in `POSTING_COLUMNS`
    order — each with the borrower, the shard key, as every command's postings (a test holds them equal).

    A page has thousands of entries: building Money, Posting and JournalEntry objects for each costs
    more than writing them, so the same posting rules are applied to integers here."""
    from creditline.ledger import CHART, TOTALS_RULES, shard_of

    net: dict[Any, int] = defaultdict(int)
    for name, minor in zip(REPAID, paid, strict=True):
        debit, credit = TOTALS_RULES[name]
        net[debit] += minor
        net[credit] -= minor
    shard = shard_of(borrower_id)
    postings = [(entry_id, str(account), shard, loan_id if CHART[account].per_loan else None, code, minor, borrower_id)
                for account, minor in sorted(net.items(), key=lambda kv: CHART[kv[0]].number) if minor]  # fmt: skip
    assert sum(p[5] for p in postings) == 0 and postings, "a repayment entry balances and moves money"
    return postings


REPLAY_WORKERS_PG = 4  # repayments on different loans lock different rows; the wait is round trips


def _apply_each(engine: Engine, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The per-loan path for each row: on PostgreSQL a few at a time (the time goes in round trips
    and the server; each loan is locked by its own command), on SQLite one by one (one writer)."""
    if engine.dialect.name != "postgresql" or len(rows) < 2:
        return [_apply_one(engine, row) for row in rows]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=REPLAY_WORKERS_PG) as pool:
        return list(pool.map(lambda row: _apply_one(engine, row), rows))


def _apply_one(engine: Engine, row: dict[str, Any]) -> dict[str, Any]:
    """The per-loan path: `repay` under the attempt's key (a retry returns the first result); the mark."""
    from creditline.app.loans import Repay, repay
    from creditline.errors import DomainError
    from creditline.money import Money

    amount = Money.of_minor(row["debited_minor"], row["currency"]).amount_str()
    try:
        result = repay(engine, Repay(row["loan_id"], amount, key=row["attempt_key"], on=row["business_date"]))
        path, event_id = "replay", result["event_id"]
    except DomainError:
        # The loan no longer takes a repayment (paid off by hand while the debit was in flight): the
        # money is the borrower's and goes back; `applied_path = refund` is the operator's list.
        path, event_id = "refund", None
    return {"k_key": row["attempt_key"], "v_path": path, "v_event": event_id}
