"""Transfer of a selected pool to the securitisation trust: what each loan sells for.

Pure amounts, no posting: the app layer turns a `TrustSale` into one balanced journal entry —
debit the trust receivable (or cash) with the price, credit each loan's principal with its book
value, and book the difference as gain or loss on sale — and then accrues the servicing fee the
platform earns for servicing the loans it no longer owns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

import numpy as np

from creditline.funding.accrual import scale_minor
from creditline.funding.errors import FundingError
from creditline.funding.pool import PoolSelection
from creditline.money import Rounding

PRICE_MAX = Decimal(2)  # 200% of par: anything above is a typo for a percent


@dataclass(frozen=True, slots=True, eq=False)
class TrustSale:
    currency: str
    sale_date: date
    price: Decimal  # a fraction of par: 1.0 is par, 0.98 a discount
    servicing_fee_rate: Decimal  # annual, on the pool balance, earned by the platform as servicer
    loan_ids: np.ndarray
    book_value_minor: np.ndarray  # per loan: the outstanding principal derecognised
    sale_amount_minor: np.ndarray  # per loan: book value x price, rounded half-up

    @property
    def total_book_minor(self) -> int:
        return int(self.book_value_minor.sum())

    @property
    def total_price_minor(self) -> int:
        return int(self.sale_amount_minor.sum())

    @property
    def gain_on_sale_minor(self) -> int:
        """Price minus book value: positive is a gain, negative a loss on sale."""
        return self.total_price_minor - self.total_book_minor


def sell_to_trust(
    selection: PoolSelection, price: Decimal, sale_date: date, servicing_fee_rate: Decimal
) -> TrustSale:
    """Price every selected loan; the per-loan amounts sum exactly to the total the trust pays."""
    if not isinstance(price, Decimal) or not price.is_finite() or price <= 0 or price > PRICE_MAX:
        raise FundingError(
            f"a sale price is a fraction of par above 0 and at most {PRICE_MAX}", field="price"
        )
    if sale_date < selection.cut_off_date:
        raise FundingError("the sale cannot precede the pool's cut-off date", field="closing_date")
    book = selection.tape.outstanding_principal_minor.copy()
    return TrustSale(
        currency=selection.currency,
        sale_date=sale_date,
        price=price,
        servicing_fee_rate=servicing_fee_rate,
        loan_ids=selection.tape.loan_id.copy(),
        book_value_minor=book,
        sale_amount_minor=scale_minor(book, Fraction(price), Rounding.HALF_UP),
    )
