"""How a repayment is split across what a loan owes: the allocation rule a product names.

Two styles, both ending the same way (whatever is left pays ahead, in installment order, and anything
beyond the whole debt becomes the borrower's credit balance):

- `oldest-first`: installment by installment, oldest due first, each one cleared in the component
  `order` before the next (Fineract's default and the Chinese market's 先罚息、再利息、后本金 per period);
- `due-first`: component by component across every installment already due (all due penalty, then all
  due fees, ...), then ahead.

Penalty interest is kept for the loan as a whole (it accrues on overdue principal, whichever
installment it came from), and it is allocated at the position of the oldest due installment.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Component(StrEnum):
    PENALTY = "penalty"
    FEE = "fee"
    INTEREST = "interest"
    PRINCIPAL = "principal"


class AllocationStyle(StrEnum):
    OLDEST_FIRST = "oldest-first"
    DUE_FIRST = "due-first"


DEFAULT_ORDER = (Component.PENALTY, Component.FEE, Component.INTEREST, Component.PRINCIPAL)


@dataclass(frozen=True, slots=True)
class AllocationRule:
    style: AllocationStyle = AllocationStyle.OLDEST_FIRST
    order: tuple[Component, ...] = DEFAULT_ORDER

    def __post_init__(self) -> None:
        object.__setattr__(self, "style", AllocationStyle(self.style))
        object.__setattr__(self, "order", tuple(Component(c) for c in self.order))
        assert sorted(self.order) == sorted(Component), "the order names each component exactly once"

    @property
    def ahead_order(self) -> tuple[Component, ...]:
        """The order for installments not yet due: penalty never sits on those."""
        return tuple(c for c in self.order if c is not Component.PENALTY)


DEFAULT_ALLOCATION = AllocationRule()
