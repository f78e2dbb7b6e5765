"""Run the end-of-day pipeline (`eod_stages.PIPELINE`) for one or more business days.

`run_pipeline(engine, D)` closes the business date B = D − 1: the OPEN stages (auto-debit), then
one transaction with every CLOSE stage (accrue, classify, provision, snapshot, publish), the run's
record and the new business date D, then the AFTER stages. It is idempotent per date and
restartable: each finished stage is recorded (`eod_stage_runs`), OPEN and AFTER stages are
idempotent themselves, and the CLOSE transaction is all or nothing — a run killed at any point and
started again finishes the day without doing any loan twice (docs/eod.md). The date is checked
before anything runs: a date in the past that never ran, or more than one day ahead without
`catch_up`, is refused and nothing changes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, text

from creditline.app.common import business_date
from creditline.app.eod_stages import EodContext, Phase, Progress, StageResult, no_progress, stages
from creditline.app.errors import EodDateInvalid
from creditline.store import UnitOfWork

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

CATCH_UP_DAYS_MAX = 366
ONE_DAY = timedelta(days=1)
EOD_RUN_LOCK_KEY = 0x454F4452  # PostgreSQL session lock (with the schema's hash): one end-of-day run at a time
BANK_SEED_ENV = "CREDITLINE_BANK_SEED"
BANK_LATENCY_ENV = "CREDITLINE_BANK_LATENCY_MS"


def default_context(
    engine: Engine, today: date, progress: Progress = no_progress, gateway: Any = None, only: frozenset[str] | None = None
) -> EodContext:
    from creditline.servicing.debit_policy import builtin_policy
    from creditline.servicing.provisioning import builtin_provisioning_policy

    return EodContext(
        business_date=today,
        gateway=gateway if gateway is not None else simulated_gateway(engine),
        debit_policy=builtin_policy(),
        provisioning_policy=builtin_provisioning_policy(),
        progress=progress,
        only=None if only is None else only | {"accrue"},  # the day's accrual is what closing a day means
    )


def simulated_gateway(engine: Engine, seed: int | None = None) -> Any:
    """The simulated bank on this database (seed and latency from the environment by default)."""
    from creditline.servicing.bank_simulator import BankBehaviour, SimulatedBank
    from creditline.store.tables_servicing_bank import SqlBankBook

    chosen = seed if seed is not None else int(os.environ.get(BANK_SEED_ENV, "0") or 0)
    latency_s = int(os.environ.get(BANK_LATENCY_ENV, "0") or 0) / 1000
    return SimulatedBank(SqlBankBook(engine, latency_s=latency_s), BankBehaviour(seed=chosen))


def run_pipeline(
    engine: Engine,
    target: date,
    *,
    catch_up: bool = False,
    progress: Progress = no_progress,
    gateway: Any = None,
    only: frozenset[str] | None = None,
) -> list[dict[str, Any]]:
    """Close business days up to `target`; one result per day (a replayed one when already run).
    `only` names the stages to run (None: every registered stage)."""
    results: list[dict[str, Any]] = []
    with _one_run_at_a_time(engine):
        for _ in range(CATCH_UP_DAYS_MAX + 1):
            today = _checked_business_date(engine, target, catch_up)
            if today is None:
                return results or [_replayed(engine, target, progress, gateway, only)]
            _finish_closed_day(engine, today, progress, gateway, only)
            results.append(run_day(engine, default_context(engine, today, progress, gateway, only)))
            if today + ONE_DAY == target:
                return results
    raise EodDateInvalid(f"catch-up is limited to {CATCH_UP_DAYS_MAX} days", field="date")


def _checked_business_date(engine: Engine, target: date, catch_up: bool) -> date | None:
    """The business date to close next, or None when `target` was already closed; refuses bad dates."""
    from creditline.store.tables import eod_runs

    with UnitOfWork(engine, read_only=True) as uow:
        today = business_date(uow)
        if target <= today:
            ran = uow.connection.execute(eod_runs.select().where(eod_runs.c.run_date == target)).first()
            if ran is None:
                raise EodDateInvalid(
                    f"{target} is not after the business date {today} and no end of day was run for it", field="date"
                )
            return None
    if target > today + ONE_DAY and not catch_up:
        raise EodDateInvalid(
            f"{target} is more than one day after the business date {today}; pass --catch-up to run every missing day",
            field="date",
        )
    if (target - today).days > CATCH_UP_DAYS_MAX:  # refused before the first day closes, not after the 366th
        raise EodDateInvalid(f"catch-up is limited to {CATCH_UP_DAYS_MAX} days", field="date")
    return today


def _replayed(engine: Engine, target: date, progress: Progress, gateway: Any, only: frozenset[str] | None) -> dict[str, Any]:
    """The recorded run of `target`, after finishing any AFTER stage a killed run left undone when
    `target` is the business date. An older day's are left: they act on the business date only."""
    with UnitOfWork(engine, read_only=True) as uow:
        today = business_date(uow)
    if target == today:
        _finish_closed_day(engine, today, progress, gateway, only)
    with UnitOfWork(engine, read_only=True) as uow:
        recorded = uow.eod.run(target)
    assert recorded is not None, "checked by _checked_business_date"
    return recorded | {"replayed": True}


def _finish_closed_day(engine: Engine, today: date, progress: Progress, gateway: Any, only: frozenset[str] | None) -> None:
    """The AFTER stages a killed run left undone for the day that made `today` the business date: they
    act on that day, so they run before the next one is opened, or they would never run. Only those
    that run meant to run (a run of the core stages meant none); a run recorded without its plan, all."""
    with UnitOfWork(engine, read_only=True) as uow:
        closed = uow.eod.run(today)
    if closed is None:
        return
    planned = closed.get("after_stages")
    if planned is not None:
        only = frozenset(planned) if only is None else only & frozenset(planned)
    _run_engine_stages(engine, Phase.AFTER, default_context(engine, today - ONE_DAY, progress, gateway, only))


def run_day(engine: Engine, context: EodContext) -> dict[str, Any]:
    """Close `context.business_date`: OPEN stages, the closing transaction, AFTER stages."""
    _run_engine_stages(engine, Phase.OPEN, context)
    closed = _close(engine, context)
    _run_engine_stages(engine, Phase.AFTER, context)
    return closed | {"seconds": dict(context.seconds), "cpu_seconds": dict(context.cpu_seconds)}


def _run_engine_stages(engine: Engine, phase: Phase, context: EodContext) -> None:
    from creditline.store.tables_servicing import StageRunRepository

    with UnitOfWork(engine, read_only=True) as uow:
        done = StageRunRepository(uow.connection).done(context.run_date)
    for stage in stages(phase, context.only):
        if stage.name in done:
            context.results[stage.name] = StageResult(stage.name, done[stage.name], "(already done)")
            continue
        context.progress(stage.name, 0, 0)
        started, cpu = time.perf_counter(), time.process_time()
        result = stage.function()(engine, context.business_date, context)
        context.results[stage.name] = result
        _clock(context, stage.name, started, cpu)
        with UnitOfWork(engine) as uow:
            StageRunRepository(uow.connection).mark(context.run_date, stage.name, result.summary)
            uow.commit()


def _close(engine: Engine, context: EodContext) -> dict[str, Any]:
    from creditline.app.eod import lock_out_commands
    from creditline.store.tables_servicing import StageRunRepository

    with UnitOfWork(engine) as uow:
        lock_out_commands(uow)
        today = business_date(uow, for_update=True)
        if today != context.business_date:  # closed by a run that finished while this one waited
            recorded = uow.eod.run(context.run_date)
            assert recorded is not None, f"the business date moved past {context.business_date} without a run"
            return recorded | {"replayed": True}
        runs = StageRunRepository(uow.connection)
        for stage in stages(Phase.CLOSE, context.only):
            context.progress(stage.name, 0, 0)
            started, cpu = time.perf_counter(), time.process_time()
            result = stage.function()(uow, context.business_date, context)
            context.results[stage.name] = result
            _clock(context, stage.name, started, cpu)
            runs.mark(context.run_date, stage.name, result.summary)
        summary = run_summary(context)
        uow.eod.record(context.run_date, summary)
        uow.system.set_business_date(context.run_date)
        started, cpu = time.perf_counter(), time.process_time()
        uow.commit()
        _clock(context, "commit", started, cpu)
    return summary


def _clock(context: EodContext, name: str, started: float, cpu: float) -> None:
    """Wall and CPU seconds of a stage: on a shared machine the CPU figure is the one to compare."""
    context.seconds[name] = round(time.perf_counter() - started, 3)
    context.cpu_seconds[name] = round(time.process_time() - cpu, 3)


def run_summary(context: EodContext) -> dict[str, Any]:
    """The accrual figures at the top (what `eod_runs` keeps), every stage's summary under `stages`."""
    accrued = context.results["accrue"].summary
    return accrued | {
        "run_date": context.run_date.isoformat(),
        "stages": {name: r.summary for name, r in context.results.items()},
        "messages": {name: r.message for name, r in context.results.items() if r.message},
        "after_stages": [stage.name for stage in stages(Phase.AFTER, context.only)],  # what a restart finishes
        "seconds": dict(context.seconds),  # wall time per stage: operations watch these
    }


@contextmanager
def _one_run_at_a_time(engine: Engine) -> Iterator[None]:
    """A lock for the whole run — a second run waits, then finds the day closed and returns its
    record. PostgreSQL: a session advisory lock. SQLite: an exclusive lock on a file beside the
    database; its transactions alone would keep two runs from doubling anything, but the loser of
    each race died on a constraint (a stage marked done twice, an attempt planned twice)."""
    if engine.dialect.name == "sqlite":
        with _sqlite_run_lock(engine.url.database):
            yield
        return
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as connection:
        # Advisory locks are per database; the schema's hash keeps books in other schemas apart.
        connection.execute(text("SELECT pg_advisory_lock(:k, hashtext(current_schema()))"), {"k": EOD_RUN_LOCK_KEY})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:k, hashtext(current_schema()))"), {"k": EOD_RUN_LOCK_KEY})
            connection.commit()


@contextmanager
def _sqlite_run_lock(database: str | None) -> Iterator[None]:
    """flock on `<database>-eod-lock` (POSIX; in-memory databases and Windows go without)."""
    if fcntl is None or not database or not os.path.isfile(database):
        yield
        return
    with open(f"{database}-eod-lock", "a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
