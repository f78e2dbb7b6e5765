"""Run the simulation: applications through `app.apply`, drawdowns, money into the simulated bank,
manual payoffs, and end of day every day — ending in a database the console and reports can show.

Every borrower action goes through the same use cases a real borrower's would (`apply`, `draw`,
`repay`), and repayment itself through the nightly auto-debit against the bank simulator's
balances; the simulator only decides who does what, when (population.py, behaviour.py).
"""

from __future__ import annotations

import calendar
import itertools
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import Engine

from creditline.errors import DomainError
from creditline.simulation.behaviour import Action, choose_draw, first_draw_day, loan_actions
from creditline.simulation.population import Applicant, application_form, draw_population

BORROWERS_MAX = 1_000_000
MONTHS_MAX = 60
# The oldest applicant (60) must be born in a year identity accepts (1900 on), and the last loan's
# schedule (the run's 5 years, then a 12-month term) must end by the schedules' last date (9600-12-31).
START_MIN = date(1961, 1, 1)
START_MAX = date(9590, 12, 31)
Progress = Callable[[int, int], None]  # (days done, days in all)


class SimulationInvalid(DomainError):
    code = "simulation_invalid"


@dataclass(frozen=True, slots=True)
class SimulationConfig:
    borrowers: int
    months: int
    seed: int = 7
    start: date = date(2025, 1, 1)
    stages: frozenset[str] | None = None  # EOD stages to run (None: every registered stage)

    def __post_init__(self) -> None:
        if not 1 <= self.borrowers <= BORROWERS_MAX:
            raise SimulationInvalid(f"must be 1 to {BORROWERS_MAX:,}", field="borrowers")
        if not 1 <= self.months <= MONTHS_MAX:
            raise SimulationInvalid(f"must be 1 to {MONTHS_MAX}", field="months")
        if not 0 <= self.seed < 2**32:
            raise SimulationInvalid("must be 0 to 4294967295", field="seed")
        if not START_MIN <= self.start <= START_MAX:
            raise SimulationInvalid(f"must be from {START_MIN} to {START_MAX}", field="start")

    @property
    def days(self) -> int:
        end_month = self.start.month - 1 + self.months
        year, month = self.start.year + end_month // 12, end_month % 12 + 1
        end = date(year, month, min(self.start.day, calendar.monthrange(year, month)[1]))
        return (end - self.start).days


@dataclass
class Borrower:
    person: Applicant
    borrower_id: str
    line_id: str
    rate_daily: Decimal
    loans: list[str] = field(default_factory=list)


@dataclass
class Run:
    engine: Engine
    config: SimulationConfig
    rng: np.random.Generator
    product: Any
    people: dict[int, Applicant]
    borrowers: dict[int, Borrower] = field(default_factory=dict)
    agenda: dict[int, list[Action]] = field(default_factory=lambda: defaultdict(list))
    outcomes: dict[int, tuple[str, float | None]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    cpu_seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    eod_cpu_seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # by stage
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def day(self, index: int) -> date:
        return self.config.start + timedelta(days=index)


def simulate(engine: Engine, config: SimulationConfig, progress: Progress | None = None) -> dict[str, Any]:
    """The whole simulation; returns what happened (counts, seconds per phase, the last EOD)."""
    from creditline.app.setup import initialise
    from creditline.lending.product import builtin_product
    from creditline.store.batch_memory import keep_between_days
    from creditline.store.engine import for_long_batch

    _require_empty(engine)
    for_long_batch(engine)  # SQLite: fewer checkpoints of the write-ahead log (the same book)
    keep_between_days(engine)  # the only writer: EOD keeps what never changes between days
    initialise(engine, config.start)
    started = time.perf_counter()
    people = draw_population(config.borrowers, days=config.days, start=config.start, seed=config.seed)
    run = Run(engine, config, np.random.default_rng(config.seed + 1), builtin_product("revolving-consumer"),
              {p.serial: p for p in people})  # fmt: skip
    run.seconds["population"] = time.perf_counter() - started
    arrivals: dict[int, list[Applicant]] = defaultdict(list)
    for person in people:
        arrivals[person.applied_day].append(person)
    last: dict[str, Any] = {}
    for index in range(config.days):
        last = _one_day(run, index, arrivals.pop(index, []))
        if progress is not None:
            progress(index + 1, config.days)
    _record_population(run)
    return _report(run, last)


def _one_day(run: Run, index: int, arriving: list[Applicant]) -> dict[str, Any]:
    """Applications, then borrowers' actions, then end of day; returns the day's EOD result."""
    marks = [(time.perf_counter(), time.process_time())]
    _apply(run, arriving, index)
    marks.append((time.perf_counter(), time.process_time()))
    _act(run, index, run.agenda.pop(index, []))
    marks.append((time.perf_counter(), time.process_time()))
    result = _eod(run, index)
    marks.append((time.perf_counter(), time.process_time()))
    for phase, (before, after) in zip(("apply", "borrow_and_pay", "eod"), itertools.pairwise(marks), strict=True):
        run.seconds[phase] += after[0] - before[0]
        run.cpu_seconds[phase] += after[1] - before[1]  # the figure to compare on a shared machine
    return result


def _require_empty(engine: Engine) -> None:
    from sqlalchemy import inspect

    if "loans" not in inspect(engine).get_table_names():
        return
    from creditline.store import UnitOfWork

    with UnitOfWork(engine, read_only=True) as uow:
        if uow.loans.count() or uow.system.business_date() is not None:
            raise SimulationInvalid("simulate builds a database from nothing; give it an empty one", field="db")


# -- applications ----------------------------------------------------------------------------------------


def _apply(run: Run, arriving: list[Applicant], index: int) -> None:
    """The day's applicants, each through the same decision as `apply`, in one unit of work (`apply_many`)."""
    from creditline.app.apply import ApplyForCredit, apply_many
    from creditline.app.apply_setup import OriginationConfig

    if not arriving:
        return
    config, start = OriginationConfig(), run.config.start
    commands = [ApplyForCredit(f"sim-{run.config.seed}-{p.serial}", application_form(p, start), config) for p in arriving]
    for person, decision in zip(arriving, apply_many(run.engine, commands), strict=True):
        _decided(run, person, decision, index)


def _decided(run: Run, person: Applicant, decision: dict[str, Any], index: int) -> None:
    run.counts["applications"] += 1
    run.counts[f"decision_{decision['outcome']}"] += 1
    model_pd = float(decision["pd"]) if decision.get("pd") is not None else None
    run.outcomes[person.serial] = (decision["outcome"], model_pd)
    if decision["outcome"] != "approve" or decision["line_id"] is None:
        return
    rate = Decimal(decision["daily_rate_pct"]) / 100
    run.borrowers[person.serial] = Borrower(person, decision["borrower_id"], decision["line_id"], rate)
    first = first_draw_day(run.rng, index)
    if first is not None:
        run.agenda[first].append(Action(first, "draw", person.serial))


# -- drawdowns, deposits, payoffs ---------------------------------------------------------------------------


def _act(run: Run, index: int, actions: list[Action]) -> None:
    from creditline.store.tables_servicing_bank import SqlBankBook

    deposits: dict[str, int] = defaultdict(int)
    # What each drawing line has available, read for the day's draws in one query; a line's figure is
    # dropped once a draw or payoff on it has run, so a second action that day reads it afresh.
    available = _available_majors(run, {run.borrowers[a.serial].line_id for a in actions if a.kind == "draw"})
    drawer = _Drawer(run.engine)
    try:
        for action in actions:
            borrower = run.borrowers[action.serial]
            if action.kind == "deposit":
                deposits[borrower.borrower_id] += action.amount_minor
            elif action.kind == "draw":
                known = available.pop(borrower.line_id, None)
                if known is None:
                    drawer.commit()  # the read below is another connection's: it sees committed draws only
                    known = _available_major(run, borrower.line_id)
                _draw(run, drawer, borrower, index, known)
            elif action.kind == "payoff":
                drawer.commit()  # a payoff is its own unit of work
                available.pop(borrower.line_id, None)
                _payoff(run, borrower, action.loan_id)
        drawer.commit()
    finally:
        drawer.close()
    if deposits:
        code = run.product.currency.code
        SqlBankBook(run.engine).deposit([(b, code, m) for b, m in deposits.items() if m > 0])
        run.counts["deposits"] += len(deposits)


class _Drawer:
    """The day's drawdowns in one unit of work, committed when the day's other actions need it to be.

    Each draw runs at once (`draw_in`, the use case's own steps) inside a savepoint, so a refused one
    leaves nothing behind (whatever step refuses it); only the commit is shared.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.uow: Any = None

    def draw(self, command: Any) -> dict[str, Any]:
        from creditline.app.loans import draw_in
        from creditline.store import UnitOfWork

        if self.uow is None:
            self.uow = UnitOfWork(self.engine).__enter__()
        # The savepoint by hand: SQLAlchemy's nested transaction object cost more than the draw's own writes.
        connection = self.uow.connection
        connection.exec_driver_sql("SAVEPOINT sim_draw")
        try:
            result = draw_in(self.uow, command)
        except BaseException:
            connection.exec_driver_sql("ROLLBACK TO SAVEPOINT sim_draw")
            raise
        connection.exec_driver_sql("RELEASE SAVEPOINT sim_draw")
        return result

    def commit(self) -> None:
        if self.uow is not None:
            self.uow.commit()
            self.close()

    def close(self) -> None:
        if self.uow is not None:
            uow, self.uow = self.uow, None
            uow.__exit__(None, None, None)  # rolls back unless committed


def _draw(run: Run, drawer: _Drawer, borrower: Borrower, index: int, available_major: int) -> None:
    from creditline.app import Draw
    from creditline.lending.schedule import build_schedule
    from creditline.money import Money

    choice = choose_draw(run.rng, available_major)
    if choice is None:
        return
    key = f"sim-draw-{borrower.person.serial}-{len(borrower.loans)}"
    try:
        loan = drawer.draw(Draw(borrower.line_id, str(choice.amount_major), choice.term_months, key, choice.method))
    except DomainError:
        run.counts["draws_refused"] += 1  # a frozen line, an APR above the cap: the borrower goes away
        return
    borrower.loans.append(loan["loan_id"])
    run.counts["loans"] += 1
    amount = Money.parse(str(choice.amount_major), run.product.currency)
    terms = run.product.schedule_terms(amount, choice.term_months, choice.method, borrower.rate_daily, run.day(index))
    start = run.config.start
    installments = [((row.due_date - start).days, row.principal.minor + row.interest.minor)
                    for row in build_schedule(terms).rows]  # fmt: skip
    for action in loan_actions(run.rng, borrower.person.persona, borrower.person.serial, loan["loan_id"], index,
                               installments, amount.minor):  # fmt: skip
        if action.day < run.config.days:
            run.agenda[max(action.day, index)].append(action)


def _available_major(run: Run, line_id: str) -> int:
    """What the borrower's app shows as available on the line, in whole units: the line's own
    `available` as `show_line` computes it, without the change history and loan list it also reads."""
    return _available_majors(run, {line_id})[line_id]


def _available_majors(run: Run, line_ids: set[str]) -> dict[str, int]:
    """`_available_major` of each of the day's drawing lines, read in one unit of work."""
    from creditline.app.common import business_date
    from creditline.store import UnitOfWork

    if not line_ids:
        return {}
    found: dict[str, int] = {}
    with UnitOfWork(run.engine, read_only=True) as uow:
        on = business_date(uow)
        for line_id in sorted(line_ids):
            record = uow.lines.get(line_id)
            assert record is not None, f"the simulator opened {line_id}"
            found[line_id] = int(record.line.available(on).to_decimal())
    return found


def _payoff(run: Run, borrower: Borrower, loan_id: str) -> None:
    from creditline.app import Repay, repay
    from creditline.app.quotes import payoff_quote

    quote = payoff_quote(run.engine, loan_id)
    if Decimal(quote["total"]) <= 0:
        return
    try:
        repay(run.engine, Repay(loan_id, quote["total"], f"sim-payoff-{loan_id}"))
        run.counts["payoffs"] += 1
    except DomainError:
        run.counts["payoffs_refused"] += 1


def _eod(run: Run, index: int) -> dict[str, Any]:
    from creditline.app.eod_pipeline import run_pipeline

    result = run_pipeline(run.engine, run.day(index + 1), only=run.config.stages)[-1]
    for stage, seconds in result.get("cpu_seconds", {}).items():
        run.eod_cpu_seconds[stage] += seconds
    return result


# -- the record ------------------------------------------------------------------------------------------


def _record_population(run: Run) -> None:
    from creditline.store import UnitOfWork
    from creditline.store.tables_servicing import sim_population

    rows = []
    for serial, (outcome, model_pd) in sorted(run.outcomes.items()):
        person = run.people[serial]
        borrower = run.borrowers.get(serial)
        rows.append({
            "serial": serial, "borrower_id": None if borrower is None else borrower.borrower_id,
            "line_id": None if borrower is None else borrower.line_id, "applied_on": run.day(person.applied_day),
            "persona": person.persona, "latent_pd": person.latent_pd,
            "age_years": person.age_on(run.day(person.applied_day)),
            "income_monthly_minor": person.income_monthly_minor, "employment": person.employment,
            "outcome": outcome, "model_pd": model_pd,
        })  # fmt: skip
    with UnitOfWork(run.engine) as uow:
        for start in range(0, len(rows), 20_000):
            uow.connection.execute(sim_population.insert(), rows[start : start + 20_000])
        uow.commit()


def _report(run: Run, last: dict[str, Any]) -> dict[str, Any]:
    return {
        "borrowers": run.config.borrowers,
        "months": run.config.months,
        "seed": run.config.seed,
        "start": run.config.start.isoformat(),
        "business_date": run.day(run.config.days).isoformat(),
        "eod_days": run.config.days,
        "applications": run.counts["applications"],
        "decisions": {k.removeprefix("decision_"): v for k, v in run.counts.items() if k.startswith("decision_")},
        "lines": len(run.borrowers),
        "loans": run.counts["loans"],
        "payoffs": run.counts["payoffs"],
        "last_eod": {k: last.get(k) for k in ("run_date", "loans_accrued", "loans_overdue", "interest", "penalty")},
        "last_eod_messages": last.get("messages", {}),
        "seconds": {k: round(v, 1) for k, v in run.seconds.items()},
        "cpu_seconds": {k: round(v, 1) for k, v in run.cpu_seconds.items()},
        "eod_cpu_seconds": {k: round(v, 1) for k, v in sorted(run.eod_cpu_seconds.items(), key=lambda kv: -kv[1])},
    }
