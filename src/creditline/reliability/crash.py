"""Crash loops: SIGKILL the server while clients move money, SIGKILL `creditline eod` at random
points, many times, seeded; after each restart nothing acknowledged is lost, nothing is half
applied, and each end of day is done exactly once.

Server: clients draw and repay through it; at a random moment its whole process group is killed
(no shutdown, no flush). It is started again on the same database, the requests whose outcome the
clients could not know are retried with their keys (each must take effect once), every 2xx answer's
event is looked for, and `invariants.check_books` runs on the quiet books.

End of day: `creditline eod --date D` is started as operators run it, while clients keep
repaying through the server, and killed after a delay drawn from 0.3 to 1.1 times a whole run
(timed on a first day), so kills land in its start-up, inside its transaction and after it. A killed run is followed by the next one for the date still open, so restarts are killed too. After
every kill the books are checked (one run per date, one accrual entry per product, no doubled
debit, every loan equal to its replay, the journal rebuilding every loan); at the end the open day
is finished, and running a closed day again must change nothing.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from creditline.reliability.bank import (
    BankConfig,
    BankRun,
    acknowledged_effects,
    business_date,
    check_now,
    resolve,
    run_cli,
    start_clients,
    stop_clients,
)
from creditline.reliability.history import Outcome
from creditline.reliability.served import creditline_command, kill, start

# The clients of the crash loops: a steady stream of acknowledged money movements, nothing else.
STREAM = BankConfig(clients=4, borrowers=3, workers=1, timeout_s=30, weights=(("draw", 1), ("repay", 4), ("prepay", 1)))


@dataclass(frozen=True, slots=True)
class CrashConfig:
    kills: int = 3
    seed: int = 7
    kill_after_s: tuple[float, float] = (0.5, 3.0)  # server: how long the clients run before the kill


@dataclass
class CrashReport:
    target: str  # server | eod
    database: str
    kills: int = 0
    acknowledged: int = 0  # 2xx answers the clients received (target of "nothing lost")
    indeterminate: int = 0  # requests cut by a kill; each retried with its key
    landed: dict[str, int] = field(default_factory=dict)  # eod: where the kills landed
    anomalies: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return self.anomalies.get("acknowledged_lost", 0)


def kill_server_repeatedly(run: BankRun, config: CrashConfig) -> CrashReport:
    rng = random.Random(config.seed)
    report = CrashReport("server", run.engine.dialect.name)
    for _ in range(config.kills):
        threads = start_clients(run)
        time.sleep(rng.uniform(*config.kill_after_s))
        kill(run.served)  # in flight: answers never come (info); later requests are refused (fail)
        stop_clients(run, threads)
        report.kills += 1
        run.served = start(run.db_url, run.folder, workers=run.config.workers, env=run.env, name="server-restarted")
        resolve(run)
        _reckon(run)
    return _filled(report, run)


def kill_eod_repeatedly(run: BankRun, config: CrashConfig) -> CrashReport:
    """Kill `creditline eod --date D` again and again — its restarts too — until D is closed, then D + 1."""
    rng = random.Random(config.seed)
    report = CrashReport("eod", run.engine.dialect.name)
    full_s = _timed_day(run)
    threads = start_clients(run)
    try:
        for _ in range(config.kills):
            target = business_date(run.engine) + timedelta(days=1)
            landed = _kill_eod_once(run, target, rng.uniform(0.3 * full_s, 1.1 * full_s))
            report.landed[landed] = report.landed.get(landed, 0) + 1
            report.kills += 1
            check_now(run, deep=False)  # nothing half applied, whatever the kill interrupted (replay: at the end)
        _finish_day(run, business_date(run.engine) + timedelta(days=1), already_run=False)
    finally:
        stop_clients(run, threads)
    resolve(run)
    _replayed_day_changes_nothing(run)
    _reckon(run)
    return _filled(report, run)


def _timed_day(run: BankRun) -> float:
    """One day closed whole, timed: the kills are drawn from 0.3 to 1.1 times this."""
    started = time.monotonic()
    _finish_day(run, business_date(run.engine) + timedelta(days=1), already_run=False)
    return time.monotonic() - started


def _kill_eod_once(run: BankRun, target: date, delay_s: float) -> str:
    command = [creditline_command(), "eod", "--date", target.isoformat(), "--db", run.db_url]
    process = subprocess.Popen(command, env=run.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)  # fmt: skip
    try:
        process.wait(timeout=delay_s)
        return "after it finished"
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    return "after the commit" if _ran(run, target) else "before the commit"


def _ran(run: BankRun, on: date) -> bool:
    from sqlalchemy import text

    with run.engine.connect() as connection:
        found = connection.execute(text("SELECT COUNT(*) FROM eod_runs WHERE run_date = :d"), {"d": on}).scalar_one()
    return found == 1


def _finish_day(run: BankRun, target: date, *, already_run: bool) -> None:
    """Run the day to its end; it must succeed, say whether it had run, and leave the date at D."""
    done = run_cli(run, "eod", "--date", target.isoformat())
    said_already = "(already run)" in done.stdout
    if done.returncode != 0:
        run.history.anomaly("eod_restart_failed", f"{target}: {error_lines(done.stderr)}")
    elif said_already != already_run:  # the restart must know whether the killed run committed
        run.history.anomaly("eod_restart_disagrees", f"{target}: {done.stdout.strip()[-200:]}")
    if business_date(run.engine) != target or not _ran(run, target):
        run.history.anomaly("eod_not_completed", f"{target}: business date {business_date(run.engine)}")


def error_lines(stderr: str) -> str:
    """What a failed command said: its `error:` line, or the exception lines of a traceback."""
    lines = [line for line in stderr.splitlines() if line.startswith("error:") or "Error" in line.split(":", 1)[0]]
    return " | ".join(lines)[-1500:] or stderr[-500:]


def _replayed_day_changes_nothing(run: BankRun) -> None:
    from sqlalchemy import text

    query = text("SELECT (SELECT COUNT(*) FROM journal_entries), (SELECT COUNT(*) FROM loan_events), "
                 "(SELECT COUNT(*) FROM eod_runs), (SELECT SUM(interest_accrued_minor) FROM loans)")  # fmt: skip
    with run.engine.connect() as connection:
        before = tuple(connection.execute(query).one())
    done = run_cli(run, "eod", "--date", business_date(run.engine).isoformat())
    with run.engine.connect() as connection:
        after = tuple(connection.execute(query).one())
    if done.returncode != 0 or "(already run)" not in done.stdout or before != after:
        run.history.anomaly("eod_replay_changed_books", f"{before} -> {after}: {done.stdout[-200:]}{done.stderr[-200:]}")


def _reckon(run: BankRun) -> None:
    check_now(run, quiescent=True)
    for kind, detail in acknowledged_effects(run.engine, run.history, {b.account_id for b in run.borrowers}):
        if (kind, detail) not in {(a.kind, a.detail) for a in run.history.anomalies}:
            run.history.anomaly(kind, detail)


def _filled(report: CrashReport, run: BankRun) -> CrashReport:
    history = run.history
    money = [o for o in history.operations if o.kind in ("draw", "repay", "prepay")]
    report.acknowledged = sum(1 for o in money if o.outcome is Outcome.OK)
    report.indeterminate = sum(1 for o in money if o.outcome is Outcome.INFO)
    report.anomalies = history.anomaly_counts()
    report.examples = [f"{a.kind}: {a.detail}" for a in history.anomalies[:10]]
    return report


def summary(report: CrashReport) -> dict[str, Any]:
    return {"target": report.target, "database": report.database, "kills": report.kills,
            "acknowledged": report.acknowledged, "lost": report.lost, "indeterminate": report.indeterminate,
            "landed": report.landed, "anomalies": report.anomalies, "examples": report.examples}  # fmt: skip
