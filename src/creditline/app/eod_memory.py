"""Python's cyclic garbage collector held off while an end-of-day stage works over the whole book.

A stage over a million loans makes tens of millions of short-lived objects (the rows the driver
returns, their columns, the rows it writes). Each allocation burst sets off the cyclic collector,
and its full collections walk every live object, so its cost grows faster than the book: at
1,000,000 loans it was about a sixth of the classify stage's CPU. Reference counting still frees
everything at once; reference cycles made meanwhile wait until the stage ends and the collector is
back on (as it was before).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def without_cyclic_gc(function: F) -> F:
    """`function` run with the cyclic collector held off (`collector_paused`)."""

    @wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        with collector_paused():
            return function(*args, **kwargs)

    return run  # type: ignore[return-value]
