"""A synthetic consumer-loan tape with realistic shapes, for examples, tests and benchmarks.

Loans look like a 借呗-style book: small balances (log-normal), 3 to 24 month terms, grades A-E
with rising rates and PDs, a few delinquent and defaulted loans, most borrowers with one loan.
Deterministic for a given seed. Not a substitute for a real tape.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

GRADES = ("A", "B", "C", "D", "E")
GRADE_WEIGHTS = (0.30, 0.30, 0.20, 0.12, 0.08)
GRADE_RATE = (0.08, 0.11, 0.14, 0.18, 0.24)
GRADE_PD = (0.01, 0.02, 0.04, 0.07, 0.12)
TERMS = (3, 6, 9, 12, 18, 24)
TERM_WEIGHTS = (0.10, 0.20, 0.10, 0.35, 0.10, 0.15)


def synthetic_tape(
    loans: int,
    *,
    seed: int = 7,
    currency: str = "CNY",
    cut_off: date = date(2025, 6, 30),
    terms: tuple[int, ...] = TERMS,
) -> dict[str, list]:
    """Columns of a tape of `loans` loans, as `loan_tape` reads them (values as text).

    `terms` are the original terms in months; the default mix is weighted towards 12 months,
    any other tuple is drawn uniformly."""
    assert 0 < loans <= 5_000_000, "a synthetic tape has 1 to 5,000,000 loans"
    rng = np.random.default_rng(seed)
    grade = rng.choice(len(GRADES), size=loans, p=GRADE_WEIGHTS)
    weights = TERM_WEIGHTS if terms == TERMS else None
    original_term = rng.choice(terms, size=loans, p=weights)
    elapsed = rng.integers(0, original_term)
    principal = np.round(rng.lognormal(mean=np.log(8_000), sigma=0.8, size=loans), 2)
    principal_minor = np.maximum((principal * 100).astype(np.int64), 10_000)
    remaining = original_term - elapsed
    principal_minor = principal_minor * remaining // original_term + 100
    dpd = np.where(rng.random(loans) < 0.04, rng.integers(1, 120, size=loans), 0)
    status = np.where(dpd >= 90, "defaulted", np.where(dpd > 0, "delinquent", "current"))
    borrower = rng.integers(0, max(loans * 9 // 10, 1), size=loans)
    origination = [
        cut_off - timedelta(days=int(30 * e + d))
        for e, d in zip(elapsed, rng.integers(1, 28, size=loans), strict=True)
    ]
    rate = np.array(GRADE_RATE)[grade] + rng.integers(-100, 101, size=loans) / 10_000
    pd = np.array(GRADE_PD)[grade] * np.exp(rng.normal(0, 0.25, size=loans))
    return {
        "loan_id": [f"L{i:08d}" for i in range(loans)],
        "borrower_id": [f"B{b:08d}" for b in borrower],
        "currency": [currency] * loans,
        "outstanding_principal_minor": [str(p) for p in principal_minor],
        "annual_rate": [f"{r:.4f}" for r in rate],
        "remaining_term_months": [str(t) for t in remaining],
        "days_past_due": [str(d) for d in dpd],
        "status": status.tolist(),
        "risk_grade": [GRADES[g] for g in grade],
        "payment_frequency": ["monthly"] * loans,
        "amortisation": np.where(rng.random(loans) < 0.8, "level", "even_principal").tolist(),
        "origination_date": [d.isoformat() for d in origination],
        "pd_annual": [f"{min(p, 0.99):.4f}" for p in pd],
    }
