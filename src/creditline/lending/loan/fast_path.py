"""Recording an event without replaying the loan: continue the fold from where the last command left it.

`record_event` folds a loan's whole history to record one more event. A command does not need to:
the fold's working state after the previous command — a *checkpoint*: every field of the fold's
`Book` and of each of its installment rows, as integers — can be thawed, moved forward to the
business date (time only: the caller proves no event was recorded since, by the newest sequence),
and given the new event, exactly as `record_event` does after its replay. The checkpoint is the
fold's complete state, not a summary of it, so nothing is lost between commands; property tests
hold `apply_event` equal to `replay` (the states and the checkpoints) over random histories.

Only an event dated on the business date continues the fold, and not a disbursement or a reversal:
a backdated event or a reversal changes the past, so `record_replayed` replays the history (and
returns a fresh checkpoint, so the next command is fast again).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter

from creditline.lending.loan.book import Book, Row
from creditline.lending.loan.contract import LoanContract
from creditline.lending.loan.events import EventKind, LoanEvent
from creditline.lending.loan.fold import apply, fold
from creditline.lending.loan.record import Recorded
from creditline.lending.loan.state import LoanHeadline, LoanState, LoanStatus
from creditline.lending.loan.validation import validate_event
from creditline.lending.loan.view import headline_of, position_of, state_of

# Bump when the layout below changes: a checkpoint of another format is ignored (the loan replays).
CHECKPOINT_FORMAT = 1

# The fold's loan-level fields in checkpoint order (besides loan_id and pricing, which the contract
# gives, and rows). `_freeze` asserts this is every attribute a Book has, so a field added to the
# fold cannot be silently dropped between commands.
_BOOK_FIELDS = (
    "day",
    "disbursed",
    "interest_exact",
    "interest_closed",
    "penalty_exact",
    "penalty_paid",
    "penalty_waived",
    "penalty_written_off",
    "credit",
    "overpaid",
    "credit_applied",
    "credit_refunded",
    "charged_off",
    "charged_off_on",
    "written_off",
    "level_minor",
    "status",
    "days_past_due",
    "oldest_unpaid_due",
)
_BOOK_ATTRIBUTES = frozenset({*_BOOK_FIELDS, "loan_id", "pricing", "rows"})
_ROW_FIELDS = (
    "n",
    "start",
    "due",
    "principal_due",
    "principal_paid",
    "principal_written_off",
    "interest_due",
    "interest_paid",
    "interest_waived",
    "interest_written_off",
    "fee_due",
    "fee_paid",
    "fee_waived",
    "fee_written_off",
    "closed",
    "reaged",
)
assert frozenset(_ROW_FIELDS) == frozenset(Row.__slots__), "the checkpoint holds every field of a row"
# `_freeze` and `_thaw` spell the row layout out: n, two dates, these amounts in this order, two flags.
_ROW_AMOUNTS = _ROW_FIELDS[3:-2]
assert _ROW_FIELDS[:3] == ("n", "start", "due") and _ROW_FIELDS[-2:] == ("closed", "reaged"), _ROW_FIELDS
assert _ROW_AMOUNTS == (
    "principal_due", "principal_paid", "principal_written_off", "interest_due", "interest_paid", "interest_waived",
    "interest_written_off", "fee_due", "fee_paid", "fee_waived", "fee_written_off",
), "the order `_thaw` assigns them in"  # fmt: skip
_row_values = attrgetter(*_ROW_FIELDS)
_HEAD = 1 + len(_BOOK_FIELDS) + 1  # format, the book's fields, the row count
_STATUSES = tuple(LoanStatus)
_NONE = -1  # an absent optional value (dates are ordinals >= 1, level_minor is never negative)

# Kinds that change the past, or start the loan: always replayed.
_REPLAYED_KINDS = frozenset({EventKind.DISBURSEMENT, EventKind.REVERSAL})


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The fold's complete working state after it settled `day` (see the module docstring)."""

    loan_id: str
    last_sequence: int  # the recording sequence of the newest event folded in
    values: tuple[int, ...]
    # Whether every value is an int64 (what the store can hold), when `_freeze` found out; None: not known
    fits_int64: bool | None = field(default=None, compare=False, repr=False)

    @property
    def day(self) -> date:
        return date.fromordinal(self.values[1])

    @property
    def format(self) -> int:
        return self.values[0]


@dataclass(frozen=True, slots=True)
class Applied:
    """A recorded event: the loan after it, with the checkpoint the next command continues from.

    A command needs only the headline after (what it stores and answers with; its journal entry
    diffs the totals it stored before), so the states before and after, installments and all, are
    built only when asked for (`after`, `recorded`)."""

    headline: LoanHeadline
    checkpoint: Checkpoint
    before: Callable[[], LoanState]  # the loan before the event, built when asked
    full_after: Callable[[], LoanState]  # the loan after it, with its installments, built when asked

    @property
    def after(self) -> LoanState:
        return self.full_after()

    @property
    def recorded(self) -> Recorded:
        return Recorded(self.before(), self.after)


def start(contract: LoanContract, disbursement: LoanEvent) -> tuple[LoanState, Checkpoint]:
    """A new loan on its disbursement date, and its first checkpoint."""
    book = fold(contract, [disbursement], contract.terms.disbursed)
    return state_of(book, contract.terms.principal.currency), _freeze(book, disbursement.sequence)


def apply_event(
    checkpoint: Checkpoint, contract: LoanContract, new_event: LoanEvent, business_date: date
) -> Applied | None:
    """Record `new_event` by continuing the fold from `checkpoint`; None when it must be replayed.

    The caller guarantees the checkpoint is current: no event of the loan is newer than
    `checkpoint.last_sequence`. Raises the typed error `validate_event` would for a bad event.
    """
    if not can_continue(checkpoint, contract, new_event, business_date):
        return None
    book = _moved_to(checkpoint, contract, business_date)
    cur = contract.terms.principal.currency
    # The history matters to validation only for disbursements, reversals and backdated events (all
    # replayed); a new event id is the caller's fresh one, so there is no duplicate to look for.
    validate_event(contract, (), new_event, business_date, now=position_of(book, cur))
    book.reopen_day()
    apply(book, contract, new_event)
    book.settle()
    return Applied(
        headline_of(book, cur), _freeze(book, new_event.sequence),
        lambda: state_of(_moved_to(checkpoint, contract, business_date), cur), lambda: state_of(book, cur),
    )  # fmt: skip


def _moved_to(checkpoint: Checkpoint, contract: LoanContract, business_date: date) -> Book:
    """The checkpoint's book moved on to the business date (time only: no event since it)."""
    book = _thaw(checkpoint, contract)
    if book.day < business_date:
        book.advance(business_date)
        book.settle()
    return book


def moved_to(checkpoint: Checkpoint, contract: LoanContract, day: date) -> Book:
    """The book of `checkpoint` moved on in time to `day` (no event since the checkpoint, none dated after it)."""
    assert checkpoint.format == CHECKPOINT_FORMAT and checkpoint.loan_id == contract.loan_id, "the loan's own checkpoint"
    assert checkpoint.day <= day, "a checkpoint moves forward in time only"
    return _moved_to(checkpoint, contract, day)


def continued(checkpoint: Checkpoint, contract: LoanContract, newer: Sequence[LoanEvent], day: date) -> Book | None:
    """The book of `checkpoint` with the `newer` events (recorded after it, in recording order) folded in
    as the commands that recorded them would have (`apply_event`, each on its own date), moved on to `day`;
    None when one must be replayed (a disbursement or reversal, one dated before the book or the event
    before it, or after `day`)."""
    book = _thaw(checkpoint, contract)
    last = checkpoint.last_sequence
    for event in newer:
        if (event.kind in _REPLAYED_KINDS or event.sequence <= last or event.effective_date < book.day
                or event.effective_date > day):  # fmt: skip
            return None
        if book.day < event.effective_date:
            book.advance(event.effective_date)
            book.settle()
        book.reopen_day()
        apply(book, contract, event)
        book.settle()
        last = event.sequence
    if book.day < day:
        book.advance(day)
        book.settle()
    return book


def checkpoint_of(book: Book, last_sequence: int) -> Checkpoint:
    """The checkpoint of a folded book whose newest event has `last_sequence`."""
    return _freeze(book, last_sequence)


def can_continue(
    checkpoint: Checkpoint, contract: LoanContract, new_event: LoanEvent, business_date: date
) -> bool:
    """Whether `apply_event` may continue from `checkpoint` (else the history is replayed)."""
    return (
        checkpoint.format == CHECKPOINT_FORMAT
        and checkpoint.loan_id == contract.loan_id
        and new_event.kind not in _REPLAYED_KINDS
        and new_event.effective_date == business_date
        and new_event.sequence > checkpoint.last_sequence
        and checkpoint.day <= business_date
    )


def record_replayed(
    contract: LoanContract, events: Sequence[LoanEvent], new_event: LoanEvent, business_date: date
) -> Applied:
    """`record_event` (validate, then the loan before and after) with the checkpoint after it."""
    cur = contract.terms.principal.currency
    book = fold(contract, events, business_date)
    before = state_of(book, cur)
    validate_event(contract, events, new_event, business_date, now=before)
    if new_event.kind not in _REPLAYED_KINDS and new_event.effective_date == business_date:
        book.reopen_day()
        apply(book, contract, new_event)
        book.settle()
    else:
        book = fold(contract, [*events, new_event], business_date)
    last_sequence = max([new_event.sequence, *(e.sequence for e in events)])
    after = state_of(book, cur)
    return Applied(LoanHeadline.of(after), _freeze(book, last_sequence), lambda: before, lambda: after)


def checkpoint_at(contract: LoanContract, events: Sequence[LoanEvent], as_of: date) -> Checkpoint:
    """The checkpoint of a loan's history folded up to `as_of` (what the next command continues from)."""
    return _freeze(fold(contract, events, as_of), max(e.sequence for e in events))


# -- the codec: a Book <-> integers, exactly ---------------------------------------------------------


def _freeze(book: Book, last_sequence: int) -> Checkpoint:
    assert vars(book).keys() == _BOOK_ATTRIBUTES, "the checkpoint holds every field of the fold"
    values = [CHECKPOINT_FORMAT, *_book_values(book), len(book.rows)]
    for at, encode, _ in _BOOK_SPECIAL:  # the rest are integers already (`_check_integers` holds them so)
        values[at] = encode(values[at])
    extend = values.extend
    for row in book.rows:  # the row codec spelled out (`_ROW_AMOUNTS`): a row is most of a checkpoint
        v = _row_values(row)
        extend((v[0], v[1].toordinal(), v[2].toordinal()))
        extend(v[3:-2])
        extend((1 if v[-2] else 0, 1 if v[-1] else 0))  # closed, reaged
    fits_int64 = _check_integers(values)
    return Checkpoint(book.loan_id, last_sequence, tuple(values), fits_int64)


def _check_integers(values: list) -> bool:
    """Every value an integer (the fold keeps integers: a Decimal or float here is a bug); whether
    every one is an int64."""
    try:
        array("q", values)  # in C; refuses anything but integers
    except OverflowError:  # beyond int64 (never for a real loan; `checkpoint_blob` then stores none)
        assert all(isinstance(v, int) for v in values), "the fold keeps integers"
        return False
    except TypeError:
        raise AssertionError("the fold keeps integers") from None
    return True


def _thaw(checkpoint: Checkpoint, contract: LoanContract) -> Book:
    values = checkpoint.values
    width, count = len(_ROW_FIELDS), values[_HEAD - 1]
    assert len(values) == _HEAD + count * width, "a checkpoint holds its rows whole"
    fields = list(values[1 : _HEAD - 1])
    for at, _, decode in _BOOK_SPECIAL:
        fields[at - 1] = decode(fields[at - 1])
    book = Book.__new__(Book)  # every attribute set below (`_freeze` asserts there are no others)
    vars(book).update(zip(_BOOK_FIELDS, fields, strict=True))
    book.loan_id, book.pricing = contract.loan_id, contract.pricing
    rows = []
    fromordinal, new_row = date.fromordinal, Row.__new__
    for at in range(_HEAD, _HEAD + count * width, width):
        n, start, due, *amounts, closed, reaged = values[at : at + width]
        row = new_row(Row)
        row.n, row.start, row.due, row.closed, row.reaged = n, fromordinal(start), fromordinal(due), closed != 0, reaged != 0
        (row.principal_due, row.principal_paid, row.principal_written_off, row.interest_due, row.interest_paid,
         row.interest_waived, row.interest_written_off, row.fee_due, row.fee_paid, row.fee_waived,
         row.fee_written_off) = amounts  # fmt: skip
        rows.append(row)
    book.rows = rows
    return book


def _ordinal(value: date) -> int:
    return value.toordinal()


def _optional_ordinal(value: date | None) -> int:
    return _NONE if value is None else value.toordinal()


def _optional_date(value: int) -> date | None:
    return None if value == _NONE else date.fromordinal(value)


def _flag(value: bool) -> int:
    assert isinstance(value, int), "a flag is a bool"
    return int(value)


def _optional_amount(value: int | None) -> int:
    assert value is None or value >= 0, "an installment is never negative"
    return _NONE if value is None else value


def _optional_amount_of(value: int) -> int | None:
    return None if value == _NONE else value


_DATE = (_ordinal, date.fromordinal)
_OPTIONAL_DATE = (_optional_ordinal, _optional_date)
_FLAG = (_flag, bool)
_SPECIAL = {
    "day": _DATE,
    "charged_off": _FLAG,
    "charged_off_on": _OPTIONAL_DATE,
    "written_off": _FLAG,
    "level_minor": (_optional_amount, _optional_amount_of),
    "status": (_STATUSES.index, _STATUSES.__getitem__),
    "oldest_unpaid_due": _OPTIONAL_DATE,
}
_book_values = attrgetter(*_BOOK_FIELDS)
# (index in a checkpoint's values, encode, decode) of the book's fields that are not integers in the fold
_BOOK_SPECIAL = tuple((1 + i, *_SPECIAL[name]) for i, name in enumerate(_BOOK_FIELDS) if name in _SPECIAL)
