"""What a long batch that is its database's only writer (the simulator) may keep between end-of-day runs.

The simulator closes a day hundreds of times in one process on one engine, and nothing else writes to
its database meanwhile. EOD stages that re-read values which never change once written (a loan's
owner, line and currency, the facts recorded when EOD first saw it, the PD of the decision that opened
a line) can keep them here instead of decoding them from the database every day. Only values that are
immutable once written are kept — or derived from such values (a loan's fold from its events, which are
only ever added), or told to the memory by the one code path that writes them (a line's last review,
the auto-debit stage's attempts) — so a day gives the same rows as without the memory; it is opted into
per engine (`keep_between_days`) and dies with the engine. Production runs (`creditline eod`, one day
per process, other processes writing beside it) keep nothing: `kept` answers None there.
"""

from __future__ import annotations

import weakref
from typing import Any

from sqlalchemy import Connection, Engine

_KEPT: weakref.WeakKeyDictionary[Engine, dict[str, dict[Any, Any]]] = weakref.WeakKeyDictionary()


def keep_between_days(engine: Engine) -> Engine:
    """Let EOD stages on `engine` keep immutable values between days (the engine's owner is the only writer)."""
    _KEPT.setdefault(engine, {})
    return engine


def kept(connection: Connection, name: str) -> dict[Any, Any] | None:
    """The memory called `name` for this connection's engine, or None when the engine keeps nothing."""
    return kept_of_engine(connection.engine, name)


def kept_of_engine(engine: Engine, name: str) -> dict[Any, Any] | None:
    """`kept` for a stage that holds the engine rather than a connection."""
    memory = _KEPT.get(engine)
    return None if memory is None else memory.setdefault(name, {})
