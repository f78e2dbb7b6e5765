"""Payday timing measured on a simulated book: collection and failed instructions with and without it.

Run: `.venv/bin/python bench/sim_autodebit_timing.py [--borrowers 10000] [--seed 2025]`.

Each borrower owes one installment (1,000.00) due on a day of March 2025 and has one account:
- **paycheck-to-paycheck** (45%): little left before payday (0-50% of the installment), a salary of
  8,000.00 on payday that is spent within 3-12 days (rent, bills, transfers out);
- **comfortable** (55%): always more than the installment, except a 'short day' now and then (3%).
The bank debits what the account holds now, down to the policy's minimum (10.00), like the
simulated bank's funded accounts. Both runs use the shipped policy (2 rounds a day, partial debits,
daily until 7 days late, then every 3rd day); one with payday timing off (`timing = "due-date"`),
one with it on and the borrowers' paydays known, and one with it on and a second source (a wallet
holding 0-100% of the installment, no inflows) asked for what the salary account could not pay. Everything is decided by the real functions
(`DebitPolicy.attempt_mask`, `app.eod_autodebit_sources.wanted_today`); only the balances are modelled.
"""

from __future__ import annotations

import argparse
import dataclasses
from datetime import date, timedelta

import numpy as np

INSTALLMENT = 1_000_00
SALARY = 8_000_00
MINIMUM = 10_00
MONTH = date(2025, 3, 1)
HORIZON_DAYS = 40  # from the due date


def book(borrowers: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "due_day": rng.integers(1, 29, borrowers),
        "payday": rng.integers(1, 29, borrowers),
        "tight": rng.random(borrowers) < 0.45,
        "left_before": (rng.random(borrowers) * INSTALLMENT * 0.5).astype(np.int64),
        "lasts_days": rng.integers(3, 13, borrowers),
        "short_seed": rng.integers(0, 2**31, borrowers),
        "wallet": (rng.random(borrowers) * INSTALLMENT).astype(np.int64),  # a second source: 0-100% of it
    }


def held(b: dict[str, np.ndarray], day: date) -> np.ndarray:
    """What each account would hold on `day` before any debit (the spending path)."""
    payday_this = np.array([date(day.year, day.month, int(p)) for p in b["payday"]])
    last_payday = np.where(payday_this <= day, payday_this,
                           np.array([_prev_month(d) for d in payday_this]))  # fmt: skip
    since = np.array([(day - d).days for d in last_payday])
    salary_left = np.maximum(0, SALARY * (b["lasts_days"] - since) // b["lasts_days"])
    tight = b["left_before"] + salary_left
    short = (b["short_seed"] + day.toordinal() * 7919) % 100 < 3
    comfortable = np.where(short, 0, 5 * INSTALLMENT)
    return np.where(b["tight"], tight, comfortable)


def _prev_month(day: date) -> date:
    first = day.replace(day=1) - timedelta(days=1)
    return first.replace(day=min(day.day, first.day))


def run(b: dict[str, np.ndarray], policy, *, paydays_known: bool, wallet: bool = False) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from creditline.app.eod_autodebit_sources import wanted_today

    n = len(b["due_day"])
    due = np.array([MONTH.replace(day=int(d)) for d in b["due_day"]])
    remaining = np.full(n, INSTALLMENT, dtype=np.int64)
    debited_total = np.zeros(n, dtype=np.int64)  # from the salary account (its spending path is fixed)
    settled_on = np.full(n, -1, dtype=np.int64)
    instructions = failed = 0
    paydays = b["payday"] if paydays_known else np.zeros(n, dtype=np.int64)
    wallet_left = b["wallet"].copy() if wallet else np.zeros(n, dtype=np.int64)
    for offset in range(-1, 28 + HORIZON_DAYS):
        today = MONTH + timedelta(days=offset)
        late = np.array([(today - d).days for d in due])
        owing = (late >= 0) & (remaining > 0)
        if not owing.any():
            continue
        wanted = owing & wanted_today(policy, today, np.maximum(late, 0), paydays)
        available = np.maximum(held(b, today) - debited_total, 0)  # debits come out of what was there
        for round_no in range(policy.rounds_per_day):
            asking = wanted & (remaining > 0)
            if round_no and not asking.any():
                break
            low = np.minimum(MINIMUM, remaining)
            take = np.where(available >= remaining, remaining, np.where(available >= low, available, 0))
            take = np.where(asking, take, 0)
            instructions += int(asking.sum())
            failed += int((asking & (take < remaining)).sum())
            remaining -= take
            available -= take
            debited_total += take
            if wallet:  # the second source, asked for what the first could not pay
                rest = asking & (remaining > 0) & (wallet_left > 0)
                low = np.minimum(MINIMUM, remaining)
                more = np.where(
                    wallet_left >= remaining, remaining, np.where(wallet_left >= low, wallet_left, 0)
                )
                more = np.where(rest, more, 0)
                instructions += int(rest.sum())
                failed += int((rest & (more < remaining)).sum())
                remaining -= more
                wallet_left -= more
            newly = asking & (remaining == 0) & (settled_on < 0)
            settled_on[newly] = late[newly]
    grace = policy.grace_days
    return {
        "paid in full on the due date": float((settled_on == 0).mean()),
        f"paid in full within grace ({grace} days)": float(
            ((settled_on >= 0) & (settled_on <= grace)).mean()
        ),
        "paid in full within 30 days": float(((settled_on >= 0) & (settled_on <= 30)).mean()),
        "collected share of the amount due, 30 days": float(
            (INSTALLMENT * n - remaining.sum()) / (INSTALLMENT * n)
        ),
        "instructions per installment": instructions / n,
        "failed instructions per installment": failed / n,
        "mean days late when paid": float(settled_on[settled_on >= 0].mean()),
    }


def main() -> None:
    from creditline.servicing.debit_policy import builtin_policy

    parser = argparse.ArgumentParser()
    parser.add_argument("--borrowers", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()
    b = book(args.borrowers, args.seed)
    shipped = builtin_policy()
    runs = {
        "without": run(b, dataclasses.replace(shipped, timing="due-date"), paydays_known=False),
        "payday timing": run(b, shipped, paydays_known=True),
        "+ a wallet": run(b, shipped, paydays_known=True, wallet=True),
    }
    print(f"{args.borrowers} borrowers, seed {args.seed}, policy {shipped.key}")
    print(f"{'':48}" + "".join(f"{name:>15}" for name in runs))
    for metric in runs["without"]:
        print(f"{metric:48}" + "".join(f"{r[metric]:15.3f}" for r in runs.values()))


if __name__ == "__main__":
    main()
