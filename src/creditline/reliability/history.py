"""The history of a test run, kept the way Jepsen keeps it: every operation a client attempted, with
what it learnt. `ok`: the server acknowledged it (2xx) — its effect must be in the books; `fail`:
the server refused it (4xx, or a domain error) — it must have no effect; `info`: the client cannot
know (a timeout, a dropped connection, a killed server) — either is allowed, once. Anomalies are
what a client saw that must never happen, next to what the invariant checker found."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    OK = "ok"
    FAIL = "fail"
    INFO = "info"


@dataclass
class Operation:
    kind: str  # draw | repay | prepay | reverse | read | replay-same | replay-different | twin | eod | check
    client: int
    outcome: Outcome
    key: str | None = None  # the Idempotency-Key sent (scoped by the server to the account)
    status: int | None = None  # HTTP status, when there was a response
    code: str | None = None  # the problem's code, or the exception's name for info
    value: dict[str, Any] = field(default_factory=dict)  # what the client needs to check it later
    at_s: float = 0.0  # seconds since the run started


@dataclass(frozen=True, slots=True)
class Observed:
    """An anomaly seen by a client or by a check, with when it was seen."""

    kind: str
    detail: str
    at_s: float


class History:
    """Thread-safe: every client appends as it goes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self.operations: list[Operation] = []
        self.anomalies: list[Observed] = []

    def elapsed_s(self) -> float:
        return time.monotonic() - self._started

    def add(self, operation: Operation) -> Operation:
        operation.at_s = round(self.elapsed_s(), 3)
        with self._lock:
            self.operations.append(operation)
        return operation

    def anomaly(self, kind: str, detail: str) -> None:
        with self._lock:
            self.anomalies.append(Observed(kind, detail, round(self.elapsed_s(), 3)))

    def of(self, kind: str, outcome: Outcome | None = None) -> list[Operation]:
        with self._lock:
            return [o for o in self.operations if o.kind == kind and (outcome is None or o.outcome is outcome)]

    def counts(self) -> dict[str, dict[str, int]]:
        """{kind: {ok, fail, info}} — the table Jepsen prints at the end of a run."""
        with self._lock:
            tally = Counter((o.kind, str(o.outcome)) for o in self.operations)
        kinds = sorted({kind for kind, _ in tally})
        return {kind: {str(o): tally[(kind, str(o))] for o in Outcome} for kind in kinds}

    def failure_codes(self) -> dict[str, int]:
        with self._lock:
            return dict(Counter(f"{o.kind}:{o.code}" for o in self.operations if o.outcome is not Outcome.OK))

    def anomaly_counts(self) -> dict[str, int]:
        with self._lock:
            return dict(Counter(a.kind for a in self.anomalies))


def counts_table(counts: dict[str, dict[str, int]]) -> str:
    """The operation counts as a Markdown table (docs/reliability.md)."""
    lines = ["| operation | ok | fail | info |", "| --- | ---: | ---: | ---: |"]
    for kind, row in counts.items():
        lines.append(f"| {kind} | {row['ok']} | {row['fail']} | {row['info']} |")
    total = {o: sum(row[o] for row in counts.values()) for o in ("ok", "fail", "info")}
    lines.append(f"| **all** | {total['ok']} | {total['fail']} | {total['info']} |")
    return "\n".join(lines)
