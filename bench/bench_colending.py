"""Co-lending: allocation at drawdown, the exact split per loan and in batch, and the end-of-day stage.

- `allocate`: one drawdown offered to 5 partners (cheapest first, every limit checked on the exact split);
- `split_totals`: one loan's 15 cumulative movements split among the platform and 3 partners
  (`Money.allocate`, the per-loan path every command uses);
- `split_batch`: the same for 100,000 loans at once (numpy int64, the end-of-day path);
- the end-of-day `colending` stage on a SQLite book of co-lent loans (each drawn through
  `app.loans.draw`, so allocated and posted as in production), one day of accrual caught up.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

FULL_SPLIT_LOANS = 100_000
SMOKE_SPLIT_LOANS = 2_000
FULL_ONE_BY_ONE = 20_000
SMOKE_ONE_BY_ONE = 500
FULL_BOOK_LOANS = 5_000
SMOKE_BOOK_LOANS = 30
REPEATS = 5
START = date(2025, 1, 1)


def _timed(action: Callable[[], Any], repeats: int = 1) -> tuple[float, float, Any]:
    """(median wall seconds, median CPU seconds, last result)."""
    walls, cpus, result = [], [], None
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        result = action()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def _partners() -> list[Any]:
    from creditline.funding.colending import PartnerStanding, load_partner

    standings = []
    for i in range(5):
        text = "\n".join([
            f"partner_id: bank-{i}", "version: 1", f"name: Bank {i}", "currency: CNY", f'cost_of_funds: "{2 + i / 2}%"',
            'concentration_limit: "30%"', "appetite:", f'  balance_max: "{(i + 1) * 10_000_000}.00"',
            "  terms_months: [3, 6, 12]", '  share_min: "5%"', '  share_max: "40%"',
        ])  # fmt: skip
        standings.append(PartnerStanding(load_partner(text, source="p.yaml", min_own_bp=3000), i * 1_000_000))
    return standings


def bench_allocate(count: int) -> dict[str, Any]:
    from creditline.funding.colending import LoanToFund, allocate
    from creditline.money import Money

    standings = _partners()
    loans = [
        LoanToFund(Money.of_minor(50_000 + 997 * i, "CNY"), (3, 6, 12)[i % 3], "A") for i in range(count)
    ]

    def run() -> int:
        funded = 0
        for loan in loans:
            funded += allocate(loan, standings, book_outstanding_minor=10**10, min_own_bp=3000).shares.co_lent
        return funded

    wall, cpu, funded = _timed(run)
    return {"name": "allocate (5 partners)", "loans": count, "co_lent": funded, "wall_s": round(wall, 3),
            "cpu_s": round(cpu, 3), "per_loan_us": round(wall / count * 1e6, 1)}  # fmt: skip


def _totals(count: int) -> dict[str, np.ndarray]:
    from creditline.funding.colending import SPLIT_MOVEMENTS

    rng = np.random.default_rng(7)
    disbursed = rng.integers(50_000, 5_000_000, count)
    columns = {m: np.zeros(count, dtype=np.int64) for m in SPLIT_MOVEMENTS}
    columns["disbursed"] = disbursed
    columns["principal_repaid"] = disbursed * rng.integers(0, 100, count) // 100
    columns["interest_accrued"] = disbursed * rng.integers(0, 20, count) // 100
    columns["interest_repaid"] = columns["interest_accrued"] * rng.integers(0, 100, count) // 100
    columns["penalty_accrued"] = rng.integers(0, 5_000, count)
    return columns


def bench_split(count: int, one_by_one: int) -> list[dict[str, Any]]:
    from creditline.funding.colending import split_batch, split_totals
    from creditline.money import currency

    columns = _totals(count)
    weights = np.tile(np.array([3000, 3000, 2500, 1500], dtype=np.int64), (count, 1))
    wall, cpu, _ = _timed(lambda: split_batch(columns, weights), REPEATS)
    rows = [{"name": "split_batch (4 parties, 15 movements)", "loans": count, "wall_s": round(wall, 3),
             "cpu_s": round(cpu, 3), "per_loan_us": round(wall / count * 1e6, 2)}]  # fmt: skip
    cny = currency("CNY")
    per_loan = [{m: int(v[i]) for m, v in columns.items()} for i in range(one_by_one)]
    wall, cpu, _ = _timed(lambda: [split_totals(t, (3000, 3000, 2500, 1500), cny) for t in per_loan])
    rows.append({"name": "split_totals per loan (Money.allocate)", "loans": one_by_one, "wall_s": round(wall, 3),
                 "cpu_s": round(cpu, 3), "per_loan_us": round(wall / one_by_one * 1e6, 1)})  # fmt: skip
    return rows


def bench_eod_stage(count: int) -> dict[str, Any]:
    """A SQLite book of `count` co-lent loans; the time of the colending stage for one day's accrual."""
    from creditline.app import Draw, OpenLine, draw, initialise, open_line
    from creditline.app.colending import add_partner
    from creditline.app.eod_pipeline import run_pipeline
    from creditline.store import make_engine, upgrade

    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.sqlite'}")
        upgrade(engine)
        initialise(engine, START)
        for i in range(3):
            add_partner(engine, _partner_file(i), "p.yaml")
        for i in range(count):
            line = open_line(
                engine, OpenLine(f"B{i:06d}", "revolving-consumer", "50000", "0.05", line_id=f"L{i:06d}")
            )
            draw(engine, Draw(line["line_id"], str(1000 + i % 997), (3, 6, 12)[i % 3], f"d{i}"))
        run_pipeline(engine, START + timedelta(days=1), only=frozenset({"accrue", "colending"}))
        wall, cpu, results = _timed(
            lambda: run_pipeline(engine, START + timedelta(days=2), only=frozenset({"accrue", "colending"}))
        )
        engine.dispose()
    summary = results[0]
    return {"name": "EOD day: accrue + colending (SQLite)", "loans": count, "wall_s": round(wall, 3),
            "cpu_s": round(cpu, 3), "colending_wall_s": summary["seconds"].get("colending"),
            "colending_cpu_s": summary["cpu_seconds"].get("colending"),
            "accrue_cpu_s": summary["cpu_seconds"].get("accrue")}  # fmt: skip


def _partner_file(i: int) -> str:
    return "\n".join([
        f"partner_id: bank-{i}", "version: 1", f"name: Bank {i}", "currency: CNY", f'cost_of_funds: "{2 + i}%"',
        'concentration_limit: "100%"', "appetite:", '  balance_max: "1000000000.00"',
        '  share_min: "5%"', '  share_max: "30%"',
    ])  # fmt: skip


def main(smoke: bool) -> list[dict[str, Any]]:
    split_loans = SMOKE_SPLIT_LOANS if smoke else FULL_SPLIT_LOANS
    one_by_one = SMOKE_ONE_BY_ONE if smoke else FULL_ONE_BY_ONE
    rows = [bench_allocate(one_by_one), *bench_split(split_loans, one_by_one)]
    rows.append(bench_eod_stage(SMOKE_BOOK_LOANS if smoke else FULL_BOOK_LOANS))
    return rows
