"""What the operator console shows: read models over the live tables and the snapshot history.

- `live_portfolio`: today's book from the loans table (`app.portfolio_summary`).
- `snapshot_report` / `database_snapshot_report`: the regulatory report of `creditline.portfolio`
  (default rate, vintages, roll rates, ECL by stage, provisions, capital, LCR) over a loan-snapshot
  history — a file, or the snapshots EOD keeps in the database; charts read it. A report is one
  currency's loans: the one asked for, or the book's main currency (`main_currency`).
- `review_queue`: open reviews joined with their decisions, in one query.
- `work_queue` / `past_due`: the collections engine's work items (`app.collections`), and the loans
  past due with their days, which the engine's queue is built from.
- `early_warnings`: the early-warning engine's live alerts (`app.alerts`).
- `model_monitoring`: PSI of the score and CSI of each feature of the shipped PD model, between its
  training reference and the most recent decisions' recorded inputs.
- `funding_overview`: co-lending partners and the deals sold to trusts (`app.securitisation_views`).
- `audit_heads` / `verify_audit_log`: the tamper-evident log's published heads and a full verification.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from creditline.store import UnitOfWork

QUEUE_ROWS_MAX = 200
MONITORED_DECISIONS_MAX = 2_000
PAST_DUE_STATUSES = ("overdue", "charged-off")


def money_moved(engine: Engine) -> tuple[Any, Any]:
    """A version of the books that changes whenever money moves: (business date, last posting id).

    One index look-up, cheap enough to ask on every page: a figure computed from the loans table is
    current while this is unchanged (every draw, repayment and EOD accrual posts)."""
    from creditline.app.common import business_date
    from creditline.store.tables import postings

    with UnitOfWork(engine, read_only=True) as uow:
        return business_date(uow), uow.connection.execute(select(func.max(postings.c.posting_id))).scalar()


def live_portfolio(engine: Engine) -> dict[str, Any]:
    from creditline.app.portfolio_summary import portfolio_summary

    return portfolio_summary(engine)


# -- the snapshot history -------------------------------------------------------------------------


def read_snapshot_file(path: Path) -> Any:
    """A validated snapshot frame from a CSV or Parquet file (the format `report portfolio` reads)."""
    import polars as pl

    from creditline.errors import DomainError
    from creditline.portfolio.snapshot import validate

    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            frame = pl.read_csv(path, infer_schema_length=0)
        elif suffix in (".parquet", ".pq"):
            frame = pl.read_parquet(path)
        else:
            raise DomainError(f"{path.name}: expected a .csv or .parquet file", field="snapshots")
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise DomainError(f"cannot read {path.name}: {str(exc).splitlines()[0]}", field="snapshots") from exc
    return validate(frame)


def snapshot_report(snapshots: Path, balance_sheet: Path | None = None, lgd: Decimal | None = None,
                    currency: str | None = None) -> dict[str, Any]:  # fmt: skip
    """The portfolio report over a snapshot file, as of its latest date."""
    frame = read_snapshot_file(snapshots)
    return _report(frame, balance_sheet, lgd, frame, currency) | {"source": snapshots.name}


def latest_snapshot_date(engine: Engine) -> Any:
    """The newest snapshot EOD stored (None before the first): the database report's version."""
    from creditline.store.tables_servicing import snapshot_dates

    with UnitOfWork(engine, read_only=True) as uow:
        return uow.connection.execute(select(func.max(snapshot_dates.c.as_of))).scalar()


def database_snapshot_report(engine: Engine, balance_sheet: Path | None = None, lgd: Decimal | None = None,
                             currency: str | None = None) -> dict[str, Any] | None:  # fmt: skip
    """The portfolio report over the snapshots EOD keeps in the database (None while there are none, or
    while they hold no rows)."""
    import polars as pl

    from creditline.app.eod_reports import month_ends
    from creditline.portfolio.snapshot import COLUMNS, validate
    from creditline.store.tables_servicing import read_snapshots, snapshot_dates_up_to

    latest = latest_snapshot_date(engine)
    if latest is None:
        return None
    with UnitOfWork(engine, read_only=True) as uow:
        frame = read_snapshots(uow.connection, snapshot_dates_up_to(uow.connection, latest))
    frame = validate(frame.select([column.name for column in COLUMNS]))
    if frame.is_empty():  # EOD ran, but on a book with no loan and no line yet: no history to report on
        return None
    # The days `report portfolio --as-of` reads from the database: each month's last snapshot (the latest
    # day among them), not the daily ones EOD keeps for 40 days.
    reported = frame.filter(pl.col("as_of").is_in(sorted(month_ends(frame.get_column("as_of").unique().to_list()))))
    return _report(frame, balance_sheet, lgd, reported, currency, engine) | {"source": "database"}


def main_currency(codes: list[str], sheet_code: str | None = None) -> str:
    """The book's main currency among `codes` (one per loan): the balance sheet's when it lends in it (the
    capital and liquidity figures are in it), otherwise the currency most loans are in (ties: by code)."""
    if sheet_code is not None and sheet_code in codes:
        return sheet_code
    counts: dict[str, int] = {}
    for code in codes:
        counts[code] = counts.get(code, 0) + 1
    return min(counts, key=lambda code: (-counts[code], code))


def _report(
    frame: Any, balance_sheet: Path | None, lgd: Decimal | None, reported: Any, currency: str | None,
    engine: Engine | None = None,
) -> dict[str, Any]:
    """One currency's portfolio report (`currency`, or the main one) as of the frame's latest snapshot date,
    as plain rows for tables and charts. The balance sheet applies to the loans of its own currency only.
    With the `engine` the frame was read from, it is `database_report`'s, the allowance EOD booked beside its own.

    `default_rate` is the 12-month default rate of the latest date that has the snapshot a year before
    it — in mid-month, the latest month end, as daily snapshots are pruned — over `reported`, the
    snapshots `report portfolio --as-of` would read: the figure that command prints for its `end`."""
    import polars as pl

    from creditline.app.eod_reports import database_report
    from creditline.money import currency as currency_of
    from creditline.portfolio.balance_sheet import parse_balance_sheet
    from creditline.portfolio.report import ReportOptions, build_report, default_rate_json

    as_of = frame.get_column("as_of").max()
    sheet = None if balance_sheet is None else parse_balance_sheet(json.loads(balance_sheet.read_text()))
    sheet_code = None if sheet is None else sheet.currency.code
    day_codes = frame.filter(pl.col("as_of") == as_of).get_column("currency").to_list()
    chosen = currency_of(currency).code if currency is not None else main_currency(day_codes, sheet_code)
    options = ReportOptions(balance_sheet=sheet if sheet_code == chosen else None, lgd=lgd, currency=currency_of(chosen))
    report = build_report(frame, as_of, options) if engine is None else database_report(engine, frame, as_of, options)
    tables = {name: table.to_dicts() for name, table in report.tables.items()}
    mine = frame.filter(pl.col("currency") == chosen)
    default_rate = default_rate_json(reported.filter(pl.col("currency") == chosen), as_of, latest=True)
    return {"as_of": as_of.isoformat(), "currency": report.currency.code, "summary": report.summary, "tables": tables,
            "default_rate": default_rate, "loans": mine.height, "dates": mine.get_column("as_of").n_unique(),
            "currencies": sorted(set(day_codes)), "balance_sheet_currency": sheet_code}  # fmt: skip


# -- queues ------------------------------------------------------------------------------------------


def review_queue(engine: Engine, limit: int = 50, words: Callable[[str], str] = str) -> list[dict[str, Any]]:
    """Open reviews, oldest first, each with its decision's outcome, reasons (in the reader's language:
    `words`, a gettext; `str`, the identity, keeps the English), limit and price."""
    from creditline.app.apply_explain import reason_text
    from creditline.money import Money
    from creditline.store.tables_origination import origination_decisions as d
    from creditline.store.tables_origination import origination_reviews as r

    query = (
        select(r.c.review_id, r.c.decision_id, r.c.kind, r.c.reason, r.c.opened_on, d.c.outcome, d.c.currency,
               d.c.limit_minor, d.c.rate_daily, d.c.apr, d.c.pd, d.c.fraud_score, d.c.record_json)
        .join(d, d.c.decision_id == r.c.decision_id)
        .where(r.c.status == "open")
        .order_by(r.c.review_id)
        .limit(min(max(limit, 1), QUEUE_ROWS_MAX))
    )  # fmt: skip
    with UnitOfWork(engine, read_only=True) as uow:
        rows = uow.connection.execute(query).mappings().all()
    queue = []
    for row in rows:
        reasons = json.loads(row["record_json"])["reasons"]
        queue.append({
            "review_id": row["review_id"], "decision_id": row["decision_id"], "kind": row["kind"],
            "reason": row["reason"], "opened_on": row["opened_on"].isoformat(), "outcome": row["outcome"],
            "currency": row["currency"],
            "limit": None if row["limit_minor"] is None else Money.of_minor(row["limit_minor"], row["currency"]).amount_str(),
            "daily_rate_pct": None if row["rate_daily"] is None else _pct(row["rate_daily"]),
            "apr_pct": None if row["apr"] is None else _pct(row["apr"], "0.01"),
            "pd": row["pd"], "fraud_score": row["fraud_score"],
            "reasons": [{"code": code, "text": reason_text(code, words)} for code in reasons],
        })  # fmt: skip
    return queue


def work_queue(engine: Engine, limit: int = 50) -> list[dict[str, Any]]:
    """The collections work queue: open and assigned items, highest priority first."""
    from creditline.app.collections import list_queue

    return list_queue(engine, status=None, limit=limit)["items"]


def past_due(engine: Engine, limit: int = 50) -> dict[str, Any]:
    """The loans past due, most days first, and how many there are by status."""
    from creditline.money import Money
    from creditline.portfolio.delinquency import BUCKET_NAMES, bucket_of
    from creditline.store.tables import loans

    c = loans.c
    page = (
        select(c.loan_id, c.borrower_id, c.currency, c.status, c.days_past_due, c.principal_outstanding_minor,
               c.interest_receivable_minor, c.penalty_receivable_minor)
        .where(c.status.in_(PAST_DUE_STATUSES))
        .order_by(c.days_past_due.desc(), c.loan_id)
        .limit(min(max(limit, 1), QUEUE_ROWS_MAX))
    )  # fmt: skip
    counts = select(c.status, func.count()).where(c.status.in_(PAST_DUE_STATUSES)).group_by(c.status)
    with UnitOfWork(engine, read_only=True) as uow:
        rows = uow.connection.execute(page).mappings().all()
        by_status = {status: count for status, count in uow.connection.execute(counts)}
    items = [
        {
            "loan_id": r["loan_id"], "borrower_id": r["borrower_id"], "status": r["status"],
            "days_past_due": r["days_past_due"], "bucket": BUCKET_NAMES[bucket_of(r["days_past_due"])],
            "currency": r["currency"],
            "owed": Money.of_minor(r["principal_outstanding_minor"] + r["interest_receivable_minor"]
                                   + r["penalty_receivable_minor"], r["currency"]).amount_str(),
        }
        for r in rows
    ]  # fmt: skip
    return {"items": items, "by_status": by_status, "total": sum(by_status.values())}


def early_warnings(engine: Engine, limit: int = 100) -> list[dict[str, Any]]:
    """Live early-warning alerts (open, then acknowledged), newest first."""
    from creditline.app.alerts import list_alerts

    found = [*list_alerts(engine, status="open", limit=limit)["alerts"], *list_alerts(engine, status="acknowledged", limit=limit)["alerts"]]
    return found[:limit]


# -- models, funding, audit ---------------------------------------------------------------------------


def model_monitoring(engine: Engine, limit: int = MONITORED_DECISIONS_MAX) -> dict[str, Any]:
    """Score PSI and feature CSI of the shipped PD model over the latest decisions that were scored."""
    import numpy as np
    import pandas as pd

    from creditline.risk.models.monitoring import compare
    from creditline.store.tables_origination import origination_decisions as d

    scorer = _shipped_scorer()
    query = (
        select(d.c.score, d.c.record_json).where(d.c.score.is_not(None))
        .order_by(d.c.business_date.desc()).limit(min(max(limit, 1), MONITORED_DECISIONS_MAX))
    )  # fmt: skip
    with UnitOfWork(engine, read_only=True) as uow:
        rows = uow.connection.execute(query).all()
    model = {"model_id": scorer.model_id, "n": len(rows)}
    if not rows:
        return model | {"score": None, "features": []}
    fields = [json.loads(record)["pd_fields"] for _, record in rows]
    features = scorer.features_batch(pd.DataFrame(fields), strict=False)
    scores = np.asarray([score for score, _ in rows], dtype=np.float64)
    return model | compare(scorer.monitoring, features, scorer.specs, scores)


@lru_cache(maxsize=1)
def _shipped_scorer() -> Any:
    from creditline.app.apply_setup import shipped_model_dir
    from creditline.risk.models import Scorer, load_model

    return Scorer(load_model(shipped_model_dir()), threads=1)


def funding_overview(engine: Engine) -> dict[str, Any]:
    """Partners (balances, concentration, appetite use) and deals (tranche balances, triggers): issue 7."""
    from creditline.app.securitisation_views import funding_overview as overview

    return overview(engine)


def audit_heads(engine: Engine, shown: int = 10) -> list[dict[str, Any]]:
    from creditline.app.audit_views import published_heads

    return list(reversed(published_heads(engine)[-shown:]))


def verify_audit_log(engine: Engine, public_key: Any) -> dict[str, Any]:
    """Recompute the log from the database; the first record altered, deleted or reordered, if any."""
    from creditline.store.audit_log import log_id_from_environment, verify_database

    with UnitOfWork(engine, read_only=True) as uow:
        audit = verify_database(uow.connection, log_id_from_environment(), public_key)
    finding = audit.report.finding or audit.books_finding
    return {
        "ok": finding is None,
        "records": audit.report.records_checked,
        "heads": audit.report.heads_checked,
        "root_hash": audit.report.root_hash.hex(),
        "pending": audit.pending,
        "unlogged": audit.unlogged,
        "finding": None if finding is None else {"problem": str(finding.problem), "seq": finding.seq, "detail": finding.detail},
    }


def _pct(fraction: str, places: str | None = None) -> str:
    from decimal import ROUND_HALF_UP

    value = Decimal(fraction) * 100
    return format(value.quantize(Decimal(places), ROUND_HALF_UP) if places else value.normalize(), "f")
