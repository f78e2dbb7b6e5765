"""The loan tape schema: what it accepts and how it refuses bad rows."""

from __future__ import annotations

import numpy as np
import pytest

from creditline.funding.errors import NegativeRate, TapeError
from creditline.funding.tape import loan_tape
from creditline.money import UnknownCurrency

from .builders import tape_columns


def test_reads_text_columns_exactly() -> None:
    tape = loan_tape(tape_columns([{"outstanding_principal_minor": "123456789", "annual_rate": "0.085"}]))
    assert tape.outstanding_principal_minor.tolist() == [123456789]
    assert tape.outstanding_principal_minor.dtype == np.int64
    assert tape.annual_rate.tolist() == [0.085]
    assert tape.origination_date[0] == np.datetime64("2025-01-10")


def test_optional_columns_default() -> None:
    columns = tape_columns([{}])
    for optional in ("amortisation", "origination_date", "pd_annual"):
        del columns[optional]
    tape = loan_tape(columns)
    assert tape.amortisation.tolist() == ["level"]
    assert np.isnat(tape.origination_date[0])
    assert np.isnan(tape.pd_annual[0])


def test_blank_pd_is_unknown() -> None:
    tape = loan_tape(tape_columns([{"pd_annual": ""}, {"pd_annual": "0.05"}]))
    assert np.isnan(tape.pd_annual[0])
    assert tape.pd_annual[1] == 0.05


def test_missing_column_is_named() -> None:
    columns = tape_columns([{}])
    del columns["risk_grade"]
    with pytest.raises(TapeError) as caught:
        loan_tape(columns)
    assert caught.value.field == "risk_grade"


def test_negative_rate_names_the_field_and_loan() -> None:
    with pytest.raises(NegativeRate) as caught:
        loan_tape(tape_columns([{}, {"annual_rate": "-0.01"}]))
    assert caught.value.field == "annual_rate"
    assert caught.value.code == "negative_rate"
    assert "row 2 (loan L1)" in caught.value.message


def test_percent_typo_is_refused() -> None:
    with pytest.raises(TapeError) as caught:
        loan_tape(tape_columns([{"annual_rate": "12.5"}]))
    assert caught.value.field == "annual_rate"


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("outstanding_principal_minor", "12.50"),
        ("outstanding_principal_minor", "-5"),
        ("remaining_term_months", "abc"),
        ("days_past_due", "-1"),
        ("status", "sold"),
        ("amortisation", "balloon"),
        ("origination_date", "2025-13-01"),
        ("pd_annual", "1.5"),
        ("loan_id", ""),
    ],
)
def test_bad_cells_name_their_column(column: str, value: str) -> None:
    with pytest.raises(TapeError) as caught:
        loan_tape(tape_columns([{column: value}]))
    assert caught.value.field == column


def test_float_money_column_is_refused() -> None:
    columns = tape_columns([{}])
    columns["outstanding_principal_minor"] = [1000.0]
    with pytest.raises(TapeError) as caught:
        loan_tape(columns)
    assert caught.value.field == "outstanding_principal_minor"


def test_duplicate_loan_ids() -> None:
    with pytest.raises(TapeError) as caught:
        loan_tape(tape_columns([{"loan_id": "X"}, {"loan_id": "X"}]))
    assert caught.value.field == "loan_id"


def test_unknown_currency() -> None:
    with pytest.raises(UnknownCurrency) as caught:
        loan_tape(tape_columns([{"currency": "XYZ"}]))
    assert caught.value.field == "currency"


def test_only_monthly_payers() -> None:
    columns = tape_columns([{}])
    columns["payment_frequency"] = ["quarterly"]
    with pytest.raises(TapeError) as caught:
        loan_tape(columns)
    assert caught.value.field == "payment_frequency"


def test_typed_columns_as_parquet_gives_them() -> None:
    columns = tape_columns([{}, {}])
    columns["outstanding_principal_minor"] = [100, 200]
    columns["annual_rate"] = [0.1, 0.2]
    columns["remaining_term_months"] = [6, 12]
    tape = loan_tape(columns)
    assert tape.total_principal_minor() == 300


def test_take_and_round_trip() -> None:
    tape = loan_tape(tape_columns([{"annual_rate": "0.0815"}, {}, {}]))
    part = tape.take(np.array([2, 0]))
    assert part.loan_id.tolist() == ["L2", "L0"]
    again = loan_tape(part.to_columns())
    assert again.annual_rate.tolist() == part.annual_rate.tolist()
    assert again.outstanding_principal_minor.tolist() == part.outstanding_principal_minor.tolist()


def test_empty_tape() -> None:
    columns = {name: [] for name in tape_columns([{}])}
    with pytest.raises(TapeError) as caught:
        loan_tape(columns)
    assert caught.value.field == "loan_id"


def test_a_tape_whose_loans_add_up_past_the_limit_is_refused() -> None:
    # three loans of 9e18 minor units each fit an int64, their sum did not: the pool printed as
    # 85,532,559,262,904,483.84 CNY (wrapped) and the waterfall ran on it
    rows = [{"loan_id": f"L{i}", "outstanding_principal_minor": "9000000000000000000"} for i in range(3)]
    with pytest.raises(TapeError) as caught:
        loan_tape(tape_columns(rows))
    assert caught.value.field == "outstanding_principal_minor"
    assert "a tape holds at most 1,000,000,000,000,000" in caught.value.message
    at_limit = [{"loan_id": f"L{i}", "outstanding_principal_minor": str(10**15 // 4)} for i in range(4)]
    assert int(loan_tape(tape_columns(at_limit)).outstanding_principal_minor.sum()) == 10**15


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("outstanding_principal_minor", "99999999999999999999", "has outstanding_principal_minor '99999999999999999999'"),
        ("payment_frequency", "weekly", "pays 'weekly'; the projection models monthly payers only"),
    ],
)
def test_a_bad_cell_is_quoted_as_written(column: str, value: str, expected: str) -> None:
    # quoted as np.str_('weekly'): numpy's repr of the cell, not what the tape says
    with pytest.raises(TapeError) as caught:
        loan_tape(tape_columns([{column: value}]))
    assert expected in caught.value.message
    assert "np." not in caught.value.message
