"""Use cases: one function per command, each inside one unit of work (see docs/ledger.md)."""

from creditline.app.books import ReconcileReport, reconcile_books, trial_balance_now
from creditline.app.eod import run_eod
from creditline.app.lines import (
    ChangeLimit,
    ChangeLineStatus,
    OpenLine,
    change_limit,
    change_line_status,
    open_line,
    show_line,
)
from creditline.app.loans import (
    Draw,
    Prepay,
    Reage,
    Repay,
    Reverse,
    Waive,
    WriteOff,
    draw,
    prepay,
    reage,
    repay,
    reverse,
    show_loan,
    waive,
    write_off,
)
from creditline.app.setup import initialise

__all__ = [
    "ChangeLimit",
    "ChangeLineStatus",
    "Draw",
    "OpenLine",
    "Prepay",
    "Reage",
    "ReconcileReport",
    "Repay",
    "Reverse",
    "Waive",
    "WriteOff",
    "change_limit",
    "change_line_status",
    "draw",
    "initialise",
    "open_line",
    "prepay",
    "reage",
    "reconcile_books",
    "repay",
    "reverse",
    "run_eod",
    "show_line",
    "show_loan",
    "trial_balance_now",
    "waive",
    "write_off",
]
