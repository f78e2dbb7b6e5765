"""Pool selection: eligibility criteria and concentration limits applied to a loan tape.

Pure functions: they take a tape and criteria and return the selected loans with an eligibility
waterfall (how many loans and how much principal each rule excluded), so that the app layer can post
the transfer to the trust and an analyst can see why the pool is the size it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from creditline.funding.errors import EmptyPool, FundingError
from creditline.funding.spec import MajorAmount, Ratio, parse_spec
from creditline.funding.tape import LoanStatus, LoanTape
from creditline.money import Money

CONCENTRATION_ROUNDS_MAX = 200  # each round drops at least one loan; real tapes settle in a handful


class EligibilityCriteria(BaseModel):
    """What a loan must be to enter the pool. Ratios are fractions ("0.5%" text is accepted)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    statuses: tuple[LoanStatus, ...] = (LoanStatus.CURRENT,)
    max_days_past_due: int = Field(0, ge=0)
    min_remaining_term_months: int = Field(1, ge=0)
    max_remaining_term_months: int | None = Field(None, ge=0)
    grades: tuple[str, ...] | None = None
    min_annual_rate: Ratio | None = None
    max_annual_rate: Ratio | None = None
    max_loan_principal: MajorAmount | None = None
    min_seasoning_months: int = Field(0, ge=0)
    max_borrower_share: Ratio | None = None
    max_grade_share: dict[str, Ratio] = Field(default_factory=dict)
    target_balance: MajorAmount | None = None


@dataclass(frozen=True, slots=True)
class Exclusion:
    rule: str  # the criterion's field name
    loans: int
    principal_minor: int


@dataclass(frozen=True, slots=True)
class PoolSelection:
    tape: LoanTape  # the selected loans, in tape order
    rows: np.ndarray  # their row numbers in the source tape
    currency: str
    cut_off_date: date
    source_loans: int
    source_principal_minor: int
    exclusions: tuple[Exclusion, ...]

    @property
    def principal_minor(self) -> int:
        return self.tape.total_principal_minor()


def eligibility_criteria(data: object) -> EligibilityCriteria:
    return parse_spec(EligibilityCriteria, data, prefix="eligibility")  # type: ignore[arg-type]


def select_pool(
    tape: LoanTape, criteria: EligibilityCriteria, currency: str, cut_off_date: date
) -> PoolSelection:
    """Apply the criteria in a fixed order; raise `EmptyPool` naming the rule that removed the last loan."""
    principal = tape.outstanding_principal_minor
    keep = np.ones(len(tape), dtype=bool)
    exclusions: list[Exclusion] = []
    for rule, passes in _rule_masks(tape, criteria, currency, cut_off_date):
        dropped = keep & ~passes
        exclusions.append(Exclusion(rule, int(dropped.sum()), int(principal[dropped].sum())))
        keep &= passes
        if not keep.any():
            raise EmptyPool(_empty_message(len(tape), exclusions), field=rule)
    keep, limit_exclusions = _apply_limits(tape, keep, criteria, currency)
    exclusions.extend(limit_exclusions)
    if not keep.any():
        last_rule = next(e.rule for e in reversed(exclusions) if e.loans)
        raise EmptyPool(_empty_message(len(tape), exclusions), field=last_rule)
    rows = np.flatnonzero(keep)
    return PoolSelection(
        tape=tape.take(rows),
        rows=rows,
        currency=currency,
        cut_off_date=cut_off_date,
        source_loans=len(tape),
        source_principal_minor=tape.total_principal_minor(),
        exclusions=tuple(exclusions),
    )


def _empty_message(source_loans: int, exclusions: list[Exclusion]) -> str:
    last = next(e for e in reversed(exclusions) if e.loans)
    return (
        f"no loan of the {source_loans} in the tape meets the eligibility criteria "
        f"(the last {last.loans} were excluded by this rule)"
    )


def _rule_masks(tape: LoanTape, criteria: EligibilityCriteria, currency: str, cut_off: date):
    """(rule, passes) pairs in the order an analyst reads an eligibility waterfall."""
    yield "currency", tape.currency == currency
    yield "statuses", np.isin(tape.status, [s.value for s in criteria.statuses])
    yield "max_days_past_due", tape.days_past_due <= criteria.max_days_past_due
    yield "outstanding_principal", tape.outstanding_principal_minor > 0
    term = tape.remaining_term_months
    yield "min_remaining_term_months", term >= max(criteria.min_remaining_term_months, 1)
    if criteria.max_remaining_term_months is not None:
        yield "max_remaining_term_months", term <= criteria.max_remaining_term_months
    if criteria.grades is not None:
        yield "grades", np.isin(tape.risk_grade, list(criteria.grades))
    if criteria.min_annual_rate is not None:
        yield "min_annual_rate", tape.annual_rate >= float(criteria.min_annual_rate)
    if criteria.max_annual_rate is not None:
        yield "max_annual_rate", tape.annual_rate <= float(criteria.max_annual_rate)
    if criteria.max_loan_principal is not None:
        cap = Money.from_decimal(
            criteria.max_loan_principal, currency, rounding=None, field="max_loan_principal"
        )
        yield "max_loan_principal", tape.outstanding_principal_minor <= cap.minor
    if criteria.min_seasoning_months:
        yield (
            "min_seasoning_months",
            seasoning_months(tape.origination_date, cut_off) >= criteria.min_seasoning_months,
        )


def seasoning_months(origination: np.ndarray, cut_off: date) -> np.ndarray:
    """Whole months from origination to the cut-off date; -1 where the origination date is unknown."""
    cut = np.datetime64(cut_off, "D")
    months = (cut.astype("datetime64[M]") - origination.astype("datetime64[M]")).astype(np.int64)
    day_of_cut = (cut - cut.astype("datetime64[M]")).astype(np.int64)
    day_of_origination = (origination - origination.astype("datetime64[M]")).astype(np.int64)
    months = months - (day_of_cut < day_of_origination)
    return np.where(np.isnat(origination), -1, months)


def _apply_limits(
    tape: LoanTape, keep: np.ndarray, criteria: EligibilityCriteria, currency: str
) -> tuple[np.ndarray, list[Exclusion]]:
    """Concentration limits and the target size, repeated until they all hold at once.

    Dropping loans shrinks the pool, which tightens every share limit, so the rules run in rounds
    until a round drops nothing. Within a borrower or grade the loans kept are the earliest in tape
    order, which makes the selection deterministic.
    """
    principal = tape.outstanding_principal_minor
    dropped_by: dict[str, np.ndarray] = {}
    target_minor = None
    if criteria.target_balance is not None:
        target_minor = Money.from_decimal(
            criteria.target_balance, currency, rounding=None, field="target_balance"
        ).minor
    for _ in range(CONCENTRATION_ROUNDS_MAX):
        before = keep.copy()
        if criteria.max_borrower_share is not None:
            capped = _cap_groups(tape.borrower_id, principal, keep, keep, criteria.max_borrower_share)
            keep = _record(dropped_by, "max_borrower_share", keep, capped)
        for grade, share in criteria.max_grade_share.items():
            in_grade = tape.risk_grade == grade
            capped = _cap_groups(tape.risk_grade, principal, keep & in_grade, keep, share)
            keep = _record(dropped_by, "max_grade_share", keep, capped)
        if target_minor is not None:
            keep = _record(dropped_by, "target_balance", keep, _within_target(principal, keep, target_minor))
        if np.array_equal(before, keep):
            break
    else:
        raise FundingError("the concentration limits did not settle; loosen them", field="max_borrower_share")
    exclusions = [
        Exclusion(rule, int(mask.sum()), int(principal[mask].sum())) for rule, mask in dropped_by.items()
    ]
    return keep, exclusions


def _record(dropped_by: dict[str, np.ndarray], rule: str, keep: np.ndarray, passes: np.ndarray) -> np.ndarray:
    dropped = keep & ~passes
    dropped_by[rule] = dropped_by.get(rule, np.zeros_like(keep)) | dropped
    return keep & passes


def _cap_groups(
    groups: np.ndarray, principal: np.ndarray, members: np.ndarray, keep: np.ndarray, share: object
) -> np.ndarray:
    """Which `members` fit under `share` of the kept pool per group, earliest first within each group."""
    passes = np.ones(keep.shape[0], dtype=bool)
    rows = np.flatnonzero(members)
    if rows.size == 0:
        return passes
    total = int(principal[keep].sum())
    ratio = Fraction(share)  # exact: the cap is floor(share x total) in minor units
    cap = (total * ratio.numerator) // ratio.denominator
    _, codes = np.unique(groups[rows].astype(str), return_inverse=True)
    order = np.lexsort((rows, codes))
    sorted_codes = codes[order]
    amounts = principal[rows][order]
    running = np.cumsum(amounts)
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    group_offset = np.repeat(running[starts] - amounts[starts], np.diff(np.r_[starts, order.size]))
    within = running - group_offset
    passes[rows[order][within > cap]] = False
    return passes


def _within_target(principal: np.ndarray, keep: np.ndarray, target_minor: int) -> np.ndarray:
    passes = np.ones(keep.shape[0], dtype=bool)
    rows = np.flatnonzero(keep)
    running = np.cumsum(principal[rows])
    passes[rows[running > target_minor]] = False
    return passes
