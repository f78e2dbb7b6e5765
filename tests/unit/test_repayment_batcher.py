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


def test_an_idle_batcher_ends_its_thread_and_the_next_caller_starts_one() -> None:
    batcher = RepaymentBatcher(None, idle_s=0.05, run=Recorder())  # type: ignore[arg-type]
    assert batcher.repay(Repay("L1", "1", "k1")) == {"key": "k1"}
    deadline = time.monotonic() + 5
    while batcher._thread is not None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert batcher._thread is None
    assert batcher.repay(Repay("L1", "1", "k2")) == {"key": "k2"}
    batcher.close()
