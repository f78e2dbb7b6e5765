"""One-dimensional arrays of simple values in PostgreSQL's binary form, built in a few C calls.

A group commit sends each table's rows as arrays, one parameter per column (`store.batch_writes`, the
journal's `unnest` statements): some 70 arrays a batch. psycopg's generic list dumper finds each
array's element type by scanning it, works out its dimensions and dumps element by element through
the element's dumper: most of the batch-write statement's client cost (85 % of it under a profiler).
An array of strings, integers, dates or bytes (or NULLs) is simpler: a header, then each element's
length and bytes. `binary_array` wraps such a list in `BinaryArray`, whose dumper (registered with
psycopg here) writes exactly that; any other list — nested, of mixed
or other types (Decimal, bool, datetime), an integer beyond int64 — is returned as it is, and psycopg
dumps it as before. Integers go as int8 and strings as text whatever the column: every statement
casts each array to its column's type (`$1::INTEGER[]`), and one element type per kind of value also
keeps one prepared statement per statement shape.
"""

from __future__ import annotations

import struct
from contextlib import suppress
from datetime import date
from typing import Any

_HEAD = struct.Struct(">iiiii")  # dimensions, has-null flag, element oid, length, lower bound
_NO_DIMENSION = struct.Struct(">iii")  # an empty array: no dimension at all
_LENGTH = struct.Struct(">i")
_NULL, _FOUR, _EIGHT = _LENGTH.pack(-1), _LENGTH.pack(4), _LENGTH.pack(8)
_INT4, _INT8 = _LENGTH.pack, struct.Struct(">q").pack
_EPOCH = date(2000, 1, 1).toordinal()  # PostgreSQL's dates count days from 2000-01-01
_INT8_MAX = 2**63 - 1

# Python type -> (element oid, array oid): text, int8, date, bytea
_KINDS: dict[type, tuple[int, int]] = {str: (25, 1009), int: (20, 1016), date: (1082, 1182), bytes: (17, 1001)}


class BinaryArray:
    """A list of one kind of simple value (or None), to be sent as a one-dimensional array."""

    __slots__ = ("kind", "values")

    def __init__(self, values: list[Any], kind: type) -> None:
        self.values, self.kind = values, kind


def binary_array(values: list[Any]) -> BinaryArray | list[Any]:
    """`values` wrapped for the fast dumper when it can take them; else `values` itself (psycopg's dumper)."""
    kind: type | None = None
    for value in values:
        if value is None:
            continue
        this = type(value)
        if kind is None:
            if this not in _KINDS:
                return values
            kind = this
        elif this is not kind:
            return values
    if kind is int and not all(-_INT8_MAX - 1 <= v <= _INT8_MAX for v in values if v is not None):
        return values
    return BinaryArray(values, kind or str)  # all NULL: a text array of NULLs, cast like any other


def dump_array(array: BinaryArray) -> bytes:
    """The array's binary wire form (what PostgreSQL's `array_recv` reads): a header, then each
    element's length and bytes (-1 and none for NULL)."""
    values, kind = array.values, array.kind
    element_oid = _KINDS[kind][0]
    if not values:
        return _NO_DIMENSION.pack(0, 0, element_oid)
    parts = [_HEAD.pack(1, 1 if None in values else 0, element_oid, len(values), 1)]
    add, pack = parts.append, _LENGTH.pack
    for value in values:
        if value is None:
            add(_NULL)
        elif kind is int:
            add(_EIGHT)
            add(_INT8(value))
        elif kind is date:
            add(_FOUR)
            add(_INT4(value.toordinal() - _EPOCH))
        else:
            data = value.encode() if kind is str else value
            add(pack(len(data)))
            add(data)
    return b"".join(parts)


def _register() -> None:
    """`BinaryArray`'s dumper, registered with psycopg for every connection made after this."""
    from psycopg import adapters
    from psycopg.adapt import Dumper
    from psycopg.pq import Format

    class BinaryArrayDumper(Dumper):
        format = Format.BINARY

        def get_key(self, obj: BinaryArray, format: Any) -> Any:
            return (BinaryArray, obj.kind)

        def upgrade(self, obj: BinaryArray, format: Any) -> Dumper:
            dumper = type(self)(BinaryArray)
            dumper.oid = _KINDS[obj.kind][1]
            return dumper

        def dump(self, obj: BinaryArray) -> bytes:
            return dump_array(obj)

    adapters.register_dumper(BinaryArray, BinaryArrayDumper)


with suppress(ImportError):  # psycopg is the `postgres` extra: without it no array is ever sent
    _register()
