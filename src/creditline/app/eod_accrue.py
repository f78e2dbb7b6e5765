"""The accrue stage: a day of interest and penalty on every loan, ageing, statuses and charge-off.

Set-based (`lending.loan.batch.accrue_batch` over numpy pages, `store.eod_io` bulk writes); the
batch moves a loan to `overdue` when an installment is late and to `charged-off` on the day its
days past due reach the product's `charge_off_days`, exactly as `replay` does. The accrual summary
entries are posted per product and currency (docs/ledger.md).
"""

from __future__ import annotations

from datetime import date

from creditline.app.eod_memory import without_cyclic_gc
from creditline.app.eod_stages import EodContext, StageResult


@without_cyclic_gc
def accrue(uow: object, business_date: date, context: EodContext) -> StageResult:
    from creditline.app.eod import close_day

    result = close_day(uow, business_date)  # type: ignore[arg-type]
    message = (
        f"{result['loans_accrued']} loans accrued, interest {result['interest']}, penalty {result['penalty']}, "
        f"{result['loans_overdue']} overdue"
    )
    return StageResult("accrue", result, message)
