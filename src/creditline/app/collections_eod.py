"""The post-loan stages of end of day (`app.eod_stages`), run once the new business date D is open:

1. `early-warning` — raise the day's alerts (loan and portfolio signals);
2. `limit-review` — review the lines that are due, and at once those an alert was raised about today;
3. `collections` — settle promises, plan and queue the day's contacts, keep the call queue.

All three are AFTER stages: they get the engine, open their own units of work (each taking the EOD
lock shared on PostgreSQL, as every command does) and are idempotent, so a run killed inside one of
them and started again finishes the day without a second alert, review, message or work item.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine

from creditline.app.common import business_date
from creditline.app.eod_memory import without_cyclic_gc
from creditline.store import UnitOfWork


def _result(stage: str, summary: dict[str, Any], message: str) -> Any:
    from creditline.app.eod_stages import StageResult

    return StageResult(stage, summary, message)


def _opened(uow: UnitOfWork, on: date) -> None:
    from creditline.store.eod_io import refresh_statistics

    today = business_date(uow)  # takes the EOD lock shared on PostgreSQL
    assert today == on, f"an after-close stage runs on the new business date {on}, found {today}"
    # PostgreSQL: the close rewrote every open loan; the stages' loan pages and scans plan on fresh statistics
    refresh_statistics(uow.connection, ("loans",))


@without_cyclic_gc
def early_warning(engine: Engine, closed: date, context: Any) -> Any:
    from creditline.app.alerts_stage import raise_alerts

    on = context.run_date
    with UnitOfWork(engine) as uow:
        _opened(uow, on)
        summary = raise_alerts(uow, on)
        uow.commit()
    return _result("early-warning", summary, f"{summary['alerts_raised']} early-warning alerts raised")


@without_cyclic_gc
def limit_review(engine: Engine, closed: date, context: Any) -> Any:
    from creditline.app.limit_review import run_review

    summary = run_review(engine, context.run_date)
    summary = {k: v for k, v in summary.items() if k != "changes"}
    actions = summary["actions"]
    message = (f"{summary['lines_reviewed']} lines reviewed: {actions['raise']} raised, {actions['lower']} lowered, "
               f"{actions['freeze']} frozen")  # fmt: skip
    return _result("limit-review", summary, message)


@without_cyclic_gc
def collections(engine: Engine, closed: date, context: Any) -> Any:
    from creditline.app.collections_stage import run_collections

    on = context.run_date
    with UnitOfWork(engine) as uow:
        _opened(uow, on)
        summary = run_collections(uow, on)
        uow.commit()
    sent = sum(v for k, v in summary.items() if k.startswith("sent_"))
    message = f"{summary.get('loans_planned', 0)} loans planned, {sent} messages queued, {summary.get('items_opened', 0)} calls queued"
    return _result("collections", summary, message)
