"""The early-warning run: gather each signal's facts from the store, test them, store new alerts.

Run for the business date D (after end of day moved loans to D). Loan-level facts are a handful of
grouped queries (recent drawdowns per line, failed auto-debits per loan, unprocessed fraud signals
and held monitoring decisions) plus the terms of the few loans at or past the first-payment-default
day that never had that alert. Portfolio facts are the outstanding principal by product and region every day, and roll
rates and vintage curves from the month-end loan snapshots on the day after a new one is written.
An alert is not raised again while one for the same condition and subject is live (open or
acknowledged); a first payment default and a fraud signal are raised once ever per subject.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from creditline.servicing.early_warning import (
    Alert,
    Kind,
    Thresholds,
    builtin_thresholds,
    failed_debits,
    first_payment_default,
    fraud_signal,
    utilisation_spike,
)
from creditline.servicing.early_warning_portfolio import (
    concentration_alerts,
    roll_rate_alerts,
    vintage_alerts,
)
from creditline.store import UnitOfWork
from creditline.store.collections_repository import ReviewRepository
from creditline.store.tables import credit_lines, loan_events, loans
from creditline.store.tables_collections import ew_alerts

ONCE_EVER = frozenset({Kind.FIRST_PAYMENT_DEFAULT, Kind.FRAUD_SIGNAL})
OPEN_LOAN_STATUSES = ("active", "overdue", "charged-off")
FAILED_DEBIT_OUTCOMES = ("insufficient_funds", "declined")
COLLECTED_OUTCOMES = ("succeeded", "partial")
SIGNALS_PER_RUN_MAX = 100_000
BASIS_POINTS = 10_000


def raise_alerts(uow: UnitOfWork, on: date, thresholds: Thresholds | None = None) -> dict[str, Any]:
    t = thresholds or builtin_thresholds()
    found = [
        *_first_payment_defaults(uow, on, t),
        *_utilisation_spikes(uow, on, t),
        *_failed_debits(uow, on, t),
        *_fraud_signals(uow, on, t),
        *_concentrations(uow, on, t),
        *_monthly_portfolio(uow, on, t),
    ]
    raised = store_alerts(uow, found, t)
    counts: dict[str, int] = defaultdict(int)
    for alert in raised:
        counts[f"raised_{alert.kind.value}"] += 1
    return {"thresholds": t.label, "signals_found": len(found), "alerts_raised": len(raised), **dict(sorted(counts.items()))}


def store_alerts(uow: UnitOfWork, alerts: list[Alert], t: Thresholds) -> list[Alert]:
    """Insert the alerts not already live (or, for once-ever kinds, not already raised at all)."""
    repository = ReviewRepository(uow.connection)
    kinds = sorted({a.kind.value for a in alerts})
    live = repository.live_alert_subjects(kinds) if kinds else set()
    ever = _ever_raised(uow, sorted(k.value for k in ONCE_EVER if k.value in kinds))
    raised = []
    for alert in alerts:
        key = (alert.kind.value, alert.subject)
        if key in live or (alert.kind in ONCE_EVER and key in ever):
            continue
        live.add(key)
        repository.add_alert({
            "kind": alert.kind.value, "scope": alert.scope, "subject": alert.subject, "borrower_id": alert.borrower_id,
            "loan_id": alert.loan_id, "severity": alert.severity.value, "status": "open", "raised_on": alert.raised_on,
            "message": alert.message[:400], "details_json": json.dumps(alert.details, sort_keys=True, default=str),
            "thresholds": t.label,
        })  # fmt: skip
        raised.append(alert)
    return raised


def _ever_raised(uow: UnitOfWork, kinds: list[str]) -> set[tuple[str, str]]:
    if not kinds:
        return set()
    a = ew_alerts.c
    return {(k, s) for k, s in uow.connection.execute(select(a.kind, a.subject).where(a.kind.in_(kinds)))}


def _first_payment_defaults(uow: UnitOfWork, on: date, t: Thresholds) -> list[Alert]:
    """Loans at or past the threshold, never alerted for it, whose oldest unpaid installment is their first one.

    At or past, not exactly at: a day whose run was skipped, or a loan that jumped past the threshold
    (a backdated event), would otherwise never raise it. Loans that already had the alert are left out
    in SQL (index `ix_ew_alerts_kind_subject_status`), so each overdue loan is read until it has one.
    The first due date comes from the loan's terms (`schedule_dates.due_dates`, no replay); a re-age
    or prepayment rewrites the rows, never the terms, so after one the oldest unpaid date differs.
    """
    from sqlalchemy import exists

    from creditline.lending.schedule_dates import due_dates
    from creditline.store.terms_codec import terms_from_json

    rule = t.loan.first_payment_default
    c, a = loans.c, ew_alerts.c
    alerted = exists().where(a.kind == Kind.FIRST_PAYMENT_DEFAULT.value, a.subject == c.loan_id)
    query = select(c.loan_id, c.borrower_id, c.oldest_unpaid_due, c.terms_json, c.days_past_due).where(
        c.status.in_(OPEN_LOAN_STATUSES), c.days_past_due >= rule.days_past_due, ~alerted
    )
    from creditline.store.batch_memory import kept

    # A loan's terms never change once written (a re-age rewrites its rows): a long batch keeps the first due day.
    first_days = kept(uow.connection, FIRST_DUE_KEPT)
    alerts = []
    for loan_id, borrower_id, oldest_unpaid, terms_json, days_past_due in uow.connection.execute(query):
        first_due = None if first_days is None else first_days.get(loan_id)
        if first_due is None:
            first_due = due_dates(terms_from_json(terms_json))[0].toordinal()
            if first_days is not None:
                first_days[loan_id] = first_due
        unpaid = int(oldest_unpaid) == first_due
        alert = first_payment_default(loan_id, borrower_id, unpaid, int(days_past_due), on, rule)
        if alert is not None:
            alerts.append(alert)
    return alerts


FIRST_DUE_KEPT = "first-due-days"  # batch_memory: loan id -> the ordinal of its first due date (from its terms)


def _utilisation_spikes(uow: UnitOfWork, on: date, t: Thresholds) -> list[Alert]:
    rule = t.loan.utilisation_spike
    e, lo, li = loan_events.c, loans.c, credit_lines.c
    since = on - timedelta(days=rule.window_days)
    query = (
        select(li.line_id, li.borrower_id, li.limit_minor, li.outstanding_principal_minor, func.sum(e.amount_minor))
        .select_from(loan_events.join(loans, lo.loan_id == e.loan_id).join(credit_lines, li.line_id == lo.line_id))
        .where(e.kind == "disbursement", e.effective_date > since, e.effective_date <= on)
        .group_by(li.line_id, li.borrower_id, li.limit_minor, li.outstanding_principal_minor)
    )
    alerts = []
    for line_id, borrower_id, limit_minor, outstanding_minor, drawn_minor in uow.connection.execute(query):
        alert = utilisation_spike(line_id, borrower_id, int(drawn_minor or 0), int(outstanding_minor), int(limit_minor),
                                  on, rule)  # fmt: skip
        if alert is not None:
            alerts.append(alert)
    return alerts


def _failed_debits(uow: UnitOfWork, on: date, t: Thresholds) -> list[Alert]:
    """Days on which an auto-debit of the loan collected nothing, within the window."""
    from creditline.app.failed_debit_days import failed_days
    from creditline.store.tables_servicing import debit_attempts

    rule = t.loan.failed_debits
    kept = failed_days(uow, on)
    if kept is not None:  # a long batch's memory of the days (app.failed_debit_days): the same counts
        counts = kept.by_loan(on, rule.window_days)
        return [alert for (loan_id, borrower_id), count in sorted(counts.items())
                if (alert := failed_debits(loan_id, borrower_id, count, on, rule)) is not None]  # fmt: skip
    d = debit_attempts.c
    query = (
        select(d.loan_id, d.borrower_id, func.count(func.distinct(d.business_date)))
        # `coalesce`: SQLite reads the window by the date index, not every failed attempt ever made
        .where(func.coalesce(d.outcome, "").in_(FAILED_DEBIT_OUTCOMES),
               d.business_date > on - timedelta(days=rule.window_days), d.business_date <= on,
               ~collected_that_day(debit_attempts))
        .group_by(d.loan_id, d.borrower_id)
        .having(func.count(func.distinct(d.business_date)) >= rule.count_min)
    )  # fmt: skip
    alerts = []
    for loan_id, borrower_id, count in uow.connection.execute(query):
        alert = failed_debits(loan_id, borrower_id, int(count), on, rule)
        if alert is not None:
            alerts.append(alert)
    return alerts


def collected_that_day(attempts: Any) -> Any:
    """For a failed attempt (a row of `attempts`, the debit_attempts table): whether another round or source
    collected money on the loan that day. Such a day is not one on which auto-debit collected nothing."""
    from sqlalchemy import exists

    other = attempts.alias("collected")
    a, o = attempts.c, other.c
    return exists().where(o.loan_id == a.loan_id, o.business_date == a.business_date,
                          o.outcome.in_(COLLECTED_OUTCOMES))  # fmt: skip


def _fraud_signals(uow: UnitOfWork, on: date, t: Thresholds) -> list[Alert]:
    """Signals reported through `alerts.record_fraud_signal`, and drawdowns monitoring held."""
    from creditline.store.tables_borrower_servicing import monitoring_outcomes

    repository = ReviewRepository(uow.connection)
    rule = t.loan.fraud_signal
    rows = repository.unalerted_signals(SIGNALS_PER_RUN_MAX)
    alerts = [fraud_signal(str(r["signal_id"]), r["borrower_id"], r["kind"], r["detail"], on, rule) for r in rows]
    repository.mark_alerted([r["signal_id"] for r in rows])
    m = monitoring_outcomes.c
    held = select(m.outcome_id, m.borrower_id, m.kind, m.rules_json).where(
        m.action == "hold", m.business_date >= on - timedelta(days=1), m.business_date <= on
    )
    for outcome_id, borrower_id, kind, rules_json in uow.connection.execute(held):
        detail = f"{kind} held by transaction monitoring ({_rule_names(rules_json)})"
        alert = fraud_signal(f"monitoring-{outcome_id}", borrower_id, "monitoring_hold", detail, on, rule)
        alerts.append(alert)
    return alerts


def _rule_names(rules_json: str) -> str:
    try:
        rules = json.loads(rules_json)
    except ValueError:
        return "rules unreadable"
    names = [r.get("rule", r.get("name", "?")) if isinstance(r, dict) else str(r) for r in rules] if isinstance(rules, list) else []
    return ", ".join(names[:5]) or "no rule named"


def _concentrations(uow: UnitOfWork, on: date, t: Thresholds) -> list[Alert]:
    """Concentration within each currency's book: principal of two currencies is never added up."""
    return [alert for currency, exposures in sorted(_exposures(uow).items())
            for alert in concentration_alerts(exposures, on, t.portfolio, currency)]  # fmt: skip


def _exposures(uow: UnitOfWork) -> dict[str, dict[str, dict[str, int]]]:
    """Per currency: outstanding principal by product, by region (the jurisdiction the line was approved
    in) and by co-lending partner.

    One scan of the book's open loans, each joined to the decision that opened its line through
    `ix_origination_decisions_line_id`, which holds the jurisdiction too (migration 0019), and summed in
    SQL. A line is opened by one decision (`app.apply`, `app.decision`), so the join adds no rows; a line
    without one is "unknown".
    """
    from creditline.store.tables_origination import origination_decisions

    c, d = loans.c, origination_decisions.c
    query = (
        select(c.currency, c.product_id, d.jurisdiction, func.sum(c.principal_outstanding_minor))
        .select_from(loans.outerjoin(origination_decisions, d.line_id == c.line_id))
        .where(c.status.in_(OPEN_LOAN_STATUSES))
        .group_by(c.currency, c.product_id, d.jurisdiction)
    )
    books: dict[str, dict[str, dict[str, int]]] = {}
    for currency, product_id, jurisdiction, principal in uow.connection.execute(query):
        book = books.setdefault(str(currency), {"product": defaultdict(int), "region": defaultdict(int)})
        minor = int(principal or 0)
        book["region"]["unknown" if jurisdiction is None else str(jurisdiction)] += minor
        book["product"][str(product_id)] += minor
    for currency, partners in _partner_exposures(uow).items():
        books.setdefault(currency, {})["partner"] = partners
    return {currency: {dimension: dict(groups) for dimension, groups in book.items()} for currency, book in books.items()}


def _partner_exposures(uow: UnitOfWork) -> dict[str, dict[str, int]]:
    """Per currency: partner-funded outstanding principal by co-lending partner (the platform's own share
    left out: the concentration that matters is the reliance on one outside funder)."""
    from creditline.store.tables_colending import loan_funding_shares

    c, s = loans.c, loan_funding_shares.c
    partners = (
        select(c.currency, s.partner_id, func.sum(c.principal_outstanding_minor * s.share_bp))
        .select_from(loan_funding_shares.join(loans, c.loan_id == s.loan_id))
        .where(c.status.in_(OPEN_LOAN_STATUSES))
        .group_by(c.currency, s.partner_id)
    )
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for currency, partner_id, weighted in uow.connection.execute(partners):
        found[str(currency)][str(partner_id)] = int(weighted or 0) // BASIS_POINTS
    return dict(found)


def _monthly_portfolio(uow: UnitOfWork, on: date, t: Thresholds) -> list[Alert]:
    """Roll-rate and vintage alerts, the day after a month-end snapshot is written (once a month).
    The month ends' rows (up to 25 months of the book) are read only on that day: every other day
    one indexed look at `snapshot_dates` says there is nothing to do."""
    from creditline.app.alerts_snapshots import month_end_snapshots
    from creditline.store.tables_servicing import snapshot_dates

    s = snapshot_dates.c
    newest = uow.connection.execute(select(func.max(s.as_of)).where(s.month_end == 1, s.as_of <= on)).scalar()
    if newest is None or newest < on - timedelta(days=1):
        return []
    frame, latest = month_end_snapshots(uow, on)
    if frame is None or latest is None or latest < on - timedelta(days=1):
        return []
    from creditline.portfolio.roll_rates import roll_rates, transition_counts
    from creditline.portfolio.vintage import vintage_curves

    alerts = []
    for (currency,), book in sorted(frame.partition_by("currency", as_dict=True).items()):  # never two currencies summed
        alerts += roll_rate_alerts(roll_rates(transition_counts(book, latest)), on, t.portfolio, currency)
        alerts += vintage_alerts(vintage_curves(book, latest), on, t.portfolio, currency)
    return alerts
