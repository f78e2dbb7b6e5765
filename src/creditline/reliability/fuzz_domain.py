"""Property-based fuzzing of the domain's entry points: every input a person or a file can hand
the platform must either be accepted or refused with a `DomainError` naming the field; any other
exception is a crash.

Targets: amounts (`Money.parse`), rates, the `creditline schedule` and `creditline apr` commands
(through the CLI frame, as typed), application forms, and every kind of versioned file (product,
origination policy, limits, price grid, fraud rules, collections strategy, behaviour scorecard,
limit review, early warning, auto-debit and provisioning policies, coupon campaigns, ABS deals).
Files are fuzzed two ways: the shipped file with a few values swapped for hostile ones (a
number where text was, a string where a number was, huge, negative, NaN, full-width digits, a
missing or unknown key) and re-serialised, which reaches the validation code; and the text itself
cut and spliced, which reaches the parsers.

`fuzz(target, examples, seed)` runs hypothesis for `examples` inputs (no shrinking: every crash is
recorded, the run goes on) and returns what was tried, accepted, refused and what crashed.
"""

from __future__ import annotations

import copy
import json
import re
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from creditline.errors import DomainError

CRASH_EXAMPLES_KEPT = 5
HOSTILE_TEXT = ["", " ", "0", "-0", "-1", "1e400", "1E-400", "NaN", "nan", "Infinity", "-inf", "0x10", "1_000",
                "1,000.00", "１２３", "١٢٣", "12.345.6", "9" * 60, "0." + "0" * 40 + "1", "\x00", "\u202e12", "💸",
                "true", "null", "2025-02-30", "9999-12-31", "0000-01-01", "a" * 5000, "%", "100%", "-5%", "1e3%"]  # fmt: skip
HOSTILE_VALUES: list[Any] = [*HOSTILE_TEXT, 0, -1, 1, 2**63, -(2**63) - 1, 10**30, 0.1, -0.0, float("nan"),
                             float("inf"), True, False, None, [], {}, [1, "x"], {"x": 1}, date(1900, 1, 1)]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Crash:
    target: str
    error: str  # type and message
    where: str  # the innermost frame in creditline
    example: str  # the input, abbreviated


@dataclass
class FuzzResult:
    target: str
    tried: int = 0
    accepted: int = 0
    refused: int = 0
    crashes: list[Crash] = field(default_factory=list)
    crash_count: int = 0
    seconds: float = 0.0

    def record(self, call: Callable[[Any], Any], value: Any) -> None:
        self.tried += 1
        try:
            call(value)
        except DomainError:
            self.refused += 1
            return
        except Exception as exc:  # the point: anything but a DomainError is a crash
            self.crash_count += 1
            crash = Crash(self.target, f"{type(exc).__name__}: {str(exc)[:200]}", _where(exc), repr(value)[:300])
            if len(self.crashes) < CRASH_EXAMPLES_KEPT and crash.where not in {c.where for c in self.crashes}:
                self.crashes.append(crash)
            return
        self.accepted += 1


def _where(exc: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/creditline/" in f.filename]
    frame = frames[-1] if frames else traceback.extract_tb(exc.__traceback__)[-1]
    return f"{frame.filename.rsplit('/creditline/', 1)[-1]}:{frame.lineno} {frame.name}"


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    strategy: Callable[[], st.SearchStrategy[Any]]  # built lazily: shipped files are read on use
    call: Callable[[Any], Any]


def fuzz(target: Target, examples: int, seed: int = 0) -> FuzzResult:
    result = FuzzResult(target.name)
    started = time.monotonic()

    @hypothesis_seed(seed)
    @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(target.strategy())
    def probe(value: Any) -> None:
        result.record(target.call, value)

    probe()
    result.seconds = round(time.monotonic() - started, 2)
    return result


# -- hostile edits of structured documents --------------------------------------------------------


def _paths(document: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix] if prefix else []
    if isinstance(document, dict):
        for key, value in document.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += _paths(value, (*prefix, index))
    return found


def _edit(document: Any, path: tuple, action: str, value: Any) -> None:
    value = copy.deepcopy(value)  # the hostile values are shared: an edit must never change them
    parent = document
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if action == "delete" and isinstance(parent, dict):
        parent.pop(last, None)
    elif action == "delete" and isinstance(parent, list) and len(parent) > 1:
        parent.pop(last)
    elif action == "add" and isinstance(parent, dict):
        parent[f"unknown_{last}"] = value
    elif action == "duplicate" and isinstance(parent, list):
        parent.append(copy.deepcopy(parent[last]))
    else:
        parent[last] = value


def edited(document: Any) -> st.SearchStrategy[Any]:
    """The document with one to three values replaced, removed, duplicated or joined by unknown keys."""
    paths = _paths(document)
    hostile = st.sampled_from(HOSTILE_VALUES) | st.text(max_size=30) | st.integers() | st.decimals(allow_nan=False).map(str)
    edit = st.tuples(st.sampled_from(paths), st.sampled_from(("replace", "replace", "delete", "add", "duplicate")), hostile)

    def apply(edits: list[tuple]) -> Any:
        result = copy.deepcopy(document)
        for path, action, value in edits:
            try:
                _edit(result, path, action, value)
            except (KeyError, IndexError, TypeError):
                continue  # an earlier edit removed the path: a smaller mutation, still a valid example
        return result

    return st.lists(edit, min_size=1, max_size=3).map(apply)


def spliced(text: str) -> st.SearchStrategy[str]:
    """The text with a slice removed or hostile text inserted somewhere."""
    cut = st.tuples(st.integers(0, len(text)), st.integers(0, 40), st.sampled_from(HOSTILE_TEXT) | st.text(max_size=20))
    return cut.map(lambda c: text[: c[0]] + c[2] + text[c[0] + c[1]:])


RAW_SCALARS = ["2025-02-30", "0000-01-01", "2025-13-01", "1e400", "-.inf", ".nan", "0x1F", "0o17", "1_000", "~", "null",
               "yes", "off", "[", "{}", "&a x", "*a", "!!binary x", "!!float x", "'unterminated", '"\\x"', "1:30:00"]  # fmt: skip


def retyped(text: str) -> st.SearchStrategy[str]:
    """One `key: value` or `key = value` line's value replaced by a raw, unquoted scalar: what a
    person editing the file could type, resolved by the parser itself (dates, floats, anchors, tags)."""
    lines = text.splitlines()
    candidates = [i for i, line in enumerate(lines) if re.match(r"^\s*[\w.-]+\s*[:=]\s*\S", line)]
    if not candidates:
        return st.just(text)

    def apply(index: int, raw: str) -> str:
        key = re.match(r"^(\s*[\w.-]+\s*[:=]\s*)", lines[index])
        assert key is not None
        return "\n".join([*lines[:index], key.group(1) + raw, *lines[index + 1:]]) + "\n"

    return st.builds(apply, st.sampled_from(candidates), st.sampled_from(RAW_SCALARS) | st.text(max_size=12))


# -- serialising edited documents back into files --------------------------------------------------


def yaml_text(document: Any) -> str:
    import yaml

    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | date):
        return value.isoformat() if isinstance(value, date) else str(value).lower()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value if v is not None) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in value.items() if v is not None) + "}"
    return json.dumps(str(value))  # TOML basic strings accept JSON's escapes


def toml_text(document: dict[str, Any]) -> str:
    """A TOML rendering of plain data (top-level keys, then one [table] per nested dict); None is left out."""
    lines = [f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in document.items()
             if v is not None and not isinstance(v, dict)]  # fmt: skip
    for key, table in document.items():
        if isinstance(table, dict):
            lines.append(f"[{json.dumps(str(key))}]")
            lines += [f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in table.items() if v is not None]
    return "\n".join(lines) + "\n"


def _file_target(name: str, text: Callable[[], str], parse: Callable[[str], Any], load: Callable[[str], Any],
                 dump: Callable[[Any], str]) -> Target:  # fmt: skip
    """A file kind fuzzed by edited values (dumped back), retyped values and spliced text."""
    def strategy() -> st.SearchStrategy[str]:
        original = text()
        return edited(load(original)).map(dump) | retyped(original) | spliced(original)

    return Target(name, strategy, parse)


def _shipped(package: str, name: str) -> Callable[[], str]:
    return lambda: (resources.files(package) / name).read_text(encoding="utf-8")


def _yaml_load(text: str) -> Any:
    import yaml

    return yaml.safe_load(text)


def _toml_load(text: str) -> Any:
    import tomllib

    return tomllib.loads(text)
