"""The credit line: one per borrower and product, a limit the borrower draws from.

available = effective limit − outstanding principal − pending drawdowns, never below zero (a limit cut
below what is already lent leaves nothing to draw, it does not call the loans in).

Two kinds of change, returned differently:
- balance movements (`reserve`, `release`, `book_drawdown`, `restore`, `reclaim`) return the new line;
  the loan events and journal entries that cause them are their record;
- changes of the line's terms (`freeze`, `unfreeze`, `close`, `change_limit`, `set_temp_limit`, and
  `open_line`) return `(line, LineChange)`: the change and its reason, to be stored with it.
Every change returns the line with `version + 1`, which the store uses for optimistic locking.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from creditline.errors import DomainError
from creditline.money import CurrencyMismatch, Money

REASON_LENGTH_MAX = 400
# A limit is capped like one payment (app.loan_command.EVENT_AMOUNT_MINOR_MAX): end of day sums every
# line's undrawn amount into one day's snapshot, and a limit near BIGINT's largest alone passed what that
# sum can hold, stopping the day for the whole book. 10**15 is ten trillion yuan.
LIMIT_MINOR_MAX = 10**15


class LineStatus(StrEnum):
    ACTIVE = "active"
    FROZEN = "frozen"
    CLOSED = "closed"


class LineNotActive(DomainError):
    """The line cannot be drawn on (frozen or closed)."""

    code = "line_not_active"


class LineFrozen(LineNotActive):
    code = "line_frozen"


class LineClosed(LineNotActive):
    code = "line_closed"


class InsufficientLimit(DomainError):
    code = "insufficient_limit"


class InvalidLineChange(DomainError):
    """A change the line's state does not allow (unfreezing an active line, a negative limit...)."""

    code = "invalid_line_change"


@dataclass(frozen=True, slots=True)
class LineChange:
    line_id: str
    on: date
    what: str  # "opened", "status", "limit", "temp_limit"
    old: str | None
    new: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class CreditLine:
    line_id: str
    borrower_id: str
    product_id: str
    limit: Money
    status: LineStatus
    outstanding_principal: Money
    pending_drawdowns: Money
    temp_limit: Money | None = None
    temp_limit_expires: date | None = None  # the last day the temporary limit applies
    version: int = 0
    rate_daily: Decimal | None = None  # the price the line was approved at, used for its drawdowns

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", LineStatus(self.status))
        cur = self.limit.currency
        for amount in (self.outstanding_principal, self.pending_drawdowns, self.temp_limit):
            if amount is not None and amount.currency != cur:
                raise CurrencyMismatch("a credit line holds one currency", field="currency")
        assert not self.limit.is_negative(), "a limit is never negative"
        assert not self.outstanding_principal.is_negative(), "outstanding principal is never negative"
        assert not self.pending_drawdowns.is_negative(), "pending drawdowns are never negative"
        assert (self.temp_limit is None) == (self.temp_limit_expires is None), "a temp limit has an expiry"

    # -- views ------------------------------------------------------------------------------------
    def effective_limit(self, on: date) -> Money:
        if (
            self.temp_limit is not None
            and self.temp_limit_expires is not None
            and on <= self.temp_limit_expires
        ):
            return self.temp_limit
        return self.limit

    def available(self, on: date) -> Money:
        """What can be drawn on `on`: never negative, never above the effective limit."""
        room = self.effective_limit(on) - self.outstanding_principal - self.pending_drawdowns
        return room.max(Money.zero(self.limit.currency))

    def drawdown_refusal(self) -> str | None:
        """The code a drawdown on this line is refused with for its status (`line_frozen`, `line_closed`),
        or None: `available` is the limit's room whatever the status, so a view shows this beside it."""
        try:
            self._check_drawable()
        except LineNotActive as refused:
            return refused.code
        return None

    # -- balance movements ---------------------------------------------------------------------------
    def reserve(self, amount: Money, on: date) -> CreditLine:
        """Hold `amount` for a drawdown being disbursed."""
        self._check_drawable()
        self._check_amount(amount)
        available = self.available(on)
        if amount > available:
            raise InsufficientLimit(
                f"{amount.amount_str()} is more than the {available.amount_str()} available", field="amount"
            )
        return self._next(pending_drawdowns=self.pending_drawdowns + amount)

    def release(self, amount: Money) -> CreditLine:
        """Give back a reservation whose drawdown did not happen."""
        self._check_amount(amount)
        assert amount <= self.pending_drawdowns, "release only what was reserved"
        return self._next(pending_drawdowns=self.pending_drawdowns - amount)

    def book_drawdown(self, amount: Money) -> CreditLine:
        """A reserved drawdown was disbursed: it now counts as outstanding principal."""
        self._check_amount(amount)
        assert amount <= self.pending_drawdowns, "book only what was reserved"
        return self._next(
            pending_drawdowns=self.pending_drawdowns - amount,
            outstanding_principal=self.outstanding_principal + amount,
        )

    def restore(self, principal_repaid: Money) -> CreditLine:
        """Principal was repaid (or written off): the limit is available again. Allowed in any status."""
        self._check_amount(principal_repaid)
        assert principal_repaid <= self.outstanding_principal, "restore at most what is outstanding"
        return self._next(outstanding_principal=self.outstanding_principal - principal_repaid)

    def reclaim(self, principal: Money) -> CreditLine:
        """The opposite of `restore`: a repayment was reversed, so its principal is outstanding again.

        Allowed even when it leaves the line over its limit (the money was lent already).
        """
        self._check_amount(principal)
        return self._next(outstanding_principal=self.outstanding_principal + principal)

    # -- changes of terms, each with its record -----------------------------------------------------
    # A refused status change names the line: `line freeze|unfreeze|close` have no status option.
    def freeze(self, on: date, reason: str) -> tuple[CreditLine, LineChange]:
        if self.status is not LineStatus.ACTIVE:
            raise InvalidLineChange(
                f"only an active line can be frozen; this one is {self.status}", field="line"
            )
        return self._status(LineStatus.FROZEN, on, reason)

    def unfreeze(self, on: date, reason: str) -> tuple[CreditLine, LineChange]:
        if self.status is not LineStatus.FROZEN:
            raise InvalidLineChange(
                f"only a frozen line can be unfrozen; this one is {self.status}", field="line"
            )
        return self._status(LineStatus.ACTIVE, on, reason)

    def close(self, on: date, reason: str) -> tuple[CreditLine, LineChange]:
        """No more drawdowns, for good; loans already drawn run their course."""
        if self.status is LineStatus.CLOSED:
            raise LineClosed("the line is already closed", field="line")
        return self._status(LineStatus.CLOSED, on, reason)

    def change_limit(self, new_limit: Money, on: date, reason: str) -> tuple[CreditLine, LineChange]:
        self._check_open()
        self._check_limit(new_limit, "limit")
        if new_limit == self.limit:
            # refused like freezing a frozen line: an unchanged limit would record an empty change
            raise InvalidLineChange(f"the line's limit is already {new_limit.amount_str()}", field="limit")
        change = LineChange(
            self.line_id, on, "limit", self.limit.amount_str(), new_limit.amount_str(), _reason(reason)
        )
        return self._next(limit=new_limit), change

    def set_temp_limit(
        self, amount: Money | None, expires: date | None, on: date, reason: str
    ) -> tuple[CreditLine, LineChange]:
        """A temporary limit through `expires` (inclusive); `None, None` removes it."""
        self._check_open()
        # fields named as the command's inputs (`line temp-limit --limit … --until …`)
        if (amount is None) != (expires is None):
            raise InvalidLineChange(
                "give both a temporary limit and its expiry, or neither", field="until" if expires is None else "limit"
            )
        if amount is None and self.temp_limit is None:
            # refused like freezing a frozen line: removing nothing would record an empty change
            raise InvalidLineChange("the line has no temporary limit to remove", field="remove")
        if amount is not None and expires is not None:
            self._check_limit(amount, "limit")
            if expires < on:
                raise InvalidLineChange(f"the expiry {expires} is before {on}", field="until")
        old = _temp_text(self.temp_limit, self.temp_limit_expires)
        change = LineChange(self.line_id, on, "temp_limit", old, _temp_text(amount, expires), _reason(reason))
        return self._next(temp_limit=amount, temp_limit_expires=expires), change

    # -- internals -----------------------------------------------------------------------------------
    def _next(self, **changes: object) -> CreditLine:
        return replace(self, version=self.version + 1, **changes)

    def _status(self, status: LineStatus, on: date, reason: str) -> tuple[CreditLine, LineChange]:
        change = LineChange(self.line_id, on, "status", self.status.value, status.value, _reason(reason))
        return self._next(status=status), change

    def _check_drawable(self) -> None:
        if self.status is LineStatus.FROZEN:
            raise LineFrozen("the credit line is frozen; no drawdowns until it is unfrozen", field="line")
        if self.status is LineStatus.CLOSED:
            raise LineClosed("the credit line is closed", field="line")

    def _check_open(self) -> None:
        if self.status is LineStatus.CLOSED:
            raise LineClosed("the credit line is closed", field="line")

    def _check_amount(self, amount: Money) -> None:
        if amount.currency != self.limit.currency:
            raise CurrencyMismatch(
                f"{amount.currency.code} given; the line is in {self.limit.currency.code}", field="currency"
            )
        if not amount.is_positive():
            raise InvalidLineChange(f"the amount must be positive, got {amount.amount_str()}", field="amount")

    def _check_limit(self, limit: Money, field: str) -> None:
        if limit.currency != self.limit.currency:
            raise CurrencyMismatch(f"the line is in {self.limit.currency.code}", field="currency")
        _check_limit_range(limit, field)


def open_line(
    *,
    line_id: str,
    borrower_id: str,
    product_id: str,
    limit: Money,
    on: date,
    reason: str,
    rate_daily: Decimal | None = None,
) -> tuple[CreditLine, LineChange]:
    """A new active line with nothing drawn."""
    _check_limit_range(limit, "limit")
    zero = Money.zero(limit.currency)
    line = CreditLine(
        line_id, borrower_id, product_id, limit, LineStatus.ACTIVE, zero, zero, rate_daily=rate_daily
    )
    return line, LineChange(line_id, on, "opened", None, limit.amount_str(), _reason(reason))


def _check_limit_range(limit: Money, field: str) -> None:
    if limit.is_negative():
        raise InvalidLineChange(f"a limit cannot be negative, got {limit.amount_str()}", field=field)
    if limit.minor > LIMIT_MINOR_MAX:
        most = Money(LIMIT_MINOR_MAX, limit.currency).amount_str()
        raise InvalidLineChange(f"a limit is at most {most}, got {limit.amount_str()}", field=field)


def _reason(reason: str) -> str:
    text = " ".join(str(reason).split())
    if not text:
        raise InvalidLineChange("every change to a credit line needs a reason", field="reason")
    if len(text) > REASON_LENGTH_MAX:
        raise InvalidLineChange(f"a reason is at most {REASON_LENGTH_MAX} characters", field="reason")
    return text


def _temp_text(amount: Money | None, expires: date | None) -> str | None:
    if amount is None or expires is None:
        return None
    return f"{amount.amount_str()} until {expires.isoformat()}"
