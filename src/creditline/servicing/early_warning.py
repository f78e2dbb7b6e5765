"""Early warning: loan-level signals and the thresholds (versioned data) they are measured against.

Loan-level signals, each a pure test over facts the caller gathers:
- first payment default: the loan's first installment is still unpaid this many days after it fell due;
- utilisation spike: the borrower drew a large share of the limit within a few days and now uses
  nearly all of it;
- failed debits: auto-debits that collected nothing, this many within a window;
- fraud signal: a new signal from fraud or transaction monitoring about the borrower.
Portfolio-level signals are in `early_warning_portfolio`. An alert is raised once per condition and
subject: while one is open or acknowledged, the same condition does not raise another.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from creditline.errors import DomainError
from creditline.portfolio.delinquency import BUCKET_NAMES
from creditline.risk.limits.ratio import parse_ratio

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser when libyaml is there


class ThresholdsInvalid(DomainError):
    code = "early_warning_thresholds_invalid"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Kind(StrEnum):
    FIRST_PAYMENT_DEFAULT = "first_payment_default"
    UTILISATION_SPIKE = "utilisation_spike"
    FAILED_DEBITS = "failed_debits"
    FRAUD_SIGNAL = "fraud_signal"
    ROLL_RATE = "roll_rate"
    VINTAGE_LOSS = "vintage_loss"
    CONCENTRATION = "concentration"


LOAN_KINDS = frozenset({Kind.FIRST_PAYMENT_DEFAULT, Kind.UTILISATION_SPIKE, Kind.FAILED_DEBITS, Kind.FRAUD_SIGNAL})


def _share(text: str) -> str:
    value = parse_ratio(text)
    if not 0 < value <= 1:
        raise ValueError("a share is above 0 and at most 1")
    return text


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FirstPaymentDefault(Strict):
    days_past_due: int = Field(ge=1, le=180)
    severity: Severity


class UtilisationSpike(Strict):
    window_days: int = Field(ge=1, le=90)
    drawn_share_min: str  # drawn within the window, over the limit
    utilisation_pct_min: int = Field(ge=1, le=100)  # outstanding over the limit afterwards
    severity: Severity

    @field_validator("drawn_share_min")
    @classmethod
    def _drawn(cls, text: str) -> str:
        return _share(text)


class FailedDebits(Strict):
    window_days: int = Field(ge=1, le=365)
    count_min: int = Field(ge=1, le=100)
    severity: Severity


class FraudSignal(Strict):
    severity: Severity


class LoanThresholds(Strict):
    first_payment_default: FirstPaymentDefault
    utilisation_spike: UtilisationSpike
    failed_debits: FailedDebits
    fraud_signal: FraudSignal


class RollRateLimit(Strict):
    expected: str  # the monthly roll rate of balance out of the bucket into a worse one
    tolerance: str  # alert when the rate exceeds expected × (1 + tolerance)

    @field_validator("expected", "tolerance")
    @classmethod
    def _ratio(cls, text: str) -> str:
        parse_ratio(text)
        return text


class VintageLoss(Strict):
    expected_by_mob: dict[int, str]  # months on book -> expected ever-90 rate (of disbursed principal)
    tolerance: str
    loans_min: int = Field(ge=1)  # smaller vintages are noise

    @field_validator("expected_by_mob")
    @classmethod
    def _expected(cls, rates: dict[int, str]) -> dict[int, str]:
        for mob, rate in rates.items():
            if not 1 <= mob <= 120:
                raise ValueError(f"months on book {mob} is outside 1-120")
            _share(rate)
        return rates

    @field_validator("tolerance")
    @classmethod
    def _tolerance(cls, text: str) -> str:
        parse_ratio(text)
        return text


class Concentration(Strict):
    max_share: dict[str, str | None]  # dimension (product, region, partner) -> largest share allowed
    groups_min: int = Field(ge=2)  # a book with fewer groups than this is a business model, not a finding

    @field_validator("max_share")
    @classmethod
    def _shares(cls, shares: dict[str, str | None]) -> dict[str, str | None]:
        for value in shares.values():
            if value is not None:
                _share(value)
        return shares


class PortfolioThresholds(Strict):
    severity: Severity
    roll_rates: dict[str, RollRateLimit]
    roll_rate_loans_min: int = Field(ge=1)  # a bucket holding fewer loans at the month's start is noise
    vintage_loss: VintageLoss
    concentration: Concentration

    @field_validator("roll_rates")
    @classmethod
    def _buckets(cls, rates: dict[str, RollRateLimit]) -> dict[str, RollRateLimit]:
        unknown = sorted(set(rates) - set(BUCKET_NAMES[:-1]))
        if unknown:
            raise ValueError(f"roll rates are for buckets M0-M6, not {unknown}")
        return rates


class Thresholds(Strict):
    name: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    version: str = Field(min_length=1, max_length=40)
    loan: LoanThresholds
    portfolio: PortfolioThresholds

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def digest(self) -> str:
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Alert:
    kind: Kind
    subject: str  # what it is about: a loan id, a bucket, a vintage, a dimension value
    severity: Severity
    raised_on: date
    message: str
    borrower_id: str | None = None
    loan_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def scope(self) -> str:
        return "loan" if self.kind in LOAN_KINDS else "portfolio"


def first_payment_default(loan_id: str, borrower_id: str, first_unpaid: bool, days_past_due: int, on: date,
                          t: FirstPaymentDefault) -> Alert | None:  # fmt: skip
    if not first_unpaid or days_past_due < t.days_past_due:
        return None
    return Alert(Kind.FIRST_PAYMENT_DEFAULT, loan_id, t.severity, on,
                 f"first installment unpaid {days_past_due} days after it fell due",
                 borrower_id, loan_id, {"days_past_due": days_past_due})  # fmt: skip


def utilisation_spike(line_id: str, borrower_id: str, drawn_minor: int, outstanding_minor: int, limit_minor: int,
                      on: date, t: UtilisationSpike) -> Alert | None:  # fmt: skip
    if limit_minor <= 0:
        return None
    share = parse_ratio(t.drawn_share_min)
    drew_much = drawn_minor * share.denominator >= limit_minor * share.numerator
    nearly_full = outstanding_minor * 100 >= limit_minor * t.utilisation_pct_min
    if not (drew_much and nearly_full):
        return None
    used_pct = outstanding_minor * 100 // limit_minor
    return Alert(Kind.UTILISATION_SPIKE, line_id, t.severity, on,
                 f"drew {drawn_minor * 100 // limit_minor}% of the limit in {t.window_days} days; {used_pct}% now used",
                 borrower_id, None, {"drawn_minor": drawn_minor, "outstanding_minor": outstanding_minor,
                                     "limit_minor": limit_minor})  # fmt: skip


def failed_debits(loan_id: str, borrower_id: str, count: int, on: date, t: FailedDebits) -> Alert | None:
    if count < t.count_min:
        return None
    return Alert(Kind.FAILED_DEBITS, loan_id, t.severity, on,
                 f"{count} failed auto-debits in {t.window_days} days", borrower_id, loan_id,
                 {"failed_debits": count})  # fmt: skip


def fraud_signal(signal_id: str, borrower_id: str, kind: str, detail: str, on: date, t: FraudSignal) -> Alert:
    return Alert(Kind.FRAUD_SIGNAL, f"signal:{signal_id}", t.severity, on, f"fraud signal {kind}: {detail}"[:300],
                 borrower_id, None, {"signal_kind": kind})  # fmt: skip


def parse_thresholds(text: str, *, source: str = "thresholds") -> Thresholds:
    try:
        return Thresholds.model_validate(yaml.load(text, Loader=SAFE_LOADER))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join([source, *(str(part) for part in first["loc"])])
        raise ThresholdsInvalid(first["msg"].removeprefix("Value error, "), field=where) from None
    except (yaml.YAMLError, ValueError) as exc:  # an impossible date (2025-02-30) is a ValueError
        raise ThresholdsInvalid(" ".join(str(exc).split())[:300], field=source) from None


@cache  # shipped files never change while the process runs; parsing YAML costs ~50 ms
def builtin_thresholds(name: str = "early_warning_cn") -> Thresholds:
    resource = resources.files("creditline.servicing") / "early_warning_thresholds" / f"{name}.yaml"
    if not name.replace("_", "").isalnum() or not resource.is_file():
        raise ThresholdsInvalid(f"no early-warning thresholds named {name!r}", field="thresholds")
    return parse_thresholds(resource.read_text(encoding="utf-8"), source=f"{name}.yaml")
