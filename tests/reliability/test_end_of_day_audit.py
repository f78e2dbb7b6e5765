"""End of day signs the day's tree head when the audit signing key is set (the publish-audit stage).
Finding 6 (docs/security.md), fixed: heads are keyed by business date (migration
0015_audit_heads_by_date), so a day whose log did not grow gets its head — the size and root of the
day before, a new date — and the close no longer fails on the second day."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from creditline.reliability.bank import write_signing_key


def test_two_days_with_the_signing_key_set_both_close(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from creditline.app.eod_pipeline import run_pipeline
    from creditline.app.setup import initialise
    from creditline.store import UnitOfWork, make_engine
    from creditline.store.audit_log import ENV_SIGNING_KEY_FILE, load_heads

    key_path, _ = write_signing_key(tmp_path)
    monkeypatch.setenv(ENV_SIGNING_KEY_FILE, str(key_path))
    engine = make_engine(f"sqlite:///{tmp_path / 'books.sqlite'}")
    initialise(engine, date(2025, 6, 30))
    try:
        run_pipeline(engine, date(2025, 7, 1))
        run_pipeline(engine, date(2025, 7, 2))
        with UnitOfWork(engine, read_only=True) as uow:
            heads = load_heads(uow.connection)
        assert [h.head.business_date for h in heads] == [date(2025, 6, 30), date(2025, 7, 1)]
        assert heads[0].head.tree_size == heads[1].head.tree_size and heads[0].head.root_hash == heads[1].head.root_hash
    finally:
        engine.dispose()
