"""Synthetic applicants with every awkward trait of real credit files (blanks, a sentinel code, Y/N,
dates, categories, an identifier and an outcome proxy), and what engineered features feed on: two
money columns whose ratio carries the risk, and a three-month history."""

from __future__ import annotations

import numpy as np
import pandas as pd


def applicants(rows: int, seed: int = 1) -> pd.DataFrame:
    """Raw text columns as a lender exports them: blanks, a sentinel code, Y/N, dates, categories, an id."""
    rng = np.random.default_rng(seed)
    income = rng.lognormal(10, 0.5, rows)
    late = rng.poisson(0.4, rows)
    utilisation = rng.uniform(0, 1.2, rows)
    region = rng.choice(["north", "south", "east", "west"], rows, p=[0.4, 0.3, 0.2, 0.1])
    owner = rng.choice(["Y", "N"], rows)
    opened = pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 3000, rows), unit="D")
    bureau = np.where(rng.random(rows) < 0.1, -9, rng.integers(300, 850, rows))
    limit = np.round(rng.lognormal(9, 0.6, rows), -2)
    balance = np.round(limit * rng.beta(2, 3, rows) * 1.2, 2)
    missed = rng.poisson(0.25, (rows, 3))
    logit = -2.0 + 0.9 * late + 1.5 * (utilisation - 0.6) - 0.6 * (np.log(income) - 10) + 0.5 * (region == "west")
    logit += np.where(bureau < 0, 0.5, -(bureau - 575) / 150)
    logit += 1.5 * (balance / limit - 0.5) + 0.3 * missed.sum(axis=1)
    bad = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)
    income_text = np.where(rng.random(rows) < 0.05, "", np.round(income, 2).astype(str))
    return pd.DataFrame(
        {
            "ApplicationId": np.arange(100000, 100000 + rows).astype(str),
            "MonthlyIncome": income_text,
            "NumberOfTimes90DaysLate": late.astype(str),
            "RevolvingUtilization": np.round(utilisation, 4).astype(str),
            "Region": region,
            "HomeOwner": owner,
            "AccountOpened": opened.strftime("%Y-%m-%d"),
            "BureauScore": bureau.astype(str),
            "CreditLimit": limit.astype(str),
            "Balance": balance.astype(str),
            **{f"Missed{month}": missed[:, month - 1].astype(str) for month in (1, 2, 3)},
            "ChargeOffDate": np.where(bad == 1, opened.strftime("%d/%m/%Y"), ""),
            "Default": bad.astype(str),
        }
    )
