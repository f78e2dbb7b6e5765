"""Deep runs: every property-based and stateful test with many times its examples, for a nightly job.

The suite's hypothesis tests set their own budgets (`@settings(max_examples=...)`) to keep `make test`
under its time bound; a profile cannot raise them, since a test's own settings win over the loaded
profile. `CREDITLINE_DEEP=N` (`make test-deep`, N = 20 there) multiplies each test's budget by N when
the suite is collected — at least 200 examples a test, at most `CAP` — and stateful machines take at
least 40 steps a run. The examples are drawn afresh each run (no example database, no derandomising),
so nightly runs keep finding new inputs; a failure prints hypothesis' reproduction blob as usual.

Without the variable (or with N = 1) nothing changes: `make test` runs the budgets written in the tests.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from hypothesis import HealthCheck, settings

CAP = 2_000
STATEFUL_STEPS = 40


def deep_factor() -> int:
    """N of `CREDITLINE_DEEP=N`; 1 (the suite as written) when unset. Anything else is refused."""
    raw = os.environ.get("CREDITLINE_DEEP", "").strip()
    if not raw:
        return 1
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"CREDITLINE_DEEP must be a whole number of at least 1, not {raw!r}")
    return int(raw)


def deeper(current: settings, factor: int) -> settings:
    """`current` with `factor` times its examples (200 ≤ n ≤ CAP), fresh examples and no deadline."""
    examples = min(CAP, max(current.max_examples * factor, 200))
    return settings(current, max_examples=examples, deadline=None, database=None, derandomize=False,
                    suppress_health_check=list(HealthCheck))  # fmt: skip


def deeper_machine(current: settings, factor: int) -> settings:
    """`deeper` for a stateful machine: also at least `STATEFUL_STEPS` steps a run."""
    return settings(deeper(current, factor), stateful_step_count=max(current.stateful_step_count, STATEFUL_STEPS))


def deepen(items: Iterable[Any], factor: int) -> tuple[list[Any], list[Any]]:
    """Raise the budget of every hypothesis test among the collected `items`: (those, the others).
    A test that runs hypothesis itself (a machine run by hand) says so with the `deep` marker and reads
    `deep_factor()` on its own."""
    raised: set[int] = set()
    deep: list[Any] = []
    others: list[Any] = []
    for item in items:
        test = getattr(getattr(item, "obj", None), "__func__", getattr(item, "obj", None))  # a method's function
        machine_case = getattr(item, "cls", None)  # a RuleBasedStateMachine's TestCase carries `settings`
        if getattr(test, "is_hypothesis_test", False):
            if id(test) not in raised:
                own = getattr(test, "_hypothesis_internal_use_settings", None) or settings.default
                test._hypothesis_internal_use_settings = deeper(own, factor)
                raised.add(id(test))
        elif isinstance(getattr(machine_case, "settings", None), settings):
            if id(machine_case) not in raised:
                machine_case.settings = deeper_machine(machine_case.settings, factor)
                raised.add(id(machine_case))
        elif item.get_closest_marker("deep") is None:
            others.append(item)
            continue
        deep.append(item)
    return deep, others
