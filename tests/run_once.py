"""A costly test artefact built once per test run, however pytest-xdist spreads the tests that need it.

A session- or module-scoped fixture is per worker process: with `-n 2` the tests of one module can
land on both workers (`xdist_group` does not hold them together with pytest 9), so a model that
several tests share would be trained twice. `once` builds it in the first worker that asks, under an
exclusive lock in the run's shared temporary folder; the others wait for it and read the very
objects it built (pickled, test artefacts only), so every test sees exactly what the build returned.
"""

from __future__ import annotations

import fcntl
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def run_folder(tmp_path_factory) -> Path:
    """The temporary folder every worker of this run shares (the session's own without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def once(tmp_path_factory, name: str, build: Callable[[Path], T]) -> T:
    """`build(folder)`'s result, computed by one worker of the run; `folder` is shared and kept."""
    root = run_folder(tmp_path_factory)
    folder = root / f"once-{name}"
    result = folder / "result.pickle"
    with (root / f"once-{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if result.exists():
            return pickle.loads(result.read_bytes())
        folder.mkdir(exist_ok=True)
        built = build(folder)
        result.write_bytes(pickle.dumps(built))
        return built
