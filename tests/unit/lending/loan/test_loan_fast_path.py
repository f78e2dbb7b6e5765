"""The incremental fold: continuing from a checkpoint equals replaying the whole history.

- one event on the business date, from a checkpoint of any earlier day: the states before and after
  equal `replay`, the new checkpoint equals the one the full fold leaves, and a bad event raises the
  error `validate_event` raises;
- a chain of commands, each continuing from the previous one's checkpoint only, ends where the replay
  of the whole history does (the way a loan lives in the store);
- backdated events and reversals are refused by the fast path (and `record_replayed` handles them);
- the checkpoint holds every field of the fold, integers only.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from loan_helpers import History, contract
from loan_strategies import SCALE, check_invariants, contracts, histories

from creditline.errors import DomainError
from creditline.lending.loan import EventKind, LoanContract, LoanEvent, record_event, replay, validate_event
from creditline.lending.loan.fast_path import (
    CHECKPOINT_FORMAT,
    Checkpoint,
    _thaw,
    apply_event,
    checkpoint_at,
    record_replayed,
    start,
)
from creditline.lending.loan.fold import fold
from creditline.lending.loan.state import LoanHeadline, LoanStatus
from creditline.lending.loan.view import headline_of, state_of
from creditline.money import Money

# Kinds a command records on the business date (reversals and disbursements are replayed).
FAST_KINDS = [
    EventKind.REPAYMENT,
    EventKind.REPAYMENT,
    EventKind.REPAYMENT,
    EventKind.WAIVER,
    EventKind.FEE,
    EventKind.PREPAYMENT_REAMORTISE,
    EventKind.REAGE,
    EventKind.WRITE_OFF,
    EventKind.CREDIT_REFUND,
]


@st.composite
def new_events(draw: st.DrawFn, loan: LoanContract, on: date, sequence: int) -> LoanEvent:
    """An event a command could record on `on`: any fast kind, amounts from a cent to past the whole loan."""
    kind = draw(st.sampled_from(FAST_KINDS))
    cur = loan.terms.principal.currency
    amount: Money | None = Money(
        draw(st.integers(min_value=1, max_value=loan.terms.principal.minor + 10_000)), cur
    )
    data: tuple[tuple[str, str], ...] = ()
    if kind is EventKind.WAIVER:
        data = (("component", draw(st.sampled_from(["interest", "penalty", "fee", "principal"]))),)
    elif kind is EventKind.PREPAYMENT_REAMORTISE:
        data = (("mode", draw(st.sampled_from(["keep-term", "keep-installment"]))),)
    elif kind is EventKind.REAGE:
        data, amount = (("installments", str(draw(st.integers(min_value=1, max_value=12)))),), None
    elif kind is EventKind.WRITE_OFF:
        amount = None
    return LoanEvent(f"n{sequence}", kind, on, sequence, amount, None, data)


@st.composite
def checkpointed_loans(draw: st.DrawFn) -> tuple[LoanContract, list[LoanEvent], date, date]:
    """A loan, its history up to a checkpoint day, the checkpoint day and a business date on or after it."""
    loan = draw(contracts())
    checkpoint_day = loan.terms.disbursed + timedelta(days=draw(st.integers(min_value=0, max_value=500)))
    events = [e for e in draw(histories(loan)) if e.effective_date <= checkpoint_day]
    gap = draw(st.sampled_from([0, 0, 1, 2, 17, 31, 95, 400]))
    return loan, events, checkpoint_day, checkpoint_day + timedelta(days=gap)


@settings(max_examples=int(200 * SCALE), deadline=None)
@given(checkpointed_loans(), st.data())
def test_one_event_from_a_checkpoint_equals_the_replay(case: tuple, data: st.DataObject) -> None:
    loan, events, checkpoint_day, today = case
    checkpoint = checkpoint_at(loan, events, checkpoint_day)
    new = data.draw(new_events(loan, today, max(e.sequence for e in events) + 1))
    try:
        applied = apply_event(checkpoint, loan, new, today)
    except DomainError as error:
        with pytest.raises(type(error)):
            validate_event(loan, events, new, today)
        return
    assert applied is not None
    assert applied.recorded.before == replay(loan, events, today)
    assert applied.recorded.after == replay(loan, [*events, new], today)
    assert applied.checkpoint == checkpoint_at(loan, [*events, new], today)
    assert applied.headline == LoanHeadline.of(applied.recorded.after)
    check_invariants(applied.recorded.after)


@settings(max_examples=int(60 * SCALE), deadline=None)
@given(contracts(), st.data())
def test_a_chain_of_commands_from_checkpoints_ends_where_the_replay_does(
    loan: LoanContract, data: st.DataObject
) -> None:
    state, checkpoint = start(loan, loan.disbursement("d"))
    events = [loan.disbursement("d")]
    today = loan.terms.disbursed
    for sequence in range(2, data.draw(st.integers(min_value=1, max_value=10)) + 2):
        today += timedelta(days=data.draw(st.sampled_from([0, 0, 1, 9, 30, 31, 45, 120])))
        new = data.draw(new_events(loan, today, sequence))
        try:
            applied = apply_event(checkpoint, loan, new, today)
        except DomainError:
            continue  # refused, nothing recorded: the checkpoint stays
        assert applied is not None
        events.append(new)
        state, checkpoint = applied.recorded.after, applied.checkpoint
        assert applied.headline == LoanHeadline.of(state)
    last_day = checkpoint.day  # the day of the last command recorded (a refused one leaves nothing)
    assert state.as_of == last_day
    assert state == replay(loan, events, last_day)
    assert checkpoint == checkpoint_at(loan, events, last_day)


@settings(max_examples=int(80 * SCALE), deadline=None)
@given(
    checkpointed_loans(), st.integers(min_value=1, max_value=60), st.integers(min_value=1, max_value=10**6)
)
def test_a_backdated_repayment_is_replayed_and_checkpointed(case: tuple, back_days: int, minor: int) -> None:
    loan, events, checkpoint_day, today = case
    on = today - timedelta(days=back_days)
    sequence = max(e.sequence for e in events) + 1
    new = LoanEvent("back", EventKind.REPAYMENT, on, sequence, Money(minor, loan.terms.principal.currency))
    assert apply_event(checkpoint_at(loan, events, checkpoint_day), loan, new, today) is None
    try:
        applied = record_replayed(loan, events, new, today)
    except DomainError as error:
        with pytest.raises(type(error)):
            record_event(loan, events, new, today)
        return
    recorded = record_event(loan, events, new, today)
    assert (applied.recorded.before, applied.recorded.after) == (recorded.before, recorded.after)
    assert applied.checkpoint == checkpoint_at(loan, [*events, new], today)


def test_a_reversal_is_never_continued_but_replayed() -> None:
    history = History(contract())
    paid = history.repay("2025-02-15", "1100.16")
    checkpoint = checkpoint_at(history.contract, history.events, date(2025, 2, 20))
    reversal = LoanEvent("r", EventKind.REVERSAL, date(2025, 2, 20), 3, None, paid.event_id)
    assert apply_event(checkpoint, history.contract, reversal, date(2025, 2, 20)) is None
    applied = record_replayed(history.contract, history.events, reversal, date(2025, 2, 20))
    assert applied.recorded.after.totals.principal_repaid.is_zero()
    assert applied.recorded.before.totals.principal_repaid.is_positive()
    assert applied.checkpoint.last_sequence == 3


def test_a_checkpoint_of_another_loan_format_or_a_later_day_is_not_continued() -> None:
    history = History(contract())
    history.repay("2025-02-15", "1100.16")
    checkpoint = checkpoint_at(history.contract, history.events, date(2025, 2, 20))
    new = LoanEvent("n", EventKind.REPAYMENT, date(2025, 2, 20), 3, Money.parse("10", "CNY"))
    assert apply_event(checkpoint, history.contract, new, date(2025, 2, 20)) is not None
    other_format = Checkpoint(checkpoint.loan_id, 2, (CHECKPOINT_FORMAT + 1, *checkpoint.values[1:]))
    assert apply_event(other_format, history.contract, new, date(2025, 2, 20)) is None
    assert (
        apply_event(Checkpoint("L2", 2, checkpoint.values), history.contract, new, date(2025, 2, 20)) is None
    )
    stale = LoanEvent("n", EventKind.REPAYMENT, date(2025, 2, 20), 2, Money.parse("10", "CNY"))
    assert apply_event(checkpoint, history.contract, stale, date(2025, 2, 20)) is None  # not newer than it
    earlier = LoanEvent("n", EventKind.REPAYMENT, date(2025, 2, 19), 3, Money.parse("10", "CNY"))
    # the checkpoint is of a later day than the business date
    assert apply_event(checkpoint, history.contract, earlier, date(2025, 2, 19)) is None


def test_a_repayment_from_a_checkpoint_posts_the_replayed_amounts_to_the_cent() -> None:
    """12,000.00 over 12 months at 0.05% a day, paid 1,100.16 on the first due date, then 500.00 ten days on."""
    history = History(contract())
    history.repay("2025-02-15", "1100.16")
    checkpoint = checkpoint_at(history.contract, history.events, date(2025, 2, 15))
    new = LoanEvent("n", EventKind.REPAYMENT, date(2025, 2, 25), 3, Money.parse("500.00", "CNY"))
    applied = apply_event(checkpoint, history.contract, new, date(2025, 2, 25))
    assert applied is not None
    moved = applied.recorded.movements
    # ten days of interest on the principal left after the first installment, then the rest principal
    assert moved.interest_repaid + moved.principal_repaid == Money.parse("500.00", "CNY")
    assert (
        moved.interest_repaid
        == replay(history.contract, history.events, date(2025, 2, 25)).interest_receivable
    )
    assert applied.recorded.after == replay(history.contract, [*history.events, new], date(2025, 2, 25))


def test_the_checkpoint_is_integers_only_with_every_row_whole() -> None:
    history = History(contract(term=6))
    history.repay("2025-02-15", "2000")
    checkpoint = checkpoint_at(history.contract, history.events, date(2025, 4, 1))
    assert all(type(v) is int for v in checkpoint.values)
    assert checkpoint.format == CHECKPOINT_FORMAT and checkpoint.day == date(2025, 4, 1)
    assert checkpoint.last_sequence == 2
    state, first = start(history.contract, history.events[0])
    assert state == replay(history.contract, history.events[:1], history.contract.terms.disbursed)
    assert first == checkpoint_at(history.contract, history.events[:1], history.contract.terms.disbursed)


@settings(max_examples=int(200 * SCALE), deadline=None)
@given(checkpointed_loans(), st.integers(min_value=1, max_value=10**7))
def test_a_repayments_headline_and_checkpoint_equal_the_fold_to_the_cent(case: tuple, minor: int) -> None:
    """What a command stores and answers with (`Applied.headline`: balances, totals, the accrual
    snapshot) is the replayed state's, figure for figure; the checkpoint is the fold's in the stored
    layout (format 1, spelled out below), and thawing it gives the fold's book back."""
    loan, events, checkpoint_day, today = case
    cur = loan.terms.principal.currency
    checkpoint = checkpoint_at(loan, events, checkpoint_day)
    assert checkpoint.values == _format_1(fold(loan, events, checkpoint_day))
    assert vars(_thaw(checkpoint, loan)) == vars(fold(loan, events, checkpoint_day)) | {"rows": _ANY_ROWS}
    new = LoanEvent("pay", EventKind.REPAYMENT, today, max(e.sequence for e in events) + 1, Money(minor, cur))
    try:
        applied = apply_event(checkpoint, loan, new, today)
    except DomainError:
        return  # a refusal is `test_one_event_from_a_checkpoint_equals_the_replay`'s
    assert applied is not None
    after = fold(loan, [*events, new], today)
    assert applied.headline == LoanHeadline.of(state_of(after, cur)) == headline_of(after, cur)
    assert applied.headline.totals == replay(loan, [*events, new], today).totals
    assert applied.checkpoint.values == _format_1(after)


class _AnyRows:
    def __eq__(self, other: object) -> bool:
        return isinstance(other, list)


_ANY_ROWS = _AnyRows()  # rows are compared through the checkpoint (`_format_1`), a Row has no __eq__


_FORMAT_1_BOOK_FIELDS = (
    "day", "disbursed", "interest_exact", "interest_closed", "penalty_exact", "penalty_paid", "penalty_waived",
    "penalty_written_off", "credit", "overpaid", "credit_applied", "credit_refunded", "charged_off",
    "charged_off_on", "written_off", "level_minor", "status", "days_past_due", "oldest_unpaid_due",
)  # fmt: skip


def _format_1(book: object) -> tuple[int, ...]:
    """Checkpoint format 1 written out field by field, independently of the codec: stored checkpoints
    are read back in this layout, so a faster codec must keep it to the integer."""
    special = {
        "day": lambda d: d.toordinal(),
        "charged_off": int,
        "charged_off_on": lambda d: -1 if d is None else d.toordinal(),
        "written_off": int,
        "level_minor": lambda v: -1 if v is None else v,
        "status": lambda s: list(LoanStatus).index(s),
        "oldest_unpaid_due": lambda d: -1 if d is None else d.toordinal(),
    }
    values = [1]
    for name in _FORMAT_1_BOOK_FIELDS:
        value = getattr(book, name)
        values.append(special[name](value) if name in special else value)
    values.append(len(book.rows))  # type: ignore[attr-defined]
    for r in book.rows:  # type: ignore[attr-defined]
        values += [r.n, r.start.toordinal(), r.due.toordinal(), r.principal_due, r.principal_paid,
                   r.principal_written_off, r.interest_due, r.interest_paid, r.interest_waived,
                   r.interest_written_off, r.fee_due, r.fee_paid, r.fee_waived, r.fee_written_off,
                   int(r.closed), int(r.reaged)]  # fmt: skip
    return tuple(values)
