"""`make test-deep`'s budgets: N times each test's own examples, within bounds, and a bad N refused."""

from __future__ import annotations

import pytest
from hypothesis import settings

from deep_runs import CAP, STATEFUL_STEPS, deep_factor, deepen, deeper, deeper_machine


@pytest.mark.parametrize(("own", "factor", "expected"), [(25, 20, 500), (5, 20, 200), (500, 20, CAP), (100, 1, 200)])
def test_each_test_gets_n_times_its_own_examples_within_bounds(own: int, factor: int, expected: int) -> None:
    raised = deeper(settings(max_examples=own, deadline=1000), factor)
    assert raised.max_examples == expected
    assert raised.deadline is None and raised.database is None and not raised.derandomize


def test_a_machine_takes_at_least_the_deep_step_count_and_keeps_a_longer_one() -> None:
    assert deeper_machine(settings(max_examples=6, stateful_step_count=15), 20).stateful_step_count == STATEFUL_STEPS
    assert deeper_machine(settings(max_examples=6, stateful_step_count=90), 20).stateful_step_count == 90


@pytest.mark.parametrize(("raw", "factor"), [(None, 1), ("", 1), ("1", 1), (" 20 ", 20)])
def test_the_factor_is_read_from_the_environment(monkeypatch, raw: str | None, factor: int) -> None:  # type: ignore[no-untyped-def]
    if raw is None:
        monkeypatch.delenv("CREDITLINE_DEEP", raising=False)
    else:
        monkeypatch.setenv("CREDITLINE_DEEP", raw)
    assert deep_factor() == factor


@pytest.mark.parametrize("raw", ["0", "-3", "x", "2.5"])
def test_a_factor_that_is_not_a_whole_number_of_at_least_one_is_refused(monkeypatch, raw: str) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CREDITLINE_DEEP", raw)
    with pytest.raises(ValueError, match="CREDITLINE_DEEP must be a whole number"):
        deep_factor()


class _Item:
    """What `deepen` reads of a collected pytest item."""

    def __init__(self, obj: object, marker: str | None = None) -> None:
        self.obj, self.cls, self._marker = obj, None, marker

    def get_closest_marker(self, name: str) -> object | None:
        return name if name == self._marker else None


def test_a_collected_property_test_runs_its_raised_budget_and_the_rest_are_set_aside() -> None:
    """Through hypothesis itself: if a release stopped honouring the raised settings, this fails."""
    from hypothesis import given
    from hypothesis import strategies as st

    runs: list[int] = []

    @settings(max_examples=5)
    @given(st.integers())
    def a_property(x: int) -> None:
        runs.append(x)

    def a_plain_test() -> None:
        pass

    deep, others = deepen([_Item(a_property), _Item(a_plain_test), _Item(a_plain_test, "deep")], 40)
    assert [item.obj for item in deep] == [a_property, a_plain_test] and [i.obj for i in others] == [a_plain_test]
    a_property()
    assert len(runs) == 200
