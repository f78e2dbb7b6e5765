"""origination: decision records, review queue, fraud signals, applicant flags

Revision ID: 0004_origination
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_origination"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('origination_decisions',
    sa.Column('decision_id', sa.String(length=64), nullable=False),
    sa.Column('client_key', sa.String(length=200), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('borrower_id', sa.String(length=64), nullable=True),
    sa.Column('jurisdiction', sa.String(length=2), nullable=False),
    sa.Column('product_id', sa.String(length=64), nullable=False),
    sa.Column('applied_at', sa.String(length=40), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('strategy', sa.String(length=16), nullable=False),
    sa.Column('pd', sa.String(length=20), nullable=True),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('fraud_score', sa.String(length=12), nullable=True),
    sa.Column('limit_minor', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('rate_daily', sa.String(length=20), nullable=True),
    sa.Column('apr', sa.String(length=40), nullable=True),
    sa.Column('line_id', sa.String(length=64), nullable=True),
    sa.Column('record_json', sa.Text(), nullable=False),
    sa.Column('record_sha256', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('decision_id', name=op.f('pk_origination_decisions')),
    sa.UniqueConstraint('client_key', name=op.f('uq_origination_decisions_client_key'))
    )
    with op.batch_alter_table('origination_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_origination_decisions_borrower_id'), ['borrower_id'], unique=False)

    op.create_table('origination_flags',
    sa.Column('applicant_key', sa.BigInteger(), nullable=False),
    sa.Column('flag', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=400), nullable=False),
    sa.Column('flagged_on', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('applicant_key', 'flag', name=op.f('pk_origination_flags'))
    )
    op.create_table('origination_signals',
    sa.Column('signal_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('decision_id', sa.String(length=64), nullable=False),
    sa.Column('applied_at_s', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('signal_key', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('signal_id', name=op.f('pk_origination_signals'))
    )
    with op.batch_alter_table('origination_signals', schema=None) as batch_op:
        batch_op.create_index('ix_origination_signals_kind_signal_key_applied_at_s', ['kind', 'signal_key', 'applied_at_s'], unique=False)

    op.create_table('origination_reviews',
    sa.Column('review_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('decision_id', sa.String(length=64), nullable=False),
    sa.Column('borrower_id', sa.String(length=64), nullable=True),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('reason', sa.String(length=400), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('resolved_on', sa.Date(), nullable=True),
    sa.Column('resolver', sa.String(length=64), nullable=True),
    sa.Column('note', sa.String(length=400), nullable=True),
    sa.ForeignKeyConstraint(['decision_id'], ['origination_decisions.decision_id'], name=op.f('fk_origination_reviews_decision_id_origination_decisions')),
    sa.PrimaryKeyConstraint('review_id', name=op.f('pk_origination_reviews'))
    )
    with op.batch_alter_table('origination_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_origination_reviews_decision_id'), ['decision_id'], unique=False)
        batch_op.create_index('ix_origination_reviews_status_review_id', ['status', 'review_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('origination_reviews', schema=None) as batch_op:
        batch_op.drop_index('ix_origination_reviews_status_review_id')
        batch_op.drop_index(batch_op.f('ix_origination_reviews_decision_id'))

    op.drop_table('origination_reviews')
    with op.batch_alter_table('origination_signals', schema=None) as batch_op:
        batch_op.drop_index('ix_origination_signals_kind_signal_key_applied_at_s')

    op.drop_table('origination_signals')
    op.drop_table('origination_flags')
    with op.batch_alter_table('origination_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_origination_decisions_borrower_id'))

    op.drop_table('origination_decisions')
