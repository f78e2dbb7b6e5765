"""What happens to a loan, dated: the only input of the fold.

Accrual, penalty and ageing are not events: they follow from the calendar and are computed by the
fold. `sequence` is the recording order; the fold orders by (effective_date, sequence), so a
backdated event slots into history where it belongs.

Event data (text pairs, so they store as-is):
- WAIVER:                `component` = interest | penalty | fee
- PREPAYMENT_REAMORTISE: `mode` = keep-term | keep-installment
- REAGE:                 `installments` = how many new installments spread the arrears (1..360)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from creditline.money import Money


class EventKind(StrEnum):
    DISBURSEMENT = "disbursement"
    REPAYMENT = "repayment"
    REVERSAL = "reversal"  # takes `reverses` out of history, as if it never happened
    WAIVER = "waiver"
    FEE = "fee"  # a charge, due with the next installment
    PREPAYMENT_REAMORTISE = "prepayment-reamortise"
    REAGE = "reage"
    WRITE_OFF = "write-off"
    CREDIT_REFUND = "credit-refund"  # the borrower's credit balance paid back out


# Kinds whose amount must be a positive sum of money.
AMOUNT_KINDS = frozenset(
    {
        EventKind.DISBURSEMENT,
        EventKind.REPAYMENT,
        EventKind.WAIVER,
        EventKind.FEE,
        EventKind.PREPAYMENT_REAMORTISE,
        EventKind.CREDIT_REFUND,
    }
)


@dataclass(frozen=True, slots=True)
class LoanEvent:
    event_id: str
    kind: EventKind
    effective_date: date
    sequence: int  # recording order, unique within a loan
    amount: Money | None = None
    reverses: str | None = None
    data: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", EventKind(self.kind))
        object.__setattr__(self, "data", tuple(sorted((str(k), str(v)) for k, v in self.data)))

    def datum(self, key: str, default: str | None = None) -> str | None:
        for name, value in self.data:
            if name == key:
                return value
        return default


def effective_history(events: Iterable[LoanEvent]) -> list[LoanEvent]:
    """The events that count, in the order they happened: reversals and what they reverse drop out."""
    events = list(events)
    reversed_ids = {e.reverses for e in events if e.kind is EventKind.REVERSAL}
    kept = [e for e in events if e.kind is not EventKind.REVERSAL and e.event_id not in reversed_ids]
    return sorted(kept, key=lambda e: (e.effective_date, e.sequence))


def find_event(events: Sequence[LoanEvent], event_id: str) -> LoanEvent | None:
    for event in events:
        if event.event_id == event_id:
            return event
    return None
