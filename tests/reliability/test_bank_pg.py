"""The bank test (Jepsen's, adapted): 16 clients draw, repay, prepay, reverse, read, replay keys
and race twin requests against `creditline serve` on PostgreSQL for a bounded time, while
`creditline eod` closes days and a checker reads consistent snapshots of the books. Target: no
anomaly at all — the journal balances per currency, no balance is negative, no key takes effect
twice, no line is over its limit, every loan equals its replay, the log verifies, nothing
acknowledged is missing (creditline.reliability.bank; the long run is bench/jepsen_bank.py)."""

from __future__ import annotations

import pytest
from reliability_support import POSTGRES

from creditline.reliability.bank import BankConfig, results_json, run_bank
from creditline.reliability.history import counts_table

pytestmark = [pytest.mark.xdist_group("reliability-platform"), pytest.mark.postgres]
LOAD = BankConfig(clients=16, borrowers=6, seconds=12.0, eod_every_s=5.0, check_every_s=3.0, seed=2024, workers=2)


def test_sixteen_clients_and_end_of_day_leave_no_anomaly(request, platforms) -> None:  # type: ignore[no-untyped-def]
    run = platforms(request, POSTGRES).fresh(LOAD)
    result = run_bank(run)
    print(f"\n{counts_table(result.counts)}\n{results_json(result)}")
    assert result.anomalies == {}, result.examples
    counts = result.counts
    for kind in ("draw", "repay", "prepay", "reverse", "read", "replay-same", "twin"):
        assert counts[kind]["ok"] > 0, f"no acknowledged {kind}: the run proved nothing about it"
    assert counts["replay-different"]["ok"] == 0 and counts["replay-different"]["fail"] > 0
    assert result.eod_runs >= 2 and result.business_dates[1] > result.business_dates[0]
    assert result.checks >= 2, "the books were checked while the clients ran"
    assert counts["ledger reconcile"] == {"ok": 1, "fail": 0, "info": 0}
    assert counts["audit verify"] == {"ok": 1, "fail": 0, "info": 0}
