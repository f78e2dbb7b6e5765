"""Fixtures for the funding tests."""

from __future__ import annotations

import pytest

from creditline.funding.tape import LoanTape

from .builders import small_tape


@pytest.fixture
def pool_tape() -> LoanTape:
    """Forty loans across grades and terms."""
    rows = [
        {
            "outstanding_principal_minor": str(50_000 + 7_919 * i),
            "annual_rate": f"0.{8 + i % 10:02d}",
            "remaining_term_months": str(3 + i % 10),
            "risk_grade": "ABCDE"[i % 5],
            "amortisation": ("level", "even_principal", "interest_only")[i % 3],
        }
        for i in range(40)
    ]
    return small_tape(rows)
