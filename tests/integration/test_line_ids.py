"""Line opening refuses ids the tamper-evident log cannot take, before anything is written.

Every money command on a line is logged under its borrower and line ids; an id with a space, or
shaped like an ID card or phone number (personal data), would make each later command fail. So
the line is refused up front, naming the field, and the books stay empty.
"""

from __future__ import annotations

import pytest
from lending_fixtures import setup_books
from sqlalchemy import func, select

from creditline.app import OpenLine, open_line
from creditline.errors import DomainError
from creditline.store import tables as t


@pytest.mark.parametrize(
    ("borrower", "line_id", "field"),
    [
        ("B 1", None, "borrower"),  # a space
        ("13812345678", None, "borrower"),  # a mainland mobile number
        ("11010519491231002X", None, "borrower"),  # a resident ID number's shape
        ("alice@example.com", None, "borrower"),
        ("B1", "line one", "line_id"),
    ],
)
def test_an_id_the_log_cannot_take_is_refused_and_nothing_is_written(engine, borrower, line_id, field) -> None:  # type: ignore[no-untyped-def]
    setup_books(engine)
    with pytest.raises(DomainError) as refused:
        open_line(engine, OpenLine(borrower, "revolving-consumer", "20000", "0.05", line_id=line_id))
    assert refused.value.code == "id_invalid" and refused.value.field == field
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(t.credit_lines)).scalar_one() == 0


def test_a_pseudonymous_id_opens_a_line(engine) -> None:  # type: ignore[no-untyped-def]
    setup_books(engine)
    line = open_line(engine, OpenLine("BR-0001.a:b_c", "revolving-consumer", "20000", "0.05"))
    assert line["borrower_id"] == "BR-0001.a:b_c"
