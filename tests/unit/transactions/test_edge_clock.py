"""`at_or_now`: the one place a logged read of personal data turns the edge's time into a datetime."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from creditline.app import drawdown_screening
from creditline.app.drawdown_screening import at_or_now


def test_a_given_time_is_used_as_given_in_utc() -> None:
    assert at_or_now(1_741_572_000) == datetime(2025, 3, 10, 2, 0, tzinfo=UTC)


def test_time_zero_is_a_time_not_an_absence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(drawdown_screening, "wall_clock_s", lambda: 1_741_572_000)
    assert at_or_now(0) == datetime(1970, 1, 1, tzinfo=UTC)


def test_no_time_reads_the_edge_clock_that_tests_replace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(drawdown_screening, "wall_clock_s", lambda: 1_741_572_000)
    at = at_or_now(None)
    assert at == datetime(2025, 3, 10, 2, 0, tzinfo=UTC)
    assert at.utcoffset() is not None and at.utcoffset().total_seconds() == 0
