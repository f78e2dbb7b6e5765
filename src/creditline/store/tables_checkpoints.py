"""Each loan's fold checkpoint (migration 0012): derived data that commands keep current.

A row holds `lending.loan.fast_path.Checkpoint` — the fold's complete working state after the loan's
last command — so the next command continues the fold instead of replaying the history. A command
uses it only when its `last_sequence` is the loan's newest event: whatever records an event without
rewriting the checkpoint (auto-debit's batch, say) leaves it stale, and the next command replays and
writes a fresh one. Deleting every row loses nothing but speed, which is why there is no foreign key
(every command would pay its check for a row nobody reads without the loan).
"""

from __future__ import annotations

from sqlalchemy import Column, Integer, LargeBinary, String, Table

from creditline.store.tables import ID, metadata

loan_checkpoints = Table(
    "loan_checkpoints",
    metadata,
    Column("loan_id", String(ID), primary_key=True),
    Column("borrower_id", String(ID), nullable=False),  # the shard key, as on every borrower-owned row
    Column("last_sequence", Integer, nullable=False),  # the newest event folded in
    Column("checkpoint", LargeBinary, nullable=False),  # zlib-compressed int64 little-endian values
)
