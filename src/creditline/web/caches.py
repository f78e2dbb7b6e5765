"""Figures that take longer than a page may: computed once in the background, served until stale.

A console page must answer in well under 300 ms even when the figure behind it (the portfolio report
over a year of snapshots, the PSI over thousands of decisions) takes seconds. `Background` keeps the
last value, recomputes it on a worker thread when it is older than `ttl_s` or its key changed, and
lets a page wait a short bounded time for a first value before rendering without it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

_LOG = logging.getLogger("creditline.web")


@dataclass(frozen=True, slots=True)
class Computed:
    value: Any
    error: str | None  # a DomainError's message when the computation refused its input
    seconds: float  # how long the computation took
    key: Hashable
    at: float


class Background:
    def __init__(
        self, name: str, compute: Callable[[], Any], ttl_s: float, key: Callable[[], Hashable] = lambda: None,
        min_interval_s: float = 0.0,
    ) -> None:
        """`key` names the data's version (recompute when it changes, but not more often than every
        `min_interval_s`, so a busy book does not keep a core scanning); `ttl_s` bounds the age anyway."""
        self.name = name
        self._compute = compute
        self._key = key
        self.ttl_s = ttl_s
        self.min_interval_s = min_interval_s
        self._lock = threading.Lock()
        self._done = threading.Condition(self._lock)
        self._latest: Computed | None = None
        self._running = False

    def get(self, wait_s: float = 0.0) -> Computed | None:
        """The latest value (maybe stale while a fresher one is computed), or None if none yet."""
        key = self._key()
        with self._lock:
            latest = self._latest
            age_s = None if latest is None else time.monotonic() - latest.at
            stale = age_s is None or age_s > self.ttl_s or (latest.key != key and age_s >= self.min_interval_s)
            if stale and not self._running:
                self._running = True
                threading.Thread(target=self._run, args=(key,), name=f"web-{self.name}", daemon=True).start()
            if latest is None and wait_s > 0:
                self._done.wait_for(lambda: self._latest is not None, timeout=wait_s)
                latest = self._latest
        return latest

    def _run(self, key: Hashable) -> None:
        from creditline.errors import DomainError

        started = time.perf_counter()
        value, error = None, None
        try:
            value = self._compute()
        except DomainError as exc:
            error = exc.message
        except Exception:  # a figure that fails must not take the page down: log it, show the failure
            _LOG.exception("background figure failed", extra={"fields": {"figure": self.name}})
            error = "the figure could not be computed; the server log names the cause"
        computed = Computed(value, error, time.perf_counter() - started, key, time.monotonic())
        with self._lock:
            self._latest = computed
            self._running = False
            self._done.notify_all()
