"""RepaymentBatcher's mechanics with a stand-in for the database: batches, outcomes, errors, idleness."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

import pytest

from creditline.app.loans import Repay
from creditline.app.repayment_batch import RepaymentBatcher
from creditline.errors import DomainError


class Recorder:
    """Records each batch; a command whose amount is "bad" fails with a typed error; "boom" fails the batch."""

    def __init__(self, delay_s: float = 0.0) -> None:
        self.batches: list[list[str]] = []
        self.delay_s = delay_s

    def __call__(self, _engine: Any, commands: Sequence[Repay]) -> list[Any]:
        self.batches.append([c.key for c in commands])
        time.sleep(self.delay_s)  # while this batch "runs", the next callers queue up
        if any(c.amount == "boom" for c in commands):
            raise ConnectionError("the database went away")
        return [DomainError("no", field="amount") if c.amount == "bad" else {"key": c.key} for c in commands]


def _callers(batcher: RepaymentBatcher, commands: list[Repay]) -> dict[str, Any]:
    outcomes: dict[str, Any] = {}

    def call(command: Repay) -> None:
        try:
            outcomes[command.key] = batcher.repay(command, timeout_s=10)
        except Exception as error:  # kept to assert on
            outcomes[command.key] = error

    threads = [threading.Thread(target=call, args=(c,)) for c in commands]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    return outcomes


def test_each_caller_gets_its_own_outcome_and_batches_are_bounded() -> None:
    recorder = Recorder(delay_s=0.02)
    batcher = RepaymentBatcher(None, batch_max=4, run=recorder)  # type: ignore[arg-type]
    commands = [Repay(f"L{n % 3}", "bad" if n % 5 == 0 else "1", f"k{n}") for n in range(20)]
    outcomes = _callers(batcher, commands)
    batcher.close()
    assert sorted(k for b in recorder.batches for k in b) == sorted(c.key for c in commands)
    assert max(len(b) for b in recorder.batches) <= 4
    assert len(recorder.batches) < len(commands)  # callers that arrived together shared a batch
    for command in commands:
        outcome = outcomes[command.key]
        if command.amount == "bad":
            assert isinstance(outcome, DomainError)
        else:
            assert outcome == {"key": command.key}
    assert batcher.commands == 20 and batcher.batches == len(recorder.batches)


def test_a_failing_batch_fails_each_of_its_callers_and_the_next_batch_runs() -> None:
    recorder = Recorder()
    batcher = RepaymentBatcher(None, run=recorder)  # type: ignore[arg-type]
    with pytest.raises(ConnectionError):
        batcher.repay(Repay("L1", "boom", "k1"))
    assert batcher.repay(Repay("L1", "1", "k2")) == {"key": "k2"}
    batcher.close()


def test_an_idle_batcher_ends_its_threads_and_the_next_caller_starts_one() -> None:
    batcher = RepaymentBatcher(None, idle_s=0.05, run=Recorder())  # type: ignore[arg-type]
    assert batcher.repay(Repay("L1", "1", "k1")) == {"key": "k1"}
    deadline = time.monotonic() + 5
    while batcher.workers and time.monotonic() < deadline:
        time.sleep(0.01)
    assert batcher.workers == 0
    assert batcher.repay(Repay("L1", "1", "k2")) == {"key": "k2"}
    batcher.close()


class Timeline:
    """Records each batch with when it ran, holding it long enough for the next one to start."""

    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s
        self.runs: list[tuple[float, float, list[Repay]]] = []
        self._lock = threading.Lock()

    def __call__(self, _engine: Any, commands: Sequence[Repay]) -> list[Any]:
        started = time.monotonic()
        time.sleep(self.delay_s)
        with self._lock:
            self.runs.append((started, time.monotonic(), list(commands)))
        return [{"key": c.key} for c in commands]


def test_pipelined_batches_keep_each_loans_and_keys_commands_in_arrival_order() -> None:
    """Two batches in flight at once, never sharing a loan or a key; each loan's and each key's commands
    run in arrival order although they were all sent at once."""
    timeline = Timeline(delay_s=0.01)
    batcher = RepaymentBatcher(None, batch_max=3, window_s=0.0, pipeline=2, run=timeline)  # type: ignore[arg-type]
    # six loans, each in every sixth command; key "again" on L4 then on L5 (a retry on another loan)
    commands = [Repay(f"L{n % 6}", "1", "again" if n in (4, 11) else f"k{n}") for n in range(36)]
    futures = [batcher.submit(c) for c in commands]
    assert [f.result(timeout=10) for f in futures] == [{"key": c.key} for c in commands]
    batcher.close()
    runs = sorted(timeline.runs, key=lambda run: run[0])
    assert sum(len(r[2]) for r in runs) == 36 and max(len(r[2]) for r in runs) <= 3
    overlapping = [(a, b) for i, a in enumerate(runs) for b in runs[i + 1 :] if b[0] < a[1]]
    assert overlapping, "a batch started while another was running"
    for a, b in overlapping:
        assert not {c.loan_id for c in a[2]} & {c.loan_id for c in b[2]}, "one loan in two batches in flight"
        assert not {c.key for c in a[2]} & {c.key for c in b[2]}, "one key in two batches in flight"
    ran = [c for run in runs for c in run[2]]
    for loan_id in {c.loan_id for c in commands}:
        assert [c for c in ran if c.loan_id == loan_id] == [c for c in commands if c.loan_id == loan_id]
    assert [c.loan_id for c in ran if c.key == "again"] == ["L4", "L5"]


def test_a_batch_stops_waiting_once_every_caller_seen_is_back_and_a_missing_one_costs_the_window_once() -> (
    None
):
    """Four callers each repaying in a loop: once the batcher has seen them, a batch closes as soon as they
    are all back instead of waiting out its (here long) window; when one caller has finished, the next
    batch waits the window out for it once, and later batches close at the three left."""
    window_s, rounds = 0.05, 8
    recorder = Recorder()
    batcher = RepaymentBatcher(None, window_s=window_s, run=recorder)  # type: ignore[arg-type]
    start = threading.Barrier(4)
    timings: dict[int, float] = {}

    def caller(c: int) -> None:
        start.wait()
        began = time.monotonic()
        for r in range(rounds if c else 2):  # caller 0 leaves after two rounds
            batcher.repay(Repay(f"L{c}", "1", f"k{c}-{r}"), timeout_s=10)
        timings[c] = time.monotonic() - began

    threads = [threading.Thread(target=caller, args=(c,)) for c in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    batcher.close()
    assert sorted(k for b in recorder.batches for k in b) == sorted(
        f"k{c}-{r}" for c in range(4) for r in range(rounds if c else 2)
    )
    assert len(recorder.batches) <= rounds + 3  # callers shared batches (a split heals at the next)
    # waiting out the window for every batch would take rounds × window; only the departure costs one
    assert max(timings.values()) < 3 * window_s, timings
