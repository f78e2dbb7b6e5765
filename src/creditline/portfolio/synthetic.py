"""Plausible synthetic month-end loan snapshots, for benchmarks, tests and demos.

Until the simulator writes real histories, this draws a consumer instalment book: loans of 3, 6
or 12 months originate evenly over the months, amortise straight-line, and each month a current
loan misses a payment with a probability set by its own PD, a late loan rolls one bucket worse or
cures, M7 is charged off and then recovers a little each month. Every row passes
`snapshot.validate`. Deterministic for a seed.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from creditline.portfolio.snapshot import SCHEMA
from creditline.portfolio.staging import assign_stage_expr

CLOSED, CHARGED_OFF, UNBORN = 8, 9, -1
ROLL_FORWARD = np.array([0.0, 0.45, 0.60, 0.70, 0.80, 0.85, 0.90, 1.0])  # by bucket M0–M7
RATES_ANNUAL = np.array([0.0730, 0.1095, 0.1460, 0.1825])  # 借呗-like 0.02%–0.05% a day
TERMS_MONTHS = np.array([3, 6, 12])
RECOVERY_MONTHS = 12  # charged-off loans keep a row this long, for the LGD workout


@dataclass
class _Book:
    origination_month: np.ndarray
    origination_day: np.ndarray
    term: np.ndarray
    disbursed: np.ndarray
    pd_origination: np.ndarray
    rate: np.ndarray
    limit: np.ndarray
    state: np.ndarray
    ended: np.ndarray  # month the loan closed or was charged off (−1 while live)
    recovered: np.ndarray


def month_end(start: date, offset: int) -> date:
    index = start.year * 12 + start.month - 1 + offset
    year, month = divmod(index, 12)
    return date(year, month + 1, calendar.monthrange(year, month + 1)[1])


def synthetic_snapshots(*, loans: int, months: int, seed: int = 0, start: date = date(2023, 1, 31),
                        currency: str = "CNY") -> pl.DataFrame:
    """Month-end snapshots for `loans` loans over `months` months starting at the month of `start`."""
    assert loans > 0 and months > 0, "a book has loans and months"
    rng = np.random.default_rng(seed)
    book = _draw_book(rng, loans, months)
    frames = []
    for month in range(months):
        _step(rng, book, month)
        frames.append(_rows(book, month, month_end(start, month), start))
    frame = pl.concat(frames)
    return _finish(frame, currency)


def _draw_book(rng: np.random.Generator, loans: int, months: int) -> _Book:
    disbursed = rng.integers(5, 500, loans) * 10_000  # 500 to 50,000 CNY in minor units
    return _Book(
        origination_month=np.sort(rng.integers(0, months, loans)),
        origination_day=rng.integers(1, 29, loans),
        term=rng.choice(TERMS_MONTHS, loans),
        disbursed=disbursed,
        pd_origination=np.clip(rng.beta(2, 60, loans), 0.001, 0.5),
        rate=rng.choice(RATES_ANNUAL, loans),
        limit=disbursed * rng.integers(1, 4, loans),
        state=np.full(loans, UNBORN, dtype=np.int8),
        ended=np.full(loans, -1, dtype=np.int32),
        recovered=np.zeros(loans, dtype=np.int64),
    )


def _step(rng: np.random.Generator, book: _Book, month: int) -> None:
    """One month of behaviour for loans already on book; loans originated this month start at M0."""
    state = book.state
    draw = rng.random(len(state))
    mob = month - book.origination_month
    late = (state >= 1) & (state <= 7)
    current = state == 0
    monthly_pd = 1.0 - np.power(1.0 - book.pd_origination, 1.0 / 12.0)
    miss = current & (draw < monthly_pd * 3.0)  # missing a payment is likelier than defaulting
    matured = current & ~miss & ((mob >= book.term) | (draw > 0.985))  # paid off, or prepaid
    roll = late & (draw < ROLL_FORWARD[np.clip(state, 0, 7)])
    cure = late & ~roll
    charge_off = state == 7
    next_state = state.copy()
    next_state[miss] = 1
    next_state[matured] = CLOSED
    next_state[roll] = state[roll] + 1
    next_state[cure & (mob >= book.term)] = CLOSED
    next_state[cure & (mob < book.term)] = 0
    next_state[charge_off] = CHARGED_OFF
    next_state[book.origination_month == month] = 0
    book.ended[(next_state >= CLOSED) & (book.ended < 0)] = month
    recovering = (state == CHARGED_OFF) & (month - book.ended <= RECOVERY_MONTHS)
    book.recovered[recovering] += (book.disbursed[recovering] * rng.uniform(0, 0.04, recovering.sum())).astype(
        np.int64)
    book.state = next_state


def _rows(book: _Book, month: int, as_of: date, start: date) -> pl.DataFrame:
    state = book.state
    keep = (state >= 0) & ((state < CLOSED) | (book.ended == month)
                           | ((state == CHARGED_OFF) & (month - book.ended <= RECOVERY_MONTHS)))
    index = np.flatnonzero(keep)
    s = state[index].astype(np.int64)
    mob = month - book.origination_month[index]
    term = book.term[index]
    remaining = np.maximum(term - mob, 0)
    on_book = s < CLOSED
    bucket = np.where(on_book, s, 7)
    # Missed installments stay owed: a loan k buckets late still carries k unpaid installments.
    unpaid_months = np.minimum(np.maximum(remaining, 1) + bucket, term)
    principal = np.where(s == CLOSED, 0, book.disbursed[index] * unpaid_months // term)
    days = np.where(bucket == 0, 0, (bucket - 1) * 30 + 1 + (index % 30))
    days = np.where(s == CLOSED, 0, days)
    interest = np.where(on_book, principal * book.rate[index] // 12 * np.minimum(bucket + 1, 6), 0)
    pd_now = np.minimum(book.pd_origination[index] * (1.0 + 4.0 * bucket), 1.0)
    origination = _dates(start, book.origination_month[index], book.origination_day[index])
    status = np.where(s == CLOSED, "closed", np.where(s == CHARGED_OFF, "charged_off",
                                                      np.where(days > 0, "overdue", "active")))
    undrawn = np.where(on_book, book.limit[index] - principal, 0)
    return pl.DataFrame({
        "as_of": pl.Series([as_of] * len(index), dtype=pl.Date),
        "loan_number": index,
        "origination_date": origination,
        "disbursed_minor": book.disbursed[index],
        "principal_minor": principal,
        "interest_minor": interest,
        "penalty_minor": np.where(days > 0, principal // 200, 0),
        "limit_minor": book.limit[index],
        "undrawn_minor": np.maximum(undrawn, 0),
        "scheduled_30d_minor": np.where(on_book & (remaining > 0), book.disbursed[index] // term, 0),
        "recovered_minor": book.recovered[index],
        "days_past_due": days.astype(np.int32),
        "status": status,
        "pd_12m": pd_now,
        "pd_12m_origination": book.pd_origination[index],
        "remaining_term_months": remaining.astype(np.int32),
        "lgd": np.where(index % 10 == 0, np.nan, 0.35 + 0.2 * (index % 7) / 6),
        "eir_annual": book.rate[index],
    })


def _dates(start: date, months: np.ndarray, days: np.ndarray) -> pl.Series:
    first = np.datetime64(date(start.year, start.month, 1), "M")
    month_start = (first + months.astype("timedelta64[M]")).astype("datetime64[D]")
    return pl.Series(month_start + (days - 1).astype("timedelta64[D]")).cast(pl.Date)


def _finish(frame: pl.DataFrame, currency: str) -> pl.DataFrame:
    number = pl.col("loan_number").cast(pl.String)
    return frame.with_columns(
        ("L" + number).alias("loan_id"),
        ("B" + number).alias("borrower_id"),
        pl.lit("jiebei-v1").alias("product_id"),
        pl.col("origination_date").dt.truncate("1mo").alias("vintage_month"),
        pl.lit(currency).alias("currency"),
        pl.col("lgd").fill_nan(None),
        assign_stage_expr(pl.col("days_past_due"), pl.col("pd_12m"), pl.col("pd_12m_origination")).alias("stage"),
    ).select([pl.col(name).cast(dtype) for name, dtype in SCHEMA.items()])
