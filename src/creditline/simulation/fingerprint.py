"""The figures of a simulated book without its random ids: two runs with the same seed must agree.

Loan, entry and decision ids are fresh UUIDs every run, so the book is compared by what it holds:
the report's counts, loans by status with their balances, the trial balance, classes and defaults,
provisions, debit attempts, and a digest of each table's id-free rows (borrower ids are keyed
hashes of the ID number, so they repeat). Used by the regression test of the simulator and by the
speed work on it (docs/simulation.md, "Speed").
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Engine, text

REPORT_KEYS = ("applications", "decisions", "lines", "loans", "payoffs", "business_date", "eod_days", "last_eod",
               "last_eod_messages")  # fmt: skip

# id-free rows whose multiset must repeat (each table's random ids left out)
DIGESTS = {
    "loans": "SELECT borrower_id, disbursed_on, status, as_of, principal_outstanding_minor, interest_receivable_minor,"
    " penalty_receivable_minor, fee_receivable_minor, credit_balance_minor, days_past_due, interest_accrued_minor,"
    " penalty_accrued_minor, eod_interest_posted_minor, eod_penalty_posted_minor, oldest_unpaid_due FROM loans",
    "credit_lines": "SELECT borrower_id, limit_minor, status, outstanding_principal_minor, pending_drawdowns_minor,"
    " rate_daily, opened_on FROM credit_lines",
    "decisions": "SELECT borrower_id, business_date, outcome, status, strategy, pd, score, fraud_score, limit_minor,"
    " rate_daily, apr FROM origination_decisions",
    "population": "SELECT serial, borrower_id, applied_on, persona, outcome, model_pd FROM sim_population",
    "snapshots": "SELECT as_of, borrower_id, origination_date, disbursed_minor, principal_minor, interest_minor,"
    " penalty_minor, limit_minor, undrawn_minor, scheduled_30d_minor, recovered_minor, days_past_due, status, stage,"
    " tier, pd_12m, lgd FROM loan_snapshots",
    "facts": "SELECT borrower_id, origination_date, disbursed_minor, maturity_date, status, tier, stage, tier_since,"
    " defaulted_on, cash_in_at_default_minor, closed_on FROM loan_facts",
    "debit_attempts": "SELECT borrower_id, business_date, round, requested_minor, days_past_due, outcome, debited_minor,"
    " applied FROM debit_attempts",
    "journal": "SELECT j.business_date, p.account, p.borrower_id, p.amount_minor FROM postings p"
    " JOIN journal_entries j ON j.entry_id = p.entry_id",
    "provisions": "SELECT run_date, allowance_minor, previous_minor, stage1_minor, stage2_minor, stage3_minor,"
    " exposures FROM provision_runs",
    "contacts": "SELECT borrower_id FROM collection_contacts",
    "alerts": "SELECT COUNT(*) FROM ew_alerts",
    "limit_reviews": "SELECT COUNT(*) FROM limit_reviews",
    "line_changes": "SELECT COUNT(*) FROM line_changes",
}

SUMMARIES = {
    "loans_by_status": "SELECT status, COUNT(*), SUM(principal_outstanding_minor), SUM(interest_receivable_minor),"
    " SUM(penalty_receivable_minor), SUM(days_past_due) FROM loans GROUP BY status ORDER BY status",
    "trial_balance": "SELECT account, currency, SUM(debit_minor), SUM(credit_minor) FROM account_balances"
    " GROUP BY account, currency ORDER BY account, currency",
    "classes": "SELECT status, tier, stage, COUNT(*), COUNT(defaulted_on) FROM loan_facts"
    " GROUP BY status, tier, stage ORDER BY status, tier, stage",
    "debits": "SELECT outcome, COUNT(*), SUM(requested_minor), SUM(debited_minor) FROM debit_attempts"
    " GROUP BY outcome ORDER BY outcome",
    "last_provision": "SELECT run_date, allowance_minor, stage1_minor, stage2_minor, stage3_minor FROM provision_runs"
    " ORDER BY run_date DESC LIMIT 1",
    "counts": "SELECT (SELECT COUNT(*) FROM journal_entries), (SELECT COUNT(*) FROM postings),"
    " (SELECT COUNT(*) FROM loan_events), (SELECT COUNT(*) FROM eod_runs), (SELECT COUNT(*) FROM loan_snapshots),"
    " (SELECT COUNT(*) FROM notification_outbox), (SELECT COUNT(*) FROM collection_contacts)",
}


def fingerprint(engine: Engine, report: dict[str, Any] | None = None) -> dict[str, Any]:
    """Summaries (readable) and digests (sha256 of the sorted id-free rows) of the book in `engine`."""
    found: dict[str, Any] = {}
    if report is not None:
        found["report"] = {k: report.get(k) for k in REPORT_KEYS}
    with engine.connect() as connection:
        for name, sql in SUMMARIES.items():
            found[name] = [[_plain(v) for v in row] for row in connection.execute(text(sql))]
        for name, sql in DIGESTS.items():
            rows = sorted(repr(tuple(_plain(v) for v in row)) for row in connection.execute(text(sql)))
            found[f"digest_{name}"] = f"{len(rows)}:" + hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16]
    return found


def _plain(value: Any) -> Any:
    """The same text for a value on SQLite and PostgreSQL (dates, Decimals, numbers as text)."""
    return None if value is None else str(value)
