"""The binary arrays a group commit sends (`store.driver_arrays`): PostgreSQL reads back exactly what was
sent, as it does psycopg's own dumping of the same list, and lists the fast form cannot take go to psycopg."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creditline.store.driver_arrays import BinaryArray, binary_array, dump_array

INT8 = st.integers(-(2**63), 2**63 - 1)
# PostgreSQL text holds no NUL, and a lone surrogate is no UTF-8 (psycopg's own dumper refuses it too)
TEXT = st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=40)
pytestmark = pytest.mark.postgres

BY_TYPE = {  # SQL type -> values of that kind
    "text[]": TEXT,
    "bigint[]": INT8,
    "date[]": st.dates(),
    "bytea[]": st.binary(max_size=40),
}


@pytest.fixture(scope="module")
def connection(postgres_url: str):  # type: ignore[no-untyped-def]
    with psycopg.connect(postgres_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as c:
        yield c


def _round_trip(connection, values: list, sql_type: str) -> list:  # type: ignore[no-untyped-def]
    return connection.execute(f"SELECT %b::{sql_type}", (binary_array(values),)).fetchone()[0]


@settings(max_examples=60)
@given(data=st.data(), sql_type=st.sampled_from(sorted(BY_TYPE)))
def test_every_kind_reads_back_as_sent(connection, data, sql_type: str) -> None:  # type: ignore[no-untyped-def]
    values = data.draw(st.lists(st.none() | BY_TYPE[sql_type], max_size=12), label="values")
    assert _round_trip(connection, values, sql_type) == values
    if any(v is not None for v in values):  # psycopg's dumper reads the same back (it cannot type an all-NULL list)
        assert connection.execute(f"SELECT %b::{sql_type}", (values,)).fetchone()[0] == values


def test_casts_to_the_column_type_as_the_statements_do(connection) -> None:  # type: ignore[no-untyped-def]
    assert _round_trip(connection, [1, -2, None], "integer[]") == [1, -2, None]
    assert _round_trip(connection, ["LN-1", None], "varchar(20)[]") == ["LN-1", None]
    assert _round_trip(connection, [None, None], "date[]") == [None, None]  # all NULL: sent as text, cast
    assert _round_trip(connection, [], "bigint[]") == []
    assert _round_trip(connection, [date(1, 1, 1), date(9999, 12, 31), date(1999, 12, 31)], "date[]") == [
        date(1, 1, 1), date(9999, 12, 31), date(1999, 12, 31),
    ]  # fmt: skip
    with pytest.raises(psycopg.errors.NumericValueOutOfRange):  # int8 sent; the column's cast still checks
        _round_trip(connection, [2**40], "integer[]")


@pytest.mark.parametrize(
    "values",
    [[1, True], [True, False], [2**63], [-(2**63) - 1], [[1, 2]], [1.5], [Decimal("1.00")], ["a", 1], [None, b"x", "y"]],
)
def test_what_the_fast_form_cannot_take_is_left_to_psycopg(values: list) -> None:
    assert binary_array(values) is values


def test_the_wire_form_is_postgresqls() -> None:
    # one dimension, no NULL, element oid 20 (int8), 2 elements from index 1; each: length 8, value
    assert dump_array(BinaryArray([1, -1], int)) == bytes.fromhex(
        "00000001" "00000000" "00000014" "00000002" "00000001"
        "00000008" "0000000000000001" "00000008" "ffffffffffffffff"
    )  # fmt: skip
    # a NULL: the flag set, length -1 and no bytes; text elements as UTF-8
    assert dump_array(BinaryArray(["é", None], str)) == bytes.fromhex(
        "00000001" "00000001" "00000019" "00000002" "00000001" "00000002" "c3a9" "ffffffff"
    )  # fmt: skip
    assert dump_array(BinaryArray([date(2000, 1, 2)], date)).endswith(bytes.fromhex("00000004" "00000001"))
