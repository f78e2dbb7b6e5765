"""Tables of the tamper-evident log and of personal-data protection (migration 0002_audit_privacy).

`audit_log` is append-only: a row is inserted in the same transaction as the journal entry or
loan event it records, without a position; the sequencer later fills `seq`, the root after it
and the receipt signature, exactly once. `audit_heads` holds the signed tree heads published at
EOD, one per business date (an idle day's head repeats the size and root of the day before);
`audit_log_state` the sequencer's frontier, so sequencing never rereads the whole log;
`audit_books_logged` says the books are logged in full (migration 0023_audit_books_logged).

`erasure_requests` (migration 0026_erasure_requests) holds each borrower's answered erasure request:
restricted until the law lets the data go (the vault's purpose checks then refuse all but legal duties
and the borrower's own requests), or erased.

`personal_data` keeps every personal field of a borrower encrypted (one row per field) with its
blind index for lookups, and `personal_data_access` logs who read whose data for what purpose.
No other table needs to hold a name, an ID number or a phone number: they carry `borrower_id`.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from creditline.store.tables import ID, metadata
from creditline.store.types import BigId

HASH = 32
SIGNATURE = 64

audit_log = Table(
    "audit_log",
    metadata,
    Column("audit_id", BigId, primary_key=True, autoincrement=True),  # acceptance order
    Column("seq", BigInteger, nullable=True, unique=True),  # position in the tree, set by the sequencer
    Column("record_type", String(16), nullable=False),
    Column("record_id", String(ID), nullable=False),
    Column("borrower_id", String(ID), nullable=True, index=True),
    Column("business_date", Date, nullable=False),
    Column("leaf", LargeBinary, nullable=False),
    Column("leaf_hash", LargeBinary(HASH), nullable=False),
    Column("root_hash", LargeBinary(HASH), nullable=True),
    Column("signature", LargeBinary(SIGNATURE), nullable=True),
    UniqueConstraint("record_type", "record_id"),  # a record enters the log once
)

# One row once every journal entry and loan event in the books has had its log record since it was
# written (migration 0023 on a database whose books were all logged, or `append_unlogged_from_books`):
# from then on a books record without one had its record deleted, which `verify_database` names.
audit_books_logged = Table(
    "audit_books_logged",
    metadata,
    Column("covers", String(16), primary_key=True),  # "books"
    Column("marked_by", String(16), nullable=False),  # migration | backfill
)

audit_heads = Table(
    "audit_heads",
    metadata,
    Column("tree_size", BigInteger, nullable=False, index=True),  # equal on consecutive days when nothing was logged
    Column("business_date", Date, primary_key=True),  # one head per EOD (migration 0014_audit_heads_by_date)
    Column("log_id", String(ID), nullable=False),
    Column("root_hash", LargeBinary(HASH), nullable=False),
    Column("key_id", String(16), nullable=False),
    Column("signature", LargeBinary(SIGNATURE), nullable=False),
    # Signed with the head: the books were logged in full (migration 0027_audit_heads_books_logged).
    Column("books_logged", Boolean, nullable=False, server_default=false()),
)

audit_log_state = Table(
    "audit_log_state",
    metadata,
    Column("log_id", String(ID), primary_key=True),
    Column("tree_size", BigInteger, nullable=False),
    Column("frontier", Text, nullable=False),  # hex hashes of the complete subtrees, comma-separated
)

personal_data = Table(
    "personal_data",
    metadata,
    Column("borrower_id", String(ID), primary_key=True),
    Column("field", String(32), primary_key=True),
    Column("ciphertext", Text, nullable=False),  # enc1:<key id>:<nonce+ciphertext+tag>
    Column("key_id", String(16), nullable=False),  # lets rotation find what is left under old keys
    Column("blind_index", String(32), nullable=True),
    Column("updated_on", Date, nullable=False),
    Index("ix_personal_data_field_blind_index", "field", "blind_index"),
    Index("ix_personal_data_key_id", "key_id"),
)

personal_data_access = Table(
    "personal_data_access",
    metadata,
    Column("access_id", BigId, primary_key=True, autoincrement=True),
    Column("borrower_id", String(ID), nullable=False, index=True),
    Column("actor", String(ID), nullable=False),
    Column("purpose", String(32), nullable=False),
    Column("fields", String(400), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("granted", Boolean, nullable=False),
    Column("basis", String(400), nullable=False),
)

# One row per borrower who asked for erasure (app.subject_rights): `restricted` while the law still
# needs the data (PIPL Art. 47), `erased` once it went. Pseudonymous like the books: it outlives erasure.
erasure_requests = Table(
    "erasure_requests",
    metadata,
    Column("borrower_id", String(ID), primary_key=True),
    Column("status", String(16), nullable=False),  # restricted | erased
    Column("requested_on", Date, nullable=False),  # business date of the first request
    Column("requested_by", String(ID), nullable=False),  # actor: the borrower's account, or an operator
    Column("erase_on", Date, nullable=True),  # when the data may go; NULL while obligations are open
    Column("erased_on", Date, nullable=True),
    Column("fields_erased", BigInteger, nullable=True),
    Column("policy_version", String(16), nullable=False),
    Column("reason", String(400), nullable=False),
)
