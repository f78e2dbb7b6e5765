"""Securitisation in the books: the tape from the books, a sale, and the funding end-of-day stage.

A SQLite book of co-lent loans, each drawn through `app.loans.draw`; then
- `export_tape`: the platform's own loans as a tape (own share of each split, pseudonyms);
- `sell_pool`: the whole book sold to a trust in one unit of work (selection, structure, price,
  the deal and every loan recorded, one entry);
- an end-of-day day after a tenth of the loans repaid: the `funding` stage passes their collections
  through and accrues the servicing fee;
- the payment date: the stage closes the period (servicer report, waterfall, remittance);
- `reconcile_trusts` over the deal.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

FULL_LOANS = 5_000
SMOKE_LOANS = 30
START = date(2025, 1, 1)
STAGES = frozenset({"accrue", "classify", "provision", "snapshot", "colending", "funding"})


def _timed(action: Callable[[], Any]) -> tuple[float, float, Any]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def _book(engine: Any, count: int) -> list[str]:
    from creditline.app import Draw, OpenLine, draw, initialise, open_line
    from creditline.app.colending import add_partner

    initialise(engine, START)
    partner = ["partner_id: bank", "version: 1", "name: Bank", "currency: CNY", 'cost_of_funds: "3%"',
               'concentration_limit: "100%"', "appetite:", '  balance_max: "1000000000.00"', '  share_min: "5%"',
               '  share_max: "50%"']  # fmt: skip
    add_partner(engine, "\n".join(partner), "p.yaml")
    loans = []
    for i in range(count):
        line = open_line(engine, OpenLine(f"B{i:06d}", "revolving-consumer", "50000", "0.05", line_id=f"L{i:06d}"))
        loans.append(draw(engine, Draw(line["line_id"], str(1000 + i % 997), (3, 6, 12)[i % 3], f"d{i}"))["loan_id"])
    return loans


def _day(engine: Any, day: date) -> dict[str, Any]:
    from creditline.app.eod_pipeline import run_pipeline

    return run_pipeline(engine, day, only=STAGES)[0]


def _deal(cut_off: date) -> dict[str, Any]:
    return {"name": "Bench ABS", "currency": "CNY", "cut_off_date": cut_off, "closing_date": cut_off + timedelta(days=1),
            "first_payment_date": cut_off + timedelta(days=3), "servicing_fee_rate": Decimal("0.01"),
            "tranches": [{"name": "A", "share": Decimal("0.85"), "coupon_rate": Decimal("0.03")},
                         {"name": "Sub", "share": Decimal("0.15")}]}  # fmt: skip


def run(count: int) -> list[dict[str, Any]]:
    import creditline.app.trust_eod  # noqa: F401  (the funding stage)
    from creditline.app import Repay, repay
    from creditline.app.securitisation import SellPool, sell_pool
    from creditline.app.securitisation_tape import export_tape
    from creditline.app.trust_books import reconcile_trusts
    from creditline.store import make_engine, upgrade

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.sqlite'}")
        upgrade(engine)
        loans = _book(engine, count)
        _day(engine, START + timedelta(days=1))
        today = START + timedelta(days=1)
        wall, cpu, tape = _timed(lambda: export_tape(engine, salt="bench"))
        rows.append({"name": "export_tape (books, own share)", "loans": tape["loans"], "wall_s": round(wall, 3),
                     "cpu_s": round(cpu, 3)})  # fmt: skip
        wall, cpu, sold = _timed(lambda: sell_pool(engine, SellPool(_deal(today), "bench", "yaml", "bench-sale")))
        rows.append({"name": "sell_pool (select, price, record, post)", "loans": sold["loans"],
                     "wall_s": round(wall, 3), "cpu_s": round(cpu, 3)})  # fmt: skip
        for n, loan_id in enumerate(loans[:: 10]):
            repay(engine, Repay(loan_id, "100.00", f"r{n}"))
        closed = _day(engine, today + timedelta(days=1))  # the sale day: its repayments pass through
        rows.append(_stage_row("EOD funding stage: pass-through and fee (SQLite)", count, closed))
        _day(engine, today + timedelta(days=2))
        _day(engine, today + timedelta(days=3))
        closed = _day(engine, today + timedelta(days=4))  # the payment date (cut-off + 3)
        rows.append(_stage_row("EOD funding stage: period close (SQLite)", count, closed))
        wall, cpu, report = _timed(lambda: reconcile_trusts(engine))
        assert report["clean"], report
        rows.append({"name": "reconcile_trusts", "loans": count, "wall_s": round(wall, 3), "cpu_s": round(cpu, 3)})
        engine.dispose()
    return rows


def _stage_row(name: str, count: int, result: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "loans": count, "stage_wall_s": round(result["seconds"]["funding"], 3),
            "stage_cpu_s": round(result["cpu_seconds"]["funding"], 3),
            "periods_closed": len(result["stages"]["funding"]["trusts"]["periods_closed"]),
            "loans_moved": result["stages"]["funding"]["trusts"]["loans_moved"]}  # fmt: skip


def main(smoke: bool) -> list[dict[str, Any]]:
    return run(SMOKE_LOANS if smoke else FULL_LOANS)
