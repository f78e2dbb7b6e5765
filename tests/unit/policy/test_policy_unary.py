from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from creditline.risk.policy.unary import CellError, compile_cell


@pytest.mark.parametrize(
    ("cell", "kind", "yes", "no"),
    [
        ("-", "number", [1, None], []),
        ("", "string", ["x"], []),
        ("< 22", "number", [21, Decimal("21.9")], [22, None]),
        (">= 0.8", "number", [Decimal("0.8"), 0.8, 1], [Decimal("0.79999"), None]),
        ("[0.5..0.8)", "number", [Decimal("0.5"), Decimal("0.7999")], [Decimal("0.8"), Decimal("0.4999")]),
        ("(0.45..0.6]", "number", [Decimal("0.6"), 0.46], [Decimal("0.45"), Decimal("0.61")]),
        ("true", "boolean", [True], [False, None]),
        ("false", "boolean", [False], [True]),
        ("null", "number", [None], [0]),
        ('"CN", "ID"', "string", ["CN", "ID"], ["SG", None]),
        ('"a, b"', "string", ["a, b"], ["a"]),
        ("1, 2", "number", [1, Decimal(2)], [3]),
        ("!= 3", "number", [2], [3, None]),
        ('== "x"', "string", ["x"], ["y"]),
    ],
)
def test_cells(cell, kind, yes, no):
    test = compile_cell(cell, kind)
    assert all(test(v) for v in yes)
    assert not any(test(v) for v in no)


@pytest.mark.parametrize(
    ("cell", "kind"),
    [("< abc", "number"), ("< 3", "boolean"), ("[1..x]", "number"), ("[5..1]", "number"), ("yes", "boolean"),
     ("unquoted", "string"), ("1,,2", "number"), ("[1..2]", "string"), ("< NaN", "number"), ("x" * 600, "string")],
)
def test_bad_cells_are_refused(cell, kind):
    with pytest.raises(CellError):
        compile_cell(cell, kind)


@given(low=st.integers(-1000, 1000), width=st.integers(0, 1000), value=st.integers(-3000, 3000))
def test_interval_matches_its_definition(low, width, value):
    high = low + width
    assert compile_cell(f"[{low}..{high}]", "number")(value) == (low <= value <= high)
    assert compile_cell(f"({low}..{high})", "number")(value) == (low < value < high)
    assert compile_cell(f"[{low}..{high})", "number")(value) == (low <= value < high)
