"""Securitisation and partner-settlement tables (migration 0013_securitisation).

- `trust_deals`: a pool sold to a trust — the deal file as written (and its hash), the pool's
  criteria, cut-off and closing dates, price, the tranches the platform keeps, and the sale's figures.
- `trust_loans`: each loan sold, with the platform's share weights at the sale, its book value, the
  loan's totals at the cut-off (fixed) and the *basis* (the totals the trust's parts were last posted
  for, in the loan row's own text form) — the same basis technique as co-lending's `loan_funding`.
- `trust_ledger`: the trust sub-ledger: per loan, day and movement, the trust's part of what moved
  (collections, recoveries, write-offs) and, as memo lines, the principal of loans that defaulted.
  Lines are assigned to the deal's collection period when that period closes.
- `trust_periods`: one row per deal and collection period: the servicing fee accrued so far, and at
  the close the servicer report (collections, defaults, pool balances), the waterfall's payments to
  the retained notes and the remittance's journal entry.
- `partner_remittances`: what was paid to a co-lending partner, once per (partner, date).
- `partner_allowance_shares`: each partner's share of the loss allowance on the loans it funds, per
  end-of-day run (a memo figure, shown in its statements; docs/co-lending.md).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
)

from creditline.store.tables import ID, metadata
from creditline.store.types import BigId, DecimalText

MOVEMENT = 32

trust_deals = Table(
    "trust_deals",
    metadata,
    Column("deal_id", String(ID), primary_key=True),
    Column("name", String(80), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("spec_format", String(8), nullable=False),
    Column("spec_text", Text, nullable=False),  # the deal file exactly as given
    Column("spec_hash", String(64), nullable=False),  # sha256 of that text
    Column("spec_json", Text, nullable=False),  # the validated spec, canonical JSON (what runs read back)
    Column("eligibility_json", Text, nullable=False),  # the pool criteria the selection applied
    Column("cut_off_date", Date, nullable=False),
    Column("closing_date", Date, nullable=False),
    Column("first_payment_date", Date, nullable=False),
    Column("sale_price", DecimalText, nullable=False),  # fraction of par
    Column("servicing_fee_rate", DecimalText, nullable=False),  # annual, on the pool balance
    Column("retained_json", Text, nullable=False),  # names of the tranches the platform keeps
    Column("pool_loans", Integer, nullable=False),
    Column("pool_principal_minor", BigInteger, nullable=False),  # the trust's claim at the cut-off
    Column("price_minor", BigInteger, nullable=False),  # what the trust pays for the pool
    Column("retained_minor", BigInteger, nullable=False),  # retained notes at par
    Column("cash_minor", BigInteger, nullable=False),  # price less the retained notes at their price
    Column("discount_minor", BigInteger, nullable=False),  # pool - retained - cash (negative: a premium)
    Column("sale_entry_id", String(ID), ForeignKey("journal_entries.entry_id"), nullable=False),
    Column("sold_on", Date, nullable=False),
    Column("shard", SmallInteger, nullable=False),  # the deal's own shard for its aggregate postings
    Column("status", String(16), nullable=False),  # active | ended
)

trust_loans = Table(
    "trust_loans",
    metadata,
    Column("loan_id", String(ID), ForeignKey("loans.loan_id"), primary_key=True),  # a loan is sold once
    Column("deal_id", String(ID), ForeignKey("trust_deals.deal_id"), nullable=False, index=True),
    Column("borrower_id", String(ID), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("shard", SmallInteger, nullable=False),
    Column("weights_json", Text, nullable=False),  # [platform bp, partner bp, ...] fixed for the loan's life
    Column("book_minor", BigInteger, nullable=False),  # the platform's principal at the cut-off
    Column("sale_minor", BigInteger, nullable=False),  # its price
    Column("cutoff_totals_json", Text, nullable=False),  # the loan row's totals text at the cut-off
    Column("basis_totals_json", Text, nullable=False),  # ... when the trust's parts were last posted
    Column("basis_version", Integer, nullable=False),  # loans.version then
    Column("defaulted_on", Date, nullable=True),  # the day it charged off or was written off (sticky)
    Column("default_minor", BigInteger, nullable=True),  # the trust's principal in it then
)

trust_ledger = Table(
    "trust_ledger",
    metadata,
    Column("line_id", BigId, primary_key=True, autoincrement=True),
    Column("entry_id", String(ID), ForeignKey("journal_entries.entry_id"), nullable=True),  # none: memo only
    Column("deal_id", String(ID), nullable=False),
    Column("loan_id", String(ID), nullable=False),
    Column("borrower_id", String(ID), nullable=False),
    Column("shard", SmallInteger, nullable=False),
    Column("business_date", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("movement", String(MOVEMENT), nullable=False),
    Column("recovery", Boolean, nullable=False),  # collected on a loan that had defaulted
    Column("amount_minor", BigInteger, nullable=False),
    Column("period", Integer, nullable=True),  # the collection period, set when it closes
    Index("ix_trust_ledger_deal_id_period", "deal_id", "period"),
    Index("ix_trust_ledger_entry_id", "entry_id"),
)

trust_periods = Table(
    "trust_periods",
    metadata,
    Column("deal_id", String(ID), ForeignKey("trust_deals.deal_id"), primary_key=True),
    Column("period", Integer, primary_key=True),
    Column("payment_date", Date, nullable=False),
    Column("status", String(16), nullable=False),  # open | closed
    Column("pool_start_minor", BigInteger, nullable=False),  # performing pool at the period's start
    Column("fee_accrued_minor", BigInteger, nullable=False),  # servicing fee accrued in the period so far
    Column("fee_accrued_through", Date, nullable=True),
    Column("interest_collected_minor", BigInteger, nullable=True),  # the servicer report, at the close
    Column("principal_collected_minor", BigInteger, nullable=True),
    Column("recoveries_minor", BigInteger, nullable=True),
    Column("defaults_minor", BigInteger, nullable=True),
    Column("pool_end_minor", BigInteger, nullable=True),
    Column("delinquent_minor", BigInteger, nullable=True),  # 30+ days past due in the performing pool
    Column("fee_paid_minor", BigInteger, nullable=True),  # the waterfall's payments, at the close
    Column("retained_principal_minor", BigInteger, nullable=True),
    Column("retained_income_minor", BigInteger, nullable=True),
    Column("retained_writedown_minor", BigInteger, nullable=True),
    Column("discount_amortised_minor", BigInteger, nullable=True),
    Column("remitted_minor", BigInteger, nullable=True),  # cash paid to the trust
    Column("entry_id", String(ID), ForeignKey("journal_entries.entry_id"), nullable=True),
    Column("closed_on", Date, nullable=True),
)

partner_remittances = Table(
    "partner_remittances",
    metadata,
    Column("partner_id", String(ID), ForeignKey("funding_partners.partner_id"), primary_key=True),
    Column("through_date", Date, primary_key=True),  # collections of days up to this one are paid
    Column("remittance_id", String(ID), nullable=False, unique=True),
    Column("currency", String(3), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("entry_id", String(ID), ForeignKey("journal_entries.entry_id"), nullable=True),  # none: nothing due
    Column("paid_on", Date, nullable=False),  # the business date of the payment
)

partner_allowance_shares = Table(
    "partner_allowance_shares",
    metadata,
    Column("as_of", Date, primary_key=True),  # the end-of-day run's date (the provision's)
    Column("partner_id", String(ID), primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("allowance_minor", BigInteger, nullable=False),  # its share of the allowance on drawn balances
    Column("loans", Integer, nullable=False),
)

__all__ = [
    "partner_allowance_shares",
    "partner_remittances",
    "trust_deals",
    "trust_ledger",
    "trust_loans",
    "trust_periods",
]
