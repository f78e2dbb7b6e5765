"""The accrue stage: a day of interest and penalty on every loan, ageing, statuses and charge-off.

Set-based (`lending.loan.batch.accrue_batch` over numpy pages, `store.eod_io` bulk writes); the
batch moves a loan to `overdue` when an installment is late and to `charged-off` on the day its
days past due reach the product's `charge_off_days`, exactly as `replay` does. The accrual summary
entries are posted per product and currency (docs/ledger.md). On an engine that keeps the book between
days (the simulator), the loans as written are handed to classify (`store.classify_memory`).
"""

from __future__ import annotations

from datetime import date

from creditline.app.eod_memory import without_cyclic_gc
from creditline.app.eod_stages import EodContext, StageResult


@without_cyclic_gc
def accrue(uow: object, business_date: date, context: EodContext) -> StageResult:
    from creditline.app.eod import close_day
    from creditline.store.classify_memory import ACCRUED_KEY, hands_over

    handoff: list | None = [] if hands_over(uow.connection) else None  # type: ignore[attr-defined]
    result = close_day(uow, business_date, handoff)  # type: ignore[arg-type]
    if handoff is not None:
        context.shared[ACCRUED_KEY] = handoff  # classify's loans, as written in this transaction
    message = (
        f"{result['loans_accrued']} loans accrued, interest {result['interest']}, penalty {result['penalty']}, "
        f"{result['loans_overdue']} overdue"
    )
    return StageResult("accrue", result, message)
