"""Pool stratification: the summary an investor reads first (size, weighted averages, grade mix).

Weighted averages are by outstanding principal and are analytics (floats); amounts stay minor units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from creditline.funding.tape import LoanTape


@dataclass(frozen=True, slots=True)
class Stratum:
    label: str
    loans: int
    principal_minor: int
    share: float
    wa_annual_rate: float
    wa_remaining_term_months: float
    wa_pd_annual: float | None  # over the loans whose PD is known


@dataclass(frozen=True, slots=True)
class PoolProfile:
    total: Stratum
    by_grade: tuple[Stratum, ...]
    borrowers: int
    largest_borrower_share: float
    average_principal_minor: int


def pool_profile(tape: LoanTape) -> PoolProfile:
    total_minor = tape.total_principal_minor()
    grades = sorted(set(tape.risk_grade.tolist()))
    by_grade = tuple(_stratum(tape, tape.risk_grade == g, g, total_minor) for g in grades)
    borrowers, inverse = np.unique(tape.borrower_id.astype(str), return_inverse=True)
    per_borrower = np.bincount(inverse, weights=tape.outstanding_principal_minor.astype(np.float64))
    return PoolProfile(
        total=_stratum(tape, np.ones(len(tape), dtype=bool), "pool", total_minor),
        by_grade=by_grade,
        borrowers=int(borrowers.size),
        largest_borrower_share=float(per_borrower.max() / total_minor) if total_minor else 0.0,
        average_principal_minor=total_minor // max(len(tape), 1),
    )


def _stratum(tape: LoanTape, mask: np.ndarray, label: str, total_minor: int) -> Stratum:
    principal = tape.outstanding_principal_minor[mask]
    weights = principal.astype(np.float64)
    weight = weights.sum()
    pds = tape.pd_annual[mask]
    known = ~np.isnan(pds)
    known_weight = weights[known].sum()
    return Stratum(
        label=label,
        loans=int(mask.sum()),
        principal_minor=int(principal.sum()),
        share=float(principal.sum() / total_minor) if total_minor else 0.0,
        wa_annual_rate=float((tape.annual_rate[mask] * weights).sum() / weight) if weight else 0.0,
        wa_remaining_term_months=float((tape.remaining_term_months[mask] * weights).sum() / weight)
        if weight
        else 0.0,
        wa_pd_annual=float((pds[known] * weights[known]).sum() / known_weight) if known_weight else None,
    )
