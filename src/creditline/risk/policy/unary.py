"""Unary tests: the cell language of a decision table, a subset of GoRules/DMN unary syntax.

A cell tests one input value. Supported forms, chosen so a table moves to zen-engine unchanged:
`-` or empty (anything), `null`, `true`/`false`, `< 18`, `>= 0.5`, `== "x"`, `!= 3`, intervals
`[18..55]`, `(0.45..0.6]`, and comma lists `"a", "b"` or `1, 2`. A bare literal means equality.
Numbers are Decimal, so `0.1` in a table is exactly one tenth.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

Test = Callable[[object], bool]

_COMPARISON = re.compile(r"^(<=|>=|==|!=|<|>)\s*(.+)$")
_INTERVAL = re.compile(r"^([\[(])\s*(\S+?)\s*\.\.\s*(\S+?)\s*([\])])$")
_OPERATORS: dict[str, Callable[[object, object], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
CELL_LENGTH_MAX = 500


class CellError(ValueError):
    """A cell that does not parse or does not fit its input's type (wrapped into a typed error)."""


def _literal(text: str, kind: str) -> object:
    text = text.strip()
    if kind == "boolean":
        if text not in ("true", "false"):
            raise CellError(f"{text!r} is not true or false")
        return text == "true"
    if kind == "string":
        if len(text) < 2 or text[0] != '"' or text[-1] != '"' or '"' in text[1:-1]:
            raise CellError(f'{text!r} is not a quoted string ("…")')
        return text[1:-1]
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise CellError(f"{text!r} is not a number") from exc
    if not value.is_finite():
        raise CellError(f"{text!r} is not a finite number")
    return value


def _number(value: object) -> object:
    # Facts arrive as int, Decimal or bool; floats are turned into their shortest decimal text so
    # 0.1 compares as one tenth, not as 0.1000000000000000055…
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


def compile_cell(cell: object, kind: str) -> Test:
    """Compile one cell for an input of `kind` ('number', 'boolean' or 'string')."""
    text = "" if cell is None else str(cell).strip()
    if isinstance(cell, bool):
        text = "true" if cell else "false"
    if len(text) > CELL_LENGTH_MAX:
        raise CellError(f"a cell is at most {CELL_LENGTH_MAX} characters")
    if text in ("", "-"):
        return lambda value: True
    if text == "null":
        return lambda value: value is None
    if match := _INTERVAL.match(text):
        return _interval(match, kind)
    if match := _COMPARISON.match(text):
        symbol, operand = match.groups()
        if kind != "number" and symbol not in ("==", "!="):
            raise CellError(f"{symbol} compares numbers, but this input is {kind}")
        bound = _literal(operand, kind)
        compare = _OPERATORS[symbol]
        return lambda value: value is not None and compare(_number(value), bound)
    parts = _split_list(text)
    values = frozenset(_literal(part, kind) for part in parts)
    return lambda value: value is not None and _number(value) in values


def _interval(match: re.Match[str], kind: str) -> Test:
    if kind != "number":
        raise CellError(f"intervals apply to numbers, but this input is {kind}")
    opening, low_text, high_text, closing = match.groups()
    low, high = _literal(low_text, kind), _literal(high_text, kind)
    if low > high:  # type: ignore[operator]
        raise CellError(f"interval {match.group(0)} is empty: {low} > {high}")
    low_ok = operator.le if opening == "[" else operator.lt
    high_ok = operator.le if closing == "]" else operator.lt

    def test(value: object) -> bool:
        if value is None:
            return False
        number = _number(value)
        return low_ok(low, number) and high_ok(number, high)

    return test


def _split_list(text: str) -> list[str]:
    # Commas inside quoted strings are part of the string.
    parts = [p for p in re.split(r',(?=(?:[^"]*"[^"]*")*[^"]*$)', text)]
    if any(not p.strip() for p in parts):
        raise CellError(f"{text!r} has an empty list item")
    return parts
