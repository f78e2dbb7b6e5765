"""Co-lending tables (migration 0011_colending): partners and their versions, each loan's funding
shares and split basis, the partner sub-ledger, per-partner running principal, and statements.

- `loan_funding` holds, per loan funded under co-lending, the shares fixed at drawdown and the
  *basis*: the loan's cumulative totals the partners' parts were last posted for (and the loan row's
  version then). Posting the partners' parts again is `split(now) - split(basis)`, so a command, the
  end of day or a late run can each catch the partners up without double-counting.
- `partner_ledger` is the partner sub-ledger: each journal entry's partner parts, per partner,
  movement and shard (`recovery` marks collections on a loan charged off at the time). The GL's
  partner accounts are its control totals; reconciliation proves the two equal.
- `partner_positions` keeps each partner's principal outstanding per shard, so allocation reads a
  few rows, and two borrowers' repayments seldom touch the same row.
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
    UniqueConstraint,
)

from creditline.store.tables import ID, metadata
from creditline.store.types import BigId, DecimalText

MOVEMENT = 32  # the longest LoanTotals field name is 21 characters

funding_partners = Table(
    "funding_partners",
    metadata,
    Column("partner_id", String(ID), primary_key=True),
    Column("version", Integer, nullable=False),  # the partner's current file version
    Column("name", String(200), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("cost_of_funds", DecimalText, nullable=False),  # annual fraction
    Column("active", Boolean, nullable=False),
    Column("registered_on", Date, nullable=False),
    Column("updated_on", Date, nullable=False),
)

funding_partner_versions = Table(
    "funding_partner_versions",
    metadata,
    Column("partner_id", String(ID), ForeignKey("funding_partners.partner_id"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("content_hash", String(64), nullable=False),
    Column("source_format", String(8), nullable=False),
    Column("source_text", Text, nullable=False),
    Column("recorded_on", Date, nullable=False),
    Column("rules_version", Integer, nullable=False),
    Column("min_own_share_bp", Integer, nullable=False),
)

loan_funding = Table(
    "loan_funding",
    metadata,
    Column("loan_id", String(ID), ForeignKey("loans.loan_id"), primary_key=True),
    Column("borrower_id", String(ID), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("shard", SmallInteger, nullable=False),
    Column("co_lent", Boolean, nullable=False),  # false: the allocator found no partner (reasons kept)
    Column("platform_share_bp", Integer, nullable=False),
    Column("jurisdiction", String(8), nullable=False),
    Column("rules_version", Integer, nullable=False),
    Column("min_own_share_bp", Integer, nullable=False),
    Column("policy", String(32), nullable=False),
    Column("decisions_json", Text, nullable=False),
    Column("funded_on", Date, nullable=False),
    # the basis: the loan's totals the partners' parts were last posted for, kept in the loan row's own
    # form (its totals_json text and its two accrual columns) so end of day finds a loan whose only
    # change is the day's accrual by comparing text, and splits two numbers instead of parsing JSON
    Column("basis_totals_json", Text, nullable=False),
    Column("basis_interest_accrued_minor", BigInteger, nullable=False),
    Column("basis_penalty_accrued_minor", BigInteger, nullable=False),
    Column("basis_version", Integer, nullable=False),  # loans.version the basis was read at
    Column(
        "basis_charged_off", Boolean, nullable=False
    ),  # the loan's status then: collections are recoveries
    Index("ix_loan_funding_co_lent", "co_lent"),
)

loan_funding_shares = Table(
    "loan_funding_shares",
    metadata,
    Column("loan_id", String(ID), ForeignKey("loan_funding.loan_id"), primary_key=True),
    Column("partner_id", String(ID), ForeignKey("funding_partners.partner_id"), primary_key=True),
    Column("partner_version", Integer, nullable=False),
    Column("share_bp", Integer, nullable=False),
    Column("borrower_id", String(ID), nullable=False),
    Index("ix_loan_funding_shares_partner_id", "partner_id"),
)

partner_ledger = Table(
    "partner_ledger",
    metadata,
    Column("line_id", BigId, primary_key=True, autoincrement=True),
    Column("entry_id", String(ID), ForeignKey("journal_entries.entry_id"), nullable=False, index=True),
    Column("partner_id", String(ID), nullable=False),
    Column("loan_id", String(ID), nullable=True),  # empty on end-of-day summaries
    Column("borrower_id", String(ID), nullable=True),
    Column("shard", SmallInteger, nullable=False),
    Column("business_date", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("movement", String(MOVEMENT), nullable=False),
    Column("recovery", Boolean, nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Index("ix_partner_ledger_partner_id_business_date", "partner_id", "business_date"),
)

partner_positions = Table(
    "partner_positions",
    metadata,
    Column("partner_id", String(ID), primary_key=True),
    Column("shard", SmallInteger, primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("principal_minor", BigInteger, nullable=False, default=0),
)

partner_statements = Table(
    "partner_statements",
    metadata,
    Column("statement_id", String(ID), primary_key=True),
    Column("partner_id", String(ID), ForeignKey("funding_partners.partner_id"), nullable=False),
    Column("period_from", Date, nullable=False),
    Column("period_to", Date, nullable=False),
    Column("generated_on", Date, nullable=False),
    Column("content_json", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    UniqueConstraint("partner_id", "period_from", "period_to"),
)
