"""Typed errors of collections: bad strategy files, refused contacts, promises and hardship requests."""

from __future__ import annotations

from creditline.errors import Conflict, DomainError, NotFound


class StrategyInvalid(DomainError):
    """A collections strategy file that does not validate (unknown field, bad value)."""

    code = "strategy_invalid"


class ContactRefused(DomainError):
    """A contact the conduct rules forbid: quiet hours, a frequency cap, a third party."""

    code = "contact_refused"
    http_status = 409


class PromiseInvalid(DomainError):
    code = "promise_invalid"


class PromiseLimitReached(Conflict):
    """The loan's promises broke too often lately (the strategy's `broken_max` in `broken_window_days`)."""

    code = "promise_limit_reached"


class HardshipNotEligible(DomainError):
    code = "hardship_not_eligible"
    http_status = 409


class WorkItemNotFound(NotFound):
    code = "work_item_not_found"


class WorkItemClosed(Conflict):
    code = "work_item_closed"


class LoanLeftCollections(Conflict):
    """The loan is paid off or written off: it has left collections, so no contact is recorded on it (a call
    on record would count against the borrower's caps and show a debt that is not owed)."""

    code = "loan_left_collections"


class WorkItemHeld(Conflict):
    """The work item is assigned to another agent: taking it would reassign their work behind their back."""

    code = "work_item_held"


class CollectionsInputInvalid(DomainError):
    code = "collections_input_invalid"
