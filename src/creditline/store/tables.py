"""SQLAlchemy Core tables, kept apart from the domain classes (the repositories map between them).

Amounts are BIGINT minor units, rates exact Decimal text, dates DATE. Every borrower-owned row
carries `borrower_id`, the shard key, so the schema can move to a distributed PostgreSQL unchanged.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from creditline.store.types import BigId, DecimalText

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = 64  # ids are short text (uuid hex, client-chosen borrower ids)
KEY = 200  # idempotency keys are client-chosen; bounded so an index stays usable


def money(name: str, nullable: bool = False) -> Column:
    return Column(name, BigInteger, nullable=nullable, default=0 if not nullable else None)


business_calendar = Table(
    "business_calendar",
    metadata,
    Column("calendar_id", Integer, primary_key=True),  # one row: the platform's business date
    Column("business_date", Date, nullable=False),
)

eod_runs = Table(
    "eod_runs",
    metadata,
    Column("run_date", Date, primary_key=True),
    Column("loans_accrued", BigInteger, nullable=False),
    Column("interest_minor", BigInteger, nullable=False),
    Column("penalty_minor", BigInteger, nullable=False),
    Column("loans_overdue", BigInteger, nullable=False),
    Column("result_json", Text, nullable=False),
)

products = Table(
    "products",
    metadata,
    Column("product_id", String(ID), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("content_hash", String(64), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("source_format", String(8), nullable=False),
    Column("source_text", Text, nullable=False),
)

credit_lines = Table(
    "credit_lines",
    metadata,
    Column("line_id", String(ID), primary_key=True),
    Column("borrower_id", String(ID), nullable=False),
    Column("product_id", String(ID), nullable=False),
    Column("product_version", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    money("limit_minor"),
    Column("status", String(16), nullable=False),
    money("outstanding_principal_minor"),
    money("pending_drawdowns_minor"),
    money("temp_limit_minor", nullable=True),
    Column("temp_limit_expires", Date, nullable=True),
    Column("rate_daily", DecimalText, nullable=False),
    Column("opened_on", Date, nullable=False),
    Column("version", Integer, nullable=False),
    UniqueConstraint("borrower_id", "product_id"),
)

line_changes = Table(
    "line_changes",
    metadata,
    Column("change_id", BigId, primary_key=True, autoincrement=True),
    Column("line_id", String(ID), ForeignKey("credit_lines.line_id"), nullable=False, index=True),
    Column("borrower_id", String(ID), nullable=False),
    Column("on_date", Date, nullable=False),
    Column("what", String(32), nullable=False),
    Column("old_value", String(80), nullable=True),
    Column("new_value", String(80), nullable=True),
    Column("reason", String(400), nullable=False),
    Index("ix_line_changes_what_on_date", "what", "on_date"),  # EOD retention: the lines closed on a day
)

loans = Table(
    "loans",
    metadata,
    Column("loan_id", String(ID), primary_key=True),
    Column("borrower_id", String(ID), nullable=False, index=True),
    Column("line_id", String(ID), ForeignKey("credit_lines.line_id"), nullable=False, index=True),
    Column("product_id", String(ID), nullable=False),
    Column("product_version", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("terms_json", Text, nullable=False),
    Column("disbursed_on", Date, nullable=False),
    # -- snapshot: the replay of the loan's events as of `as_of`, advanced set-based by EOD ----------
    Column("status", String(16), nullable=False),
    Column("as_of", Date, nullable=False),
    money("principal_outstanding_minor"),
    money("interest_receivable_minor"),
    money("penalty_receivable_minor"),
    money("fee_receivable_minor"),
    money("credit_balance_minor"),
    Column("days_past_due", Integer, nullable=False),
    Column("totals_json", Text, nullable=False),  # LoanTotals but the two accruals (columns below)
    # -- the domain's AccrualState as columns, so EOD builds numpy arrays without parsing anything ---
    Column("oldest_unpaid_due", Integer, nullable=False),  # date ordinal; 0 = nothing overdue
    money("interest_accrued_minor"),
    Column("interest_exact", BigInteger, nullable=False),
    money("penalty_accrued_minor"),
    Column("penalty_exact", BigInteger, nullable=False),
    Column("interest_denominator", BigInteger, nullable=False),
    Column("interest_common_day", BigInteger, nullable=False),
    Column("interest_leap_day", BigInteger, nullable=False),
    Column("penalty_denominator", BigInteger, nullable=False),
    Column("penalty_common_day", BigInteger, nullable=False),
    Column("penalty_leap_day", BigInteger, nullable=False),
    Column("grace_days", Integer, nullable=False),
    Column("charge_off_days", Integer, nullable=False),
    Column("rounding_code", SmallInteger, nullable=False),
    Column("row_count", Integer, nullable=False),
    # int64 little-endian [due ordinals | principal unpaid | other unpaid], row_count of each
    Column("rows_blob", LargeBinary, nullable=False),
    # -- sub-ledger of the EOD accrual summaries: how much of this loan's accrual they posted --------
    money("eod_interest_posted_minor"),
    money("eod_penalty_posted_minor"),
    Column("version", Integer, nullable=False),
    Index("ix_loans_status_product", "status", "product_id"),
)

loan_events = Table(
    "loan_events",
    metadata,
    Column("event_id", String(ID), primary_key=True),
    Column("loan_id", String(ID), ForeignKey("loans.loan_id"), nullable=False),
    Column("borrower_id", String(ID), nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("effective_date", Date, nullable=False),
    Column("amount_minor", BigInteger, nullable=True),
    Column("currency", String(3), nullable=True),
    Column("reverses", String(ID), nullable=True),
    Column("data_json", Text, nullable=False),
    Column("recorded_on", Date, nullable=False),
    UniqueConstraint("loan_id", "sequence"),
    # EOD retention (migration 0030): the borrowers whose last loan event was on a day, none later
    Index("ix_loan_events_borrower_id_effective_date", "borrower_id", "effective_date"),
    Index("ix_loan_events_effective_date", "effective_date"),
)

journal_entries = Table(
    "journal_entries",
    metadata,
    Column("entry_id", String(ID), primary_key=True),
    Column("idempotency_key", String(KEY), nullable=False, unique=True),
    Column("business_date", Date, nullable=False, index=True),
    Column("reference", String(KEY), nullable=False),
    Column("borrower_id", String(ID), nullable=True),
    Column("memo", String(400), nullable=False),
)

postings = Table(
    "postings",
    metadata,
    Column("posting_id", BigId, primary_key=True, autoincrement=True),
    Column("entry_id", String(ID), ForeignKey("journal_entries.entry_id"), nullable=False, index=True),
    Column("account", String(32), nullable=False),
    Column("shard", SmallInteger, nullable=False),
    Column("loan_id", String(ID), nullable=True, index=True),
    Column("currency", String(3), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),  # signed: debit > 0, credit < 0
    Column("borrower_id", String(ID), nullable=True),  # the shard key; empty on EOD summaries
)

# Running balances per (account, shard, currency): the trial balance reads 64 rows per account
# instead of summing the whole journal, and a shard's row is only ever touched by its borrowers.
account_balances = Table(
    "account_balances",
    metadata,
    Column("account", String(32), primary_key=True),
    Column("shard", SmallInteger, primary_key=True),
    Column("currency", String(3), primary_key=True),
    money("debit_minor"),
    money("credit_minor"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("scope", String(32), primary_key=True),
    Column("client_key", String(KEY), primary_key=True),
    Column("borrower_id", String(ID), nullable=True),
    Column("request_hash", String(64), nullable=False),
    Column("result_json", Text, nullable=False),
)
