"""Promotions tables (migration 0006_servicing_extras): campaigns with their budget counters, members,
coupons, and the per-installment benefit lines of redeemed coupons.

The budget is three counters on the campaign row: `committed_minor` (savings promised to redeemed
and reserved coupons), `spent_minor` (savings applied to loans) and the cap. Redemption raises
`committed_minor` with one conditional UPDATE (`... WHERE committed_minor + x <= budget_cap_minor`),
so concurrent redemptions can never promise more than the cap; forfeited savings give it back.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, ForeignKey, Index, Integer, String, Table, Text

from creditline.store.tables import ID, KEY, metadata

promotion_campaigns = Table(
    "promotion_campaigns",
    metadata,
    Column("campaign_id", String(ID), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("kind", String(24), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("budget_cap_minor", BigInteger, nullable=False),
    Column("committed_minor", BigInteger, nullable=False, default=0),
    Column("spent_minor", BigInteger, nullable=False, default=0),
    Column("issue_from", Date, nullable=False),
    Column("issue_until", Date, nullable=False),
    Column("source_format", String(8), nullable=False),
    Column("source_text", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("added_on", Date, nullable=False),
)

promotion_members = Table(
    "promotion_members",
    metadata,
    Column("campaign_id", String(ID), ForeignKey("promotion_campaigns.campaign_id"), primary_key=True),
    Column("borrower_id", String(ID), primary_key=True),
    Column("enrolled_on", Date, nullable=False),
)

coupons = Table(
    "coupons",
    metadata,
    Column("coupon_id", String(ID), primary_key=True),
    Column("campaign_id", String(ID), ForeignKey("promotion_campaigns.campaign_id"), nullable=False),
    Column("campaign_version", Integer, nullable=False),
    Column("borrower_id", String(ID), nullable=False),
    Column("issued_on", Date, nullable=False),
    Column("last_day", Date, nullable=False),
    Column("status", String(16), nullable=False),  # issued | reserved | redeemed | void
    Column("draw_key", String(KEY), nullable=True),  # the drawdown it is reserved for or redeemed by
    Column("reserved_on", Date, nullable=True),
    Column("loan_id", String(ID), nullable=True),
    Column("redeemed_on", Date, nullable=True),
    Column("saving_minor", BigInteger, nullable=False, default=0),  # committed against the budget
    Column("applied_minor", BigInteger, nullable=False, default=0),
    Column("released_minor", BigInteger, nullable=False, default=0),  # given back to the budget
    Index("ix_coupons_borrower_id_campaign_id", "borrower_id", "campaign_id"),
    Index("ix_coupons_status_reserved_on", "status", "reserved_on"),
)

coupon_benefits = Table(
    "coupon_benefits",
    metadata,
    Column("coupon_id", String(ID), ForeignKey("coupons.coupon_id"), primary_key=True),
    Column("installment", Integer, primary_key=True),
    Column("loan_id", String(ID), nullable=False),
    Column("borrower_id", String(ID), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("apply_on", Date, nullable=False),  # the installment's due date
    Column("amount_minor", BigInteger, nullable=False),
    Column("applied_minor", BigInteger, nullable=False, default=0),
    Column("status", String(16), nullable=False),  # pending | applied | forfeited
    Index("ix_coupon_benefits_status_apply_on", "status", "apply_on"),
    Index("ix_coupon_benefits_loan_id", "loan_id"),
)
