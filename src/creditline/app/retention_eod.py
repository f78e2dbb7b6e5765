"""The `retention` stage of end of day: restricted erasure requests whose time has come are erased.

An erasure request made while the law still needs the data is restricted (`app.subject_rights`); it
used to wait for the borrower to ask again once the period had passed. This AFTER stage takes every
restricted request on the new business date and decides it again, as a new request would (the first
request's date kept): erased when due, else still restricted with its due date brought up to date —
a loan settled or a line closed since gives a date where there was none. Idempotent like every AFTER
stage: an erased borrower is no longer restricted, and a restriction decided again changes nothing.

Then the retention period itself (PIPL Art. 47(1)): borrowers nobody asked about whose data is
still held are erased once their period ends — a declined applicant 3 years after their latest
application, a former customer 10 years after their relationship ended: their last line closed or
their last loan event, whichever came later (`DEFAULT_POLICY`). Candidates come set-based from
indexed queries over the anchor dates that reached their period since the stage's previous run (the
declines by `business_date`, the line closes by `ix_line_changes_what_on_date`, the last loan events
by `ix_loan_events_effective_date` with none later by `ix_loan_events_borrower_id_effective_date`);
each is then decided by `retention.decide` on its `app.subject_status`, so the rule stays in one
place, and erased as a request erases (`subject_rights.erase_held_data`), all in one transaction.
An erased borrower holds nothing and has an `erased` request row, so a second run erases nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, exists, func, or_, select

from creditline.store import UnitOfWork

ACTOR = "eod-retention"
RESTRICTED_PER_RUN_MAX = 10_000  # requests decided in one run (due first, then oldest); the rest on the next day's


def erase_due(engine: Engine, closed: date, context: Any) -> Any:
    from creditline.app.eod_stages import StageResult
    from creditline.app.subject_rights import RequestErasure, request_erasure
    from creditline.store.tables_audit import erasure_requests

    e = erasure_requests.c
    today = closed + timedelta(days=1)
    with UnitOfWork(engine, read_only=True) as uow:
        # a request whose due date is still ahead can only be confirmed: only the undated (obligations
        # still open) and the due are decided again
        undated_or_due = or_(e.erase_on.is_(None), e.erase_on <= today)
        query = select(e.borrower_id, e.erase_on).where(e.status == "restricted", undated_or_due)
        waiting = uow.connection.execute(query.order_by(*waiting_order()).limit(RESTRICTED_PER_RUN_MAX)).all()
        restricted = uow.connection.execute(select(func.count()).where(e.status == "restricted")).scalar_one()
    erased, dated = 0, 0
    for borrower_id, erase_on in waiting:
        # each in its own transaction, on the new business date (an AFTER stage's)
        answer = request_erasure(engine, RequestErasure(borrower_id, ACTOR))
        erased += answer["outcome"] == "erased"
        dated += answer["outcome"] == "restricted" and answer["erase_on"] != (erase_on and erase_on.isoformat())
    expired = erase_expired(engine, today)  # decided on the new business date
    summary = {"restricted": restricted, "erased": erased, "due_dates_set": dated} | expired
    message = (f"retention: {erased} of {restricted} restricted erasure request(s) erased, {dated} due date(s) set;"
               f" {expired['period_ended_erased']} of {expired['period_ended_candidates']} borrower(s) erased"
               " as their retention period ended")  # fmt: skip
    return StageResult("retention", summary, message)


def waiting_order() -> tuple[Any, ...]:
    """The order restricted requests are decided in when more wait than a run takes: those due first (an
    erasure the law now allows must not wait behind requests whose obligations are still open), then
    the oldest request first, so a request is never passed over for being late in borrower-id order."""
    from creditline.store.tables_audit import erasure_requests

    e = erasure_requests.c
    return e.erase_on.is_(None), e.requested_on, e.borrower_id


def erase_expired(engine: Engine, today: date) -> dict[str, int]:
    """Erase every borrower whose retention period ended on business date `today` or since the stage's
    previous run, in one transaction."""
    from creditline.app.subject_rights import erase_held_data
    from creditline.app.subject_status import subject_status
    from creditline.privacy.retention import DEFAULT_POLICY, RetentionAction, decide

    with UnitOfWork(engine) as uow:
        candidates = expiry_candidates(uow, today)
        erased = 0
        for borrower_id in candidates:
            status = subject_status(uow, borrower_id)
            if status is None or not holds_data(uow, borrower_id):
                continue
            decision = decide(status, today, DEFAULT_POLICY)
            if decision.action is RetentionAction.ERASE:
                erased += erase_held_data(uow, borrower_id, decision, today, ACTOR)
        uow.commit()
    return {"period_ended_candidates": len(candidates), "period_ended_erased": erased}


def expiry_candidates(uow: UnitOfWork, today: date) -> list[str]:
    """Borrowers whose retention anchor reached its period since the stage's previous run (every one
    up to now on a first run): declined applicants with no line or loan, by their decline's date, and
    customers by their line's close date or by their last loan event's, whichever is later. `decide`
    has the last word on each."""
    from creditline.privacy.retention import DEFAULT_POLICY, add_years
    from creditline.store.tables import credit_lines, line_changes, loan_events, loans
    from creditline.store.tables_origination import origination_decisions
    from creditline.store.tables_servicing import eod_stage_runs

    db = uow.connection
    s = eod_stage_runs.c
    previous = db.execute(select(s.run_date).where(s.stage == "retention", s.run_date < today)
                          .order_by(s.run_date.desc()).limit(1)).scalar()  # fmt: skip
    d, c = origination_decisions.c, line_changes.c

    def window(column: Any, years: int) -> Any:
        upto = column <= add_years(today, -years)
        return upto if previous is None else upto & (column > add_years(previous, -years))

    no_line = ~exists().where(credit_lines.c.borrower_id == d.borrower_id)
    no_loan = ~exists().where(loans.c.borrower_id == d.borrower_id)
    applicants = select(d.borrower_id).where(
        window(d.business_date, DEFAULT_POLICY.applicant_years_after_rejection),
        d.outcome == "decline", no_line, no_loan)  # fmt: skip
    customer_years = DEFAULT_POLICY.customer_years_after_end
    closed = select(c.borrower_id).where(c.what == "status", window(c.on_date, customer_years), c.new_value == "closed")
    # a customer's relationship ends on the later of their line's close and their last loan event (a
    # recovery, a credit balance refunded after the close): those whose last event reached the period
    e, later = loan_events.c, loan_events.alias("later_event").c
    none_later = ~exists().where(later.borrower_id == e.borrower_id,
                                 later.effective_date > add_years(today, -customer_years))  # fmt: skip
    last_events = select(e.borrower_id).where(window(e.effective_date, customer_years), none_later)
    found = db.execute(applicants.union(closed, last_events)).scalars().all()
    return sorted(set(found))


def holds_data(uow: UnitOfWork, borrower_id: str) -> bool:
    """Is any personal data of the borrower still held: vault fields, the account's sealed name, fraud hashes?"""
    from creditline.store.tables_audit import personal_data
    from creditline.store.tables_borrower_servicing import monitoring_profiles
    from creditline.store.tables_identity import identity_accounts
    from creditline.store.tables_origination import origination_decisions, origination_signals

    a, d = identity_accounts.c, origination_decisions.c
    held = (
        exists().where(personal_data.c.borrower_id == borrower_id),
        exists().where(a.borrower_id == borrower_id, a.display_name.is_not(None)),
        exists().where(monitoring_profiles.c.borrower_id == borrower_id),
        exists().where(origination_signals.c.decision_id == d.decision_id, d.borrower_id == borrower_id),
    )
    return any(uow.connection.execute(select(h)).scalar() for h in held)
