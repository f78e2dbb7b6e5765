"""The classify, provision and snapshot stages (CLOSE phase: one transaction with the accrual).

- **classify**: records the facts of loans EOD sees for the first time (`loan_facts`), builds the
  day's portfolio snapshot (`servicing.snapshots`: status, IFRS 9 stage, five-tier class, PD, EAD
  inputs) and records every change of status, tier or stage (`loan_class_changes`);
- **provision**: the ECL allowance per currency and shard (`servicing.provisioning`) and one entry
  moving the booked allowance to it (`provision:<date>:<currency>`);
- **snapshot**: the rows into `loan_snapshots` for the new business date, older days pruned
  (each month's last snapshot is kept).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import numpy as np
import polars as pl

from creditline.app.eod_memory import without_cyclic_gc
from creditline.app.eod_stages import EodContext, StageResult

SNAPSHOT_KEY = "snapshot"
CASH_IN_FIELDS = ("principal_repaid", "interest_repaid", "penalty_repaid", "fees_repaid", "overpaid")


@without_cyclic_gc
def classify(uow: Any, business_date: date, context: EodContext) -> StageResult:
    from creditline.store.classify_memory import ACCRUED_KEY, kept_facts, kept_inputs
    from creditline.store.eod_io import refresh_statistics
    from creditline.store.tables_servicing_snapshots import snapshot_inputs

    as_of = context.run_date
    refresh_statistics(uow.connection, ("loan_facts", "credit_lines"))  # PostgreSQL: the join plans on them
    accrued = context.shared.get(ACCRUED_KEY)
    facts = None if accrued is None else kept_facts(uow.connection, as_of)
    new_facts = _record_new_facts(uow.connection, as_of, context)
    if facts is None:
        data = _columns(snapshot_inputs(uow.connection, as_of.replace(day=1)))
    else:  # the simulator: the loans the accrual just wrote, and facts kept between days
        facts.refresh(uow.connection, new_facts)
        data = kept_inputs(uow.connection, facts, accrued, as_of.replace(day=1))
    loans, shards = _loan_frame(uow.connection, data, as_of)
    lines, line_shards = _line_frame(uow.connection, context, _lines_on_book(data))
    from creditline.servicing.snapshots import build_snapshot

    frame = build_snapshot(loans, lines, as_of, context.provisioning_policy)
    context.shared[SNAPSHOT_KEY] = (frame, np.concatenate((shards, line_shards)))
    changes, touched = _record_changes(uow.connection, data, frame.head(len(data["loan_id"])), as_of)
    if facts is not None:
        facts.refresh(uow.connection, touched)
    status = frame.get_column("status").to_numpy()
    book = ((status == "active") | (status == "overdue")) & (frame.get_column("disbursed_minor").to_numpy() > 0)
    summary = {
        "new_loans": len(new_facts),
        "rows": frame.height,
        "tiers": _counts(frame.get_column("tier").to_numpy()[book]),
        "stages": _counts(frame.get_column("stage").to_numpy()[book]),
        "changes": changes,
        "policy": context.provisioning_policy.key,
    }
    message = f"{int(book.sum())} loans classified ({changes['tier']} tier and {changes['status']} status changes)"
    return StageResult("classify", summary, message)


def _counts(values: np.ndarray) -> dict[str, int]:
    """How many of each value, by value in order (keys as text: the run's summary is JSON)."""
    found, counts = np.unique(values, return_counts=True)
    return {str(value): int(n) for value, n in zip(found.tolist(), counts.tolist(), strict=True)}


def _major(minor: int, code: str) -> str:
    from creditline.money import Money

    return Money.of_minor(minor, code).amount_str()


@without_cyclic_gc
def provision(uow: Any, business_date: date, context: EodContext) -> StageResult:
    from creditline.app.common import new_id
    from creditline.ledger import JournalEntry
    from creditline.servicing.provisioning import allowance, allowance_postings
    from creditline.store.tables_servicing_snapshots import add_provision_run, loss_allowance_by_shard

    frame, shards = context.shared[SNAPSHOT_KEY]
    policy = context.provisioning_policy
    booked: dict[str, Any] = {}
    codes = sorted(frame.get_column("currency").unique().to_list())
    codes += [c for c in _booked_currencies(uow.connection) if c not in codes]  # a book that emptied releases all
    for code in codes:
        mask = (frame.get_column("currency") == code).to_numpy()
        day = frame if mask.all() else frame.filter(pl.Series(mask))  # most books have one currency
        result = allowance(day, shards if mask.all() else shards[mask], policy)
        old = loss_allowance_by_shard(uow.connection, code)
        postings = allowance_postings(result.by_shard, old, code)
        entry_id = None
        if postings:
            entry_id = new_id("JE")
            key = f"provision:{context.run_date.isoformat()}:{code}"
            uow.journal.add(JournalEntry(entry_id, key, context.run_date, key, tuple(postings), memo="loss allowance"))
        add_provision_run(uow.connection, {
            "run_date": context.run_date, "currency": code, "allowance_minor": result.total_minor,
            "previous_minor": sum(old.values()), "stage1_minor": result.stage_minor[0],
            "stage2_minor": result.stage_minor[1], "stage3_minor": result.stage_minor[2],
            "exposures": result.exposures, "policy": policy.key, "entry_id": entry_id,
        })  # fmt: skip
        booked[code] = {"allowance_minor": result.total_minor, "change_minor": result.total_minor - sum(old.values()),
                        "stage_minor": list(result.stage_minor)}  # fmt: skip
    message = ", ".join(f"allowance {_major(v['allowance_minor'], c)} ({'+' if v['change_minor'] >= 0 else ''}"
                        f"{_major(v['change_minor'], c)}) {c}" for c, v in booked.items())  # fmt: skip
    return StageResult("provision", {"currencies": booked, "policy": policy.key}, message)


@without_cyclic_gc
def write_snapshot(uow: Any, business_date: date, context: EodContext) -> StageResult:
    from creditline.store.tables_servicing_snapshots import prune_snapshots, write_snapshot

    frame, _ = context.shared[SNAPSHOT_KEY]
    as_of = context.run_date
    month_end = (as_of + timedelta(days=1)).month != as_of.month
    rows = write_snapshot(uow.connection, frame, as_of, month_end=month_end)
    dropped = prune_snapshots(uow.connection, as_of)
    summary = {"as_of": as_of.isoformat(), "rows": rows, "pruned": [d.isoformat() for d in dropped]}
    return StageResult("snapshot", summary, f"{rows} snapshot rows as of {as_of}")


# -- facts of new loans ---------------------------------------------------------------------------------


def _record_new_facts(connection: Any, as_of: date, context: EodContext) -> list[str]:
    from creditline.ledger import shard_of
    from creditline.store.accrual_columns import ROW_DTYPE
    from creditline.store.tables_servicing_snapshots import add_facts, loans_without_facts, origination_pds

    new = loans_without_facts(connection)
    if not new:
        return []
    pds = origination_pds(connection, [row[2] for row in new])
    default_pd = float(context.provisioning_policy.pd_default)
    rows = []
    for loan_id, borrower_id, line_id, product_id, version, code, disbursed_on, terms_json, count, blob in new:
        terms = json.loads(terms_json)
        dues = np.frombuffer(blob, dtype=ROW_DTYPE)[:count]
        start = _as_date(disbursed_on)
        rows.append({
            "loan_id": loan_id, "borrower_id": borrower_id, "shard": shard_of(borrower_id), "line_id": line_id,
            "product_key": f"{product_id}@{version}", "currency": code, "origination_date": start,
            "disbursed_minor": terms["principal_minor"],
            "maturity_date": date.fromordinal(int(dues.max())) if count else start,
            "eir_annual": effective_annual_rate(terms["rate"], terms["rate_unit"]),
            "pd_origination": float(pds[line_id]) if line_id in pds else default_pd,
            "status": "active", "tier": 0, "stage": 1, "tier_since": as_of, "defaulted_on": None,
            "cash_in_at_default_minor": None, "closed_on": None,
        })  # fmt: skip
    add_facts(connection, rows)
    return [row["loan_id"] for row in rows]


@lru_cache(maxsize=4096)  # a book has few distinct rates, and classify asks for every idle line's each day
def effective_annual_rate(rate: str, unit: str) -> float:
    """The effective annual rate of a quoted rate (a model input for discounting ECL, float64)."""
    value = float(rate)
    periods = {"daily": 365, "monthly": 12}.get(unit)
    return (1.0 + value) ** periods - 1.0 if periods else value


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


# -- the day's inputs as frames -----------------------------------------------------------------------------


def _columns(inputs: list[tuple]) -> dict[str, tuple]:
    from creditline.store.tables_servicing_snapshots import SNAPSHOT_INPUT_COLUMNS

    columns = list(zip(*inputs, strict=True)) if inputs else [()] * len(SNAPSHOT_INPUT_COLUMNS)
    return dict(zip(SNAPSHOT_INPUT_COLUMNS, columns, strict=True))


def _loan_frame(connection: Any, data: dict[str, tuple], as_of: date) -> tuple[pl.DataFrame, np.ndarray]:
    from creditline.app.eod_autodebit import installment_rows
    from creditline.servicing.snapshots import scheduled_within

    rows = installment_rows(list(data["row_count"]), list(data["rows_blob"]))
    interest = np.array(data["interest_minor"], dtype=np.int64)
    fees = np.array(data["fee_receivable_minor"], dtype=np.int64)
    from creditline.servicing.autodebit import segment_sum

    running = interest + fees - segment_sum(rows.other_unpaid, rows.offsets)
    limit = np.array(data["limit_minor"], dtype=np.int64)
    available = np.where(np.array(data["line_status"], dtype=object) == "active",
                         np.maximum(limit - np.array(data["line_outstanding_minor"], dtype=np.int64)
                                    - np.array(data["line_pending_minor"], dtype=np.int64), 0), 0)
    frame = pl.DataFrame({
        **{name: list(data[name]) for name in ("loan_id", "borrower_id", "line_id", "product_id", "currency",
                                               "loan_status")},
        "origination_date": _dates(data.get("origination_date_days", data["origination_date"])),
        "maturity_date": _dates(data.get("maturity_date_days", data["maturity_date"])),
        "disbursed_minor": np.array(data["disbursed_minor"], dtype=np.int64),
        "eir_annual": np.array(data["eir_annual"], dtype=np.float64),
        "pd_origination": np.array(data["pd_origination"], dtype=np.float64),
        "days_past_due": np.array(data["days_past_due"], dtype=np.int32),
        "principal_minor": np.array(data["principal_minor"], dtype=np.int64), "interest_minor": interest,
        "penalty_minor": np.array(data["penalty_receivable_minor"], dtype=np.int64) + fees,
        "scheduled_30d_minor": scheduled_within(rows, running, as_of),
        "recovered_minor": _recovered(connection, data, as_of),
        "limit_minor": limit, "line_available_minor": available,
    })  # fmt: skip
    return frame, np.array(data["shard"], dtype=np.int64)


def _dates(values: Any) -> pl.Series:
    if isinstance(values, np.ndarray) and values.dtype == np.int64:  # days since the epoch (classify_memory)
        return pl.Series(values.astype(np.int32)).cast(pl.Date)
    series = pl.Series(list(values))
    return series.str.to_date("%Y-%m-%d") if series.dtype == pl.String else series.cast(pl.Date)


def _recovered(connection: Any, data: dict[str, Any], as_of: date) -> np.ndarray:
    """Cash in since default, for loans that defaulted (0 for the rest)."""
    from creditline.store.tables_servicing_snapshots import totals_of

    recovered = np.zeros(len(data["loan_id"]), dtype=np.int64)
    marks = [i for i, d in enumerate(data["defaulted_on"]) if d is not None]
    if not marks:
        return recovered
    totals = totals_of(connection, [data["loan_id"][i] for i in marks])
    for i in marks:
        recovered[i] = max(cash_in(totals[data["loan_id"][i]]) - int(data["cash_in_at_default_minor"][i] or 0), 0)
    return recovered


def cash_in(totals_json: str) -> int:
    """What the borrower has paid in over the loan's life (LoanTotals.cash_in)."""
    totals = json.loads(totals_json)
    return sum(int(totals.get(name, 0)) for name in CASH_IN_FIELDS) - int(totals.get("credit_applied", 0))


def _lines_on_book(data: dict[str, tuple]) -> set[str]:
    on_book = ("active", "overdue", "charged-off")
    return {line for line, status in zip(data["line_id"], data["loan_status"], strict=True) if status in on_book}


def _line_frame(connection: Any, context: EodContext, busy: set[str]) -> tuple[pl.DataFrame, np.ndarray]:
    """Active lines with no loan on book and some limit left: their undrawn limit is an exposure."""
    from creditline.ledger import shard_of
    from creditline.store.tables_servicing_snapshots import idle_lines, origination_pds

    lines = idle_lines(connection, busy)
    pds = origination_pds(connection, [row[0] for row in lines])
    default_pd = float(context.provisioning_policy.pd_default)
    available = [max(row[6] - row[7] - row[8], 0) for row in lines]
    keep = [i for i, minor in enumerate(available) if minor > 0]
    frame = pl.DataFrame({
        "line_id": [lines[i][0] for i in keep], "borrower_id": [lines[i][1] for i in keep],
        "product_id": [f"{lines[i][2]}@{lines[i][3]}" for i in keep], "currency": [lines[i][4] for i in keep],
        "opened_on": _dates([lines[i][5] for i in keep]) if keep else pl.Series([], dtype=pl.Date),
        "limit_minor": [lines[i][6] for i in keep], "line_available_minor": [available[i] for i in keep],
        "eir_annual": [effective_annual_rate(str(lines[i][9]), "daily") for i in keep],
        "pd_origination": [float(pds.get(lines[i][0], default_pd)) for i in keep],
    }, schema_overrides={"limit_minor": pl.Int64, "line_available_minor": pl.Int64, "eir_annual": pl.Float64,
                         "pd_origination": pl.Float64, "line_id": pl.String, "borrower_id": pl.String,
                         "product_id": pl.String, "currency": pl.String})  # fmt: skip
    return frame, np.array([shard_of(lines[i][1]) for i in keep], dtype=np.int64)


# -- what changed ---------------------------------------------------------------------------------------------


def _record_changes(
    connection: Any, data: dict[str, Any], day: pl.DataFrame, as_of: date
) -> tuple[dict[str, int], list[str]]:
    """Changes of status, tier and stage since the loan's last classification, logged and remembered;
    the counts by kind and the loans whose facts were rewritten.

    Written with one prepared statement each (`app.eod_bulk`; COPY for the log on PostgreSQL): a day
    when many loans fall due changes tens of thousands of them."""
    from creditline.app.eod_bulk import insert_rows, stored_date, update_rows
    from creditline.store.tables_servicing_snapshots import totals_of

    new = {name: day.get_column(name).to_numpy() for name in ("status", "tier", "stage", "days_past_due")}
    old = {name: np.array(data[f"last_{name}"]) for name in ("status", "tier", "stage")}
    never_defaulted = np.array([d is None for d in data["defaulted_on"]], dtype=bool)
    defaulting = never_defaulted & ((new["status"] == "charged_off") | (new["days_past_due"] > 90))
    ended = (new["status"] == "closed") | (np.array(data["loan_status"]) == "written-off")
    closing = ended & np.array([d is None for d in data["closed_on"]], dtype=bool)
    moved = {what: old[what] != new[what] for what in ("status", "tier", "stage")}
    touched = np.flatnonzero(moved["status"] | moved["tier"] | moved["stage"] | defaulting | closing).tolist()
    totals = totals_of(connection, [data["loan_id"][i] for i in np.flatnonzero(defaulting).tolist()])
    on = stored_date(connection, as_of)
    changes: list[tuple] = []
    facts: list[tuple] = []
    for i in touched:
        loan_id = data["loan_id"][i]
        for what in ("status", "tier", "stage"):
            if moved[what][i]:
                changes.append((loan_id, data["borrower_id"][i], on, what, str(old[what][i]), str(new[what][i])))
        facts.append((
            str(new["status"][i]), int(new["tier"][i]), int(new["stage"][i]),
            on if moved["tier"][i] else stored_date(connection, _as_date(data["tier_since"][i])),
            on if defaulting[i] else stored_date(connection, _maybe_date(data["defaulted_on"][i])),
            cash_in(totals[loan_id]) if defaulting[i] else data["cash_in_at_default_minor"][i],
            on if closing[i] else stored_date(connection, _maybe_date(data["closed_on"][i])),
            loan_id,
        ))  # fmt: skip
    insert_rows(connection, "loan_class_changes", CHANGE_COLUMNS, changes)
    update_rows(connection, "loan_facts", "loan_id", FACT_COLUMNS, facts)
    return {what: int(moved[what].sum()) for what in ("status", "tier", "stage")}, [row[-1] for row in facts]


CHANGE_COLUMNS = ("loan_id", "borrower_id", "on_date", "what", "old_value", "new_value")
FACT_COLUMNS = ("status", "tier", "stage", "tier_since", "defaulted_on", "cash_in_at_default_minor", "closed_on")


def _maybe_date(value: Any) -> date | None:
    return None if value is None else _as_date(value)


def _booked_currencies(connection: Any) -> list[str]:
    from creditline.store.tables_servicing_snapshots import loss_allowance_currencies

    return loss_allowance_currencies(connection)
