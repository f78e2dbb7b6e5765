"""Retention: when a borrower's personal data must go, and what erasure removes and keeps.

Personal data is kept no longer than its purpose needs (PIPL Art. 19), but anti-money-laundering
law obliges a lender to keep customer identity and transaction records for a period after the
relationship ends, and an open loan is a relationship that has not ended. So a rule has a period
counted from an anchor (relationship end, or the rejection of an application that never became a
relationship), and an erasure request made earlier restricts processing to legal duties until the
period ends (PIPL Art. 47) instead of deleting what the law still needs.

What erasure removes is the personal fields and their blind indexes. It never touches the books:
journal entries, loan events and the tamper-evident log hold pseudonymous ids and amounts only,
so the ledger still balances and every published tree head still verifies after an erasure.

The periods are versioned policy data, not law in code: the defaults below are a starting point
for the operator's counsel to confirm (see docs/privacy.md).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from creditline.errors import DomainError

PERSONAL_FIELDS = ("name", "id_number", "phone", "date_of_birth", "address", "bank_account", "income", "device_id")


class RetentionAction(StrEnum):
    KEEP = "keep"  # the period has not ended, or the relationship has not
    RESTRICT = "restrict"  # erasure requested but the law still needs the data: legal duties only
    ERASE = "erase"


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    version: str
    customer_years_after_end: int  # identity of a borrower who had a loan or a credit line
    applicant_years_after_rejection: int  # identity of someone whose application was declined

    def __post_init__(self) -> None:
        if not 0 <= self.applicant_years_after_rejection <= self.customer_years_after_end <= 30:
            raise DomainError("retention years must be 0..30, applicants no longer than customers",
                              field="retention", code="invalid_retention_policy")


DEFAULT_POLICY = RetentionPolicy(version="2025-01", customer_years_after_end=10, applicant_years_after_rejection=3)


@dataclass(frozen=True, slots=True)
class SubjectStatus:
    """What retention needs to know of a borrower, all as business dates."""

    borrower_id: str
    became_customer: bool  # ever held a credit line or a loan
    open_obligations: bool  # a loan with a balance, an open credit line, a dispute
    relationship_ended_on: date | None  # the last line closed / loan settled; None while open
    applied_on: date | None = None  # for applicants who never became customers
    erasure_requested_on: date | None = None
    already_erased: bool = False


@dataclass(frozen=True, slots=True)
class RetentionDecision:
    borrower_id: str
    action: RetentionAction
    erase_on: date | None  # when the data may go; None while obligations are open
    reason: str
    fields: tuple[str, ...] = PERSONAL_FIELDS


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later; 29 February falls back to the 28th."""
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def retention_due(status: SubjectStatus, policy: RetentionPolicy) -> date | None:
    """The first business date the borrower's personal data may be erased; None while it may not."""
    if status.open_obligations:
        return None
    if status.became_customer:
        if status.relationship_ended_on is None:
            return None
        return add_years(status.relationship_ended_on, policy.customer_years_after_end)
    if status.applied_on is None:
        return None
    return add_years(status.applied_on, policy.applicant_years_after_rejection)


def decide(status: SubjectStatus, on: date, policy: RetentionPolicy = DEFAULT_POLICY) -> RetentionDecision:
    """What to do with the borrower's personal data on business date `on` (run by EOD and on request)."""
    if status.already_erased:
        return RetentionDecision(status.borrower_id, RetentionAction.KEEP, None, "already erased", ())
    due = retention_due(status, policy)
    if due is not None and on >= due:
        return RetentionDecision(status.borrower_id, RetentionAction.ERASE, due,
                                 f"the retention period of policy {policy.version} ended on {due}")
    if status.erasure_requested_on is not None:
        why = "obligations are still open" if due is None else f"the law needs the data until {due}"
        return RetentionDecision(status.borrower_id, RetentionAction.RESTRICT, due,
                                 f"erasure requested on {status.erasure_requested_on}; {why}")
    return RetentionDecision(status.borrower_id, RetentionAction.KEEP, due, "within the retention period")


def request_erasure(
    status: SubjectStatus, requested_on: date, decided_on: date, policy: RetentionPolicy = DEFAULT_POLICY
) -> RetentionDecision:
    """The answer on business date `decided_on` to a borrower's erasure request made on `requested_on`
    (a letter received earlier is dated earlier): erase now, or restrict until the law lets go. The
    law's period is measured to the day the request is decided, never to the day it was made."""
    assert requested_on <= decided_on, (requested_on, decided_on)  # the app refuses a request dated ahead
    return decide(replace(status, erasure_requested_on=requested_on), decided_on, policy)


def erased_values(columns: tuple[str, ...]) -> dict[str, None]:
    """The column values an erasure writes: nothing, in every personal field and blind index."""
    return dict.fromkeys(columns)


def anonymised_profile(id_number: str | None, date_of_birth: date | None) -> dict[str, str]:
    """What may outlive erasure for portfolio statistics: the birth decade and the province.

    Both are shared by millions of people, so they single no one out (PIPL Art. 73(4): anonymised
    information is no longer personal information). The province is the first two digits of the
    PRC resident ID number (the administrative division code); nothing finer is kept.
    """
    profile: dict[str, str] = {}
    year = date_of_birth.year if date_of_birth else None
    if id_number and len(id_number) == 18 and id_number[:14].isdigit():
        profile["province_code"] = id_number[:2]
        year = year or int(id_number[6:10])
    if year:
        profile["birth_decade"] = f"{year // 10 * 10}s"
    return profile
