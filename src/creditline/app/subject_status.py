"""What the store knows of a borrower, as the privacy rights need it: the retention status an erasure
request is decided on (`privacy.retention.SubjectStatus`), and the sections of their export.

A subject is anyone the platform holds data of under a borrower id: a customer (a credit line, a loan)
or an applicant (a decision record). An id with none of them is `borrower_not_found`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from creditline.lending.loan.state import CLOSED_STATUSES
from creditline.privacy.retention import SubjectStatus
from creditline.privacy.subject_export import SECTION_ROWS_MAX
from creditline.store import UnitOfWork


def subject_status(uow: UnitOfWork, borrower_id: str) -> SubjectStatus | None:
    """The borrower's retention status from the store; None when no line, loan or application names them.

    Open: a line not closed, a loan not paid off or written off, a credit balance still owed to them,
    or an application not yet decided (referred). Ended: the last line closed or loan ended, whichever
    is later. An applicant who never became a customer counts from their latest declined application."""
    from creditline.store.tables import credit_lines, line_changes, loan_events, loans
    from creditline.store.tables_origination import origination_decisions

    db = uow.connection
    lines = db.execute(select(credit_lines.c.status).where(credit_lines.c.borrower_id == borrower_id)).scalars().all()
    n = loans.c
    loan_rows = db.execute(select(n.loan_id, n.status, n.credit_balance_minor).where(n.borrower_id == borrower_id)).all()
    d = origination_decisions.c
    decisions = db.execute(select(d.outcome, d.status, d.business_date).where(d.borrower_id == borrower_id)).all()
    if not lines and not loan_rows and not decisions:
        return None
    open_obligations = (
        any(status != "closed" for status in lines)
        or any(r.status not in CLOSED_STATUSES or r.credit_balance_minor > 0 for r in loan_rows)
        or any(r.status == "referred" for r in decisions)
    )
    ended: date | None = None
    if (lines or loan_rows) and not open_obligations:
        c = line_changes.c
        closed_on = db.execute(select(func.max(c.on_date)).where(
            c.borrower_id == borrower_id, c.what == "status", c.new_value == "closed")).scalar()
        e = loan_events.c
        last_event = db.execute(select(func.max(e.effective_date)).where(e.borrower_id == borrower_id)).scalar()
        ended = max((d for d in (closed_on, last_event) if d is not None), default=None)
    declined = [r.business_date for r in decisions if r.outcome == "decline"]
    return SubjectStatus(
        borrower_id=borrower_id, became_customer=bool(lines or loan_rows), open_obligations=open_obligations,
        relationship_ended_on=ended, applied_on=max(declined, default=None),
    )  # fmt: skip


def export_sections(uow: UnitOfWork, borrower_id: str) -> dict[str, list[Any]]:
    """Everything but the personal fields, each section in a stable order (at most SECTION_ROWS_MAX rows):
    their consents, applications, lines, loans, journal lines and the access log (the export's own read
    last)."""
    from creditline.money import Money
    from creditline.store.tables import credit_lines, loans, postings
    from creditline.store.tables_audit import personal_data_access
    from creditline.store.tables_identity import account_consents, identity_accounts
    from creditline.store.tables_origination import origination_decisions

    def rows(query: Any) -> list[dict[str, Any]]:
        return [dict(r) for r in uow.connection.execute(query.limit(SECTION_ROWS_MAX)).mappings()]

    def money(row: dict[str, Any], currency: str) -> dict[str, Any]:
        return {k.removesuffix("_minor"): Money.of_minor(v, currency) if k.endswith("_minor") and v is not None else v
                for k, v in row.items()}  # fmt: skip

    a, k = identity_accounts.c, account_consents.c
    d, c, n, p, x = origination_decisions.c, credit_lines.c, loans.c, postings.c, personal_data_access.c
    consents = rows(select(k.consent_id, k.scope, k.purpose, k.text_version, k.granted_at, k.expires_at, k.withdrawn_at)
                    .join(identity_accounts, a.account_id == k.account_id).where(a.borrower_id == borrower_id)
                    .order_by(k.granted_at, k.consent_id))  # fmt: skip
    decisions = rows(select(d.decision_id, d.business_date, d.product_id, d.outcome, d.status, d.currency, d.limit_minor,
                            d.apr, d.line_id).where(d.borrower_id == borrower_id).order_by(d.business_date, d.decision_id))
    lines = rows(select(c.line_id, c.product_id, c.currency, c.status, c.opened_on, c.limit_minor,
                        c.outstanding_principal_minor, c.rate_daily).where(c.borrower_id == borrower_id).order_by(c.line_id))
    loan_rows = rows(select(n.loan_id, n.line_id, n.currency, n.disbursed_on, n.status, n.as_of, n.days_past_due,
                            n.principal_outstanding_minor, n.interest_receivable_minor, n.penalty_receivable_minor,
                            n.fee_receivable_minor, n.credit_balance_minor)
                     .where(n.borrower_id == borrower_id).order_by(n.loan_id))  # fmt: skip
    journal = rows(select(p.entry_id, p.account, p.loan_id, p.currency, p.amount_minor)
                   .where(p.borrower_id == borrower_id).order_by(p.posting_id))
    access = rows(select(x.actor, x.purpose, x.fields, x.at, x.granted, x.basis)
                  .where(x.borrower_id == borrower_id).order_by(x.access_id))
    return {
        "consents": consents,
        "applications": [money(r, r["currency"]) for r in decisions],
        "credit_lines": [money(r, r["currency"]) for r in lines],
        "loans": [money(r, r["currency"]) for r in loan_rows],
        "journal_lines": [money(r, r["currency"]) for r in journal],
        "access_log": access,
    }
