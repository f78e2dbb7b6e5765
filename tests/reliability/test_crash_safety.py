"""Crash safety through the platform's own processes, on SQLite and PostgreSQL: the server is
SIGKILLed while clients move money, `creditline eod` is SIGKILLed at random points (seeded, a
bounded number of times); after every restart nothing acknowledged is lost, nothing is half
applied, and each business day is closed exactly once (creditline.reliability.crash).

The EOD pipeline's own kill-and-restart test (tests/integration/test_eod_pipeline.py) crashes
inside the process at chosen stages; this one kills the command as an operator runs it."""

from __future__ import annotations

import pytest
from reliability_support import POSTGRES, SQLITE

from creditline.reliability.crash import (
    STREAM,
    CrashConfig,
    kill_eod_repeatedly,
    kill_server_repeatedly,
    summary,
)

pytestmark = pytest.mark.xdist_group("reliability-platform")
DATABASES = [SQLITE, pytest.param(POSTGRES, marks=pytest.mark.postgres)]


@pytest.mark.parametrize("kind", DATABASES)
def test_a_killed_server_loses_nothing_it_acknowledged(request, platforms, kind: str) -> None:  # type: ignore[no-untyped-def]
    report = kill_server_repeatedly(platforms(request, kind).fresh(STREAM), CrashConfig(kills=2, seed=11))
    print(summary(report))
    assert report.kills == 2
    assert report.acknowledged > 0, "the clients were answered before the kills"
    assert report.lost == 0
    assert report.anomalies == {}, report.examples


@pytest.mark.parametrize("kind", DATABASES)
def test_a_killed_end_of_day_closes_each_day_exactly_once(request, platforms, kind: str) -> None:  # type: ignore[no-untyped-def]
    report = kill_eod_repeatedly(platforms(request, kind).fresh(STREAM), CrashConfig(kills=3, seed=12))
    print(summary(report))
    assert report.kills == 3 and sum(report.landed.values()) == 3
    assert report.lost == 0
    assert report.anomalies == {}, report.examples
