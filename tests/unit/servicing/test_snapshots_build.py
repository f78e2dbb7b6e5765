"""The day's snapshot from loan inputs: schema, status, stage and tier by days past due, undrawn
limits counted once, idle lines, and what falls due within 30 days."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from creditline.servicing.autodebit import DueRows
from creditline.servicing.provisioning import builtin_provisioning_policy
from creditline.servicing.snapshots import LINE_INPUT, LOAN_INPUT, build_snapshot, scheduled_within

AS_OF = date(2025, 6, 30)
POLICY = builtin_provisioning_policy()


def loan(loan_id: str, line_id: str, days: int, status: str = "overdue", **changes: object) -> dict:
    row = {
        "loan_id": loan_id, "borrower_id": f"B-{line_id}", "line_id": line_id, "product_id": "revolving-consumer@1",
        "currency": "CNY", "origination_date": date(2025, 1, 15), "disbursed_minor": 1_000_000,
        "maturity_date": date(2026, 1, 15), "eir_annual": 0.2, "pd_origination": 0.03, "loan_status": status,
        "days_past_due": days, "principal_minor": 800_000, "interest_minor": 5_000, "penalty_minor": 0,
        "scheduled_30d_minor": 90_000, "recovered_minor": 0, "limit_minor": 5_000_000, "line_available_minor": 4_200_000,
    }  # fmt: skip
    return row | changes


def frame(*rows: dict) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=LOAN_INPUT)


NO_LINES = pl.DataFrame(schema=LINE_INPUT)


def test_stage_and_tier_follow_the_backstops_and_the_tier_rule() -> None:
    days = [0, 1, 30, 31, 90, 91, 180, 271, 361]
    rows = [loan(f"L{d}", f"N{d}", d, "active" if d == 0 else "overdue") for d in days]
    snap = build_snapshot(frame(*rows), NO_LINES, AS_OF, POLICY)
    by_days = dict(zip(snap["days_past_due"].to_list(), zip(snap["stage"], snap["tier"], strict=True), strict=True))
    assert by_days == {0: (1, 0), 1: (1, 1), 30: (1, 1), 31: (2, 1), 90: (2, 1), 91: (3, 2), 180: (3, 2),
                       271: (3, 3), 361: (3, 4)}  # fmt: skip
    pd = dict(zip(snap["days_past_due"].to_list(), snap["pd_12m"].to_list(), strict=True))
    assert (pd[0], pd[30], pd[31], pd[91]) == (0.03, 0.03, 0.5, 1.0)


def test_charged_off_is_stage_three_and_closed_loans_owe_nothing() -> None:
    rows = [loan("C", "N1", 180, "charged-off"),
            loan("P", "N2", 0, "paid-off", principal_minor=0, interest_minor=0, scheduled_30d_minor=0)]
    snap = build_snapshot(frame(*rows), NO_LINES, AS_OF, POLICY)
    assert dict(zip(snap["loan_id"], zip(snap["status"], snap["stage"], strict=True), strict=True)) == {
        "C": ("charged_off", 3), "P": ("closed", 1)}


def test_a_lines_undrawn_limit_sits_on_its_first_loan_on_book_and_idle_lines_get_a_row() -> None:
    rows = [loan("A2", "N1", 0, "active"), loan("A1", "N1", 0, "active"), loan("Z", "N2", 0, "active")]
    lines = pl.DataFrame([{
        "line_id": "N3", "borrower_id": "B-N3", "product_id": "revolving-consumer@1", "currency": "CNY",
        "opened_on": date(2025, 3, 2), "limit_minor": 3_000_000, "line_available_minor": 3_000_000,
        "eir_annual": 0.2, "pd_origination": 0.02}], schema=LINE_INPUT)  # fmt: skip
    snap = build_snapshot(frame(*rows), lines, AS_OF, POLICY)
    assert dict(zip(snap["loan_id"], snap["undrawn_minor"], strict=True)) == {
        "A1": 4_200_000, "A2": 0, "Z": 4_200_000, "N3": 3_000_000}
    idle = snap.filter(pl.col("loan_id") == "N3").row(0, named=True)
    assert (idle["disbursed_minor"], idle["vintage_month"], idle["stage"], idle["remaining_term_months"]) == (
        0, date(2025, 3, 1), 1, 12)


def test_remaining_term_counts_whole_months() -> None:
    rows = [loan("A", "N1", 0, "active", maturity_date=date(2025, 7, 30)),
            loan("B", "N2", 0, "active", maturity_date=date(2025, 7, 29)),
            loan("C", "N3", 0, "active", maturity_date=date(2025, 6, 1))]
    snap = build_snapshot(frame(*rows), NO_LINES, AS_OF, POLICY)
    assert snap["remaining_term_months"].to_list() == [1, 0, 0]


def test_scheduled_within_30_days_takes_due_rows_and_the_running_periods_interest() -> None:
    day = AS_OF.toordinal()
    rows = DueRows(
        offsets=np.array([0, 3, 5], dtype=np.int64),
        # loan 0: one row overdue, the running row due in 10 days, the next in 40; loan 1: due in 45 and 75
        due=np.array([day - 5, day + 10, day + 40, day + 45, day + 75], dtype=np.int64),
        principal_unpaid=np.array([100, 200, 300, 400, 500], dtype=np.int64),
        other_unpaid=np.array([7, 0, 0, 0, 0], dtype=np.int64),
    )
    running = np.array([33, 44], dtype=np.int64)
    assert scheduled_within(rows, running, AS_OF).tolist() == [200 + 33, 0]
