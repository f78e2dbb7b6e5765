"""The periodic limit review: raise for steady on-time payers, lower or freeze on warning signs.

`review_line(facts, policy, limits)` decides one line, in this order of precedence:
1. freeze — a severe signal (an open early-warning alert of a freezing kind, a loan this far past due, or a
   loan written off);
2. lower — a low behaviour score or an open alert of a lowering kind: the limit is cut by a share,
   rounded down to the limit policy's step, never below its minimum (below that, the line is frozen);
3. raise — every condition of a steady payer holds (score, tenure, installments due and all on time,
   no lateness beyond grace in 12 months, real use of the line, time since the last raise): the limit
   grows by a share, at most a step, rounded down, and never above the policy's ceiling or the
   jurisdiction's caps (`risk.limits`: one person's online micro-loan balance, and a share of annual
   income — a raise needs the income to check that cap against);
4. keep — with the reasons a raise was not given.
Thresholds are versioned data (YAML); every decision carries its reasons as codes and plain text.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from fractions import Fraction
from functools import cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from creditline.errors import DomainError
from creditline.lending.credit_line import LineStatus
from creditline.money import Money
from creditline.risk.limits import LimitPolicy
from creditline.risk.limits.ratio import floor_times, parse_ratio
from creditline.servicing.behaviour import BehaviourScore, percent_floor
from creditline.servicing.behaviour_history import PaymentRecord
from creditline.servicing.early_warning import LOAN_KINDS

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser when libyaml is there


class LimitReviewPolicyInvalid(DomainError):
    code = "limit_review_policy_invalid"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RaiseRules(Strict):
    score_min: int = Field(ge=0, le=1000)
    tenure_months_min: int = Field(ge=0)
    installments_due_min: int = Field(ge=0)
    on_time_pct_min: int = Field(ge=0, le=100)
    days_past_due_max_12m_max: int = Field(ge=0)
    utilisation_pct_min: int = Field(ge=0, le=100)
    days_since_last_raise_min: int = Field(ge=0)
    step_share: str
    step_max_major: int = Field(gt=0)
    limit_max_major: int = Field(gt=0)

    @field_validator("step_share")
    @classmethod
    def _share(cls, text: str) -> str:
        if not 0 < parse_ratio(text) <= 1:
            raise ValueError("a step is a share above 0 and at most 1")
        return text


def _alert_kinds(kinds: tuple[str, ...]) -> tuple[str, ...]:
    """Kinds of the alerts raised about a loan, line or borrower: a misspelt one would never match."""
    for kind in kinds:
        if kind not in LOAN_KINDS:
            raise ValueError(f"{kind!r} is not an alert kind about a borrower ({', '.join(sorted(LOAN_KINDS))})")
    return kinds


class LowerRules(Strict):
    score_below: int = Field(ge=0, le=1000)
    step_share: str
    signals: tuple[str, ...]  # open early-warning alert kinds that lower the limit

    @field_validator("step_share")
    @classmethod
    def _share(cls, text: str) -> str:
        if not 0 < parse_ratio(text) < 1:
            raise ValueError("a cut is a share above 0 and below 1")
        return text

    _signals = field_validator("signals")(_alert_kinds)


class FreezeRules(Strict):
    days_past_due_min: int = Field(ge=1)
    signals: tuple[str, ...]  # open early-warning alert kinds that freeze the line

    _signals = field_validator("signals")(_alert_kinds)


class LimitReviewPolicy(Strict):
    name: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    version: str = Field(min_length=1, max_length=40)
    limit_policy: str  # the risk.limits policy whose rounding, minimum and jurisdiction caps apply
    review_every_days: int = Field(ge=1, le=366)
    first_review_after_days: int = Field(ge=0, le=3660)
    lines_per_run_max: int = Field(ge=1, le=10_000_000)
    raise_rules: RaiseRules = Field(alias="raise")
    lower: LowerRules
    freeze: FreezeRules

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def digest(self) -> str:
        canonical = json.dumps(self.model_dump(mode="json", by_alias=True), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


class Action(StrEnum):
    KEEP = "keep"
    RAISE = "raise"
    LOWER = "lower"
    FREEZE = "freeze"


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    text: str


@dataclass(frozen=True, slots=True)
class LineFacts:
    line_id: str
    borrower_id: str
    status: LineStatus
    limit: Money
    outstanding: Money
    tenure_months: int
    record: PaymentRecord
    days_past_due_now: int
    score: BehaviourScore
    open_signals: frozenset[str]  # kinds of the borrower's open early-warning alerts
    days_since_last_raise: int | None  # None: never raised
    income_annual_minor: int | None  # None: unknown (no raise: the income cap cannot be checked)
    other_lenders_balance_minor: int  # online micro-loan balance elsewhere, as last known
    loans_written_off: int = 0  # loans on the line written off (their days past due stop at the write-off)
    days_past_due_elsewhere: int = 0  # the most a loan on another of the borrower's lines is past due
    last_cut_on: date | None = None  # the day a review last cut the limit (None: never)
    newest_alert_on: date | None = None  # the day of the borrower's newest early-warning alert, any status
    usage_limit_minor: int | None = None  # what utilisation is measured against (`usage_limit`); None: the limit

    @property
    def utilisation_pct(self) -> int:
        base_minor = self.limit.minor if self.usage_limit_minor is None else self.usage_limit_minor
        return percent_floor(self.outstanding.minor, base_minor) if base_minor > 0 else 100

    @property
    def on_time_pct(self) -> int | None:
        if self.record.installments_due == 0:
            return None
        return percent_floor(self.record.installments_on_time, self.record.installments_due)


def usage_limit(limit_minor: int, cuts: Sequence[tuple[date, int]], last_draw_on: date | None,
                last_raise_on: date | None) -> int:  # fmt: skip
    """The limit a line's utilisation is measured against: the highest it had before the reviews that cut it
    after the borrower last drew (and after its last raise), else the limit itself (`cuts`: day, limit before).

    A cut does not change what is drawn, so it alone raised utilisation (to 100% and more below the drawn
    balance), which lowered the score and cut the line again at the next review. The borrower cannot draw
    again above the cut limit; once they draw, what they use of the new limit is their own choice."""
    since = max((day for day in (last_draw_on, last_raise_on) if day is not None), default=None)
    return max([limit_minor, *(before for day, before in cuts if since is None or day > since)])


@dataclass(frozen=True, slots=True)
class LimitDecision:
    line_id: str
    action: Action
    old_limit: Money
    new_limit: Money
    reasons: tuple[Reason, ...]
    binding: str | None  # for a raise: which ceiling set the new limit
    score: int
    policy: str

    def change_reason(self) -> str:
        """The text stored with the LineChange (at most 400 characters)."""
        head = f"limit review {self.policy}: {self.action.value} (score {self.score})"
        text = "; ".join([head, *(r.text for r in self.reasons)])
        return text if len(text) <= 400 else text[:397] + "..."

    def to_json(self) -> dict[str, object]:
        return {
            "line_id": self.line_id,
            "action": self.action.value,
            "old_limit": self.old_limit.amount_str(),
            "new_limit": self.new_limit.amount_str(),
            "currency": self.old_limit.currency.code,
            "reasons": [{"code": r.code, "text": r.text} for r in self.reasons],
            "binding": self.binding,
            "score": self.score,
            "policy": self.policy,
        }


def review_line(facts: LineFacts, policy: LimitReviewPolicy, limits: LimitPolicy) -> LimitDecision:
    assert facts.limit.currency.code == limits.currency, "the limit policy is in the line's currency"
    if facts.status is LineStatus.CLOSED:
        return _decision(facts, policy, Action.KEEP, facts.limit, (Reason("line_closed", "the line is closed"),))
    freezing = _freeze_reasons(facts, policy)
    if freezing:
        action = Action.FREEZE if facts.status is LineStatus.ACTIVE else Action.KEEP
        return _decision(facts, policy, action, facts.limit, freezing)
    lowering = _lower_reasons(facts, policy)
    if lowering and facts.status is LineStatus.FROZEN and not _news_since_last_cut(facts):
        stale = Reason("frozen_no_news", f"a frozen line is not cut again without an early-warning alert after "
                                         f"its last cut on {facts.last_cut_on}")  # fmt: skip
        return _decision(facts, policy, Action.KEEP, facts.limit, (*lowering, stale))
    if lowering:
        return _lowered(facts, policy, limits, lowering)
    missing = _raise_gaps(facts, policy.raise_rules)
    if facts.status is not LineStatus.ACTIVE:
        missing = (Reason("line_frozen", "a frozen line is not raised; unfreezing is an operator's decision"), *missing)
    if missing:
        return _decision(facts, policy, Action.KEEP, facts.limit, missing)
    return _raised(facts, policy, limits)


def _freeze_reasons(facts: LineFacts, policy: LimitReviewPolicy) -> tuple[Reason, ...]:
    reasons = [Reason(f"signal_{k}", f"early warning: {k.replace('_', ' ')}")
               for k in sorted(facts.open_signals & set(policy.freeze.signals))]  # fmt: skip
    if facts.days_past_due_now >= policy.freeze.days_past_due_min:
        reasons.append(Reason("days_past_due", f"a loan is {facts.days_past_due_now} days past due"))
    if facts.loans_written_off:  # the line lends no more (app.arrears): the freeze records it
        count = facts.loans_written_off
        reasons.append(Reason("written_off", f"{count} loan{'s' if count > 1 else ''} on the line "
                                             f"{'were' if count > 1 else 'was'} written off unpaid"))  # fmt: skip
    return tuple(reasons)


def _news_since_last_cut(facts: LineFacts) -> bool:
    """A frozen line cannot be drawn: cutting it again on the same facts only shrinks it to nothing. Adverse
    information reaches the review as early-warning alerts, so news is an alert raised after the day of the cut."""
    if facts.last_cut_on is None:
        return True
    return facts.newest_alert_on is not None and facts.newest_alert_on > facts.last_cut_on


def _lower_reasons(facts: LineFacts, policy: LimitReviewPolicy) -> tuple[Reason, ...]:
    reasons = [Reason(f"signal_{k}", f"early warning: {k.replace('_', ' ')}")
               for k in sorted(facts.open_signals & set(policy.lower.signals))]  # fmt: skip
    if facts.score.score < policy.lower.score_below:
        worst = ", ".join(r.replace("_", " ") for r in facts.score.reasons) or "no single cause"
        reasons.append(Reason("score_low", f"behaviour score {facts.score.score} below {policy.lower.score_below} "
                                           f"(weakest: {worst})"))  # fmt: skip
    return tuple(reasons)


def _lowered(facts: LineFacts, policy: LimitReviewPolicy, limits: LimitPolicy, reasons: tuple[Reason, ...]) -> LimitDecision:
    step_minor = limits.round_to_major * facts.limit.currency.minor_per_major
    kept = floor_times(facts.limit.minor, 1 - parse_ratio(policy.lower.step_share)) // step_minor * step_minor
    floor_minor = limits.limit_min_major * facts.limit.currency.minor_per_major
    if kept < floor_minor:
        if facts.status is not LineStatus.ACTIVE:
            return _decision(facts, policy, Action.KEEP, facts.limit, reasons)
        note = Reason("below_minimum", f"a cut would leave less than the minimum limit of {limits.limit_min_major}")
        return _decision(facts, policy, Action.FREEZE, facts.limit, (*reasons, note))
    if kept >= facts.limit.minor:
        return _decision(facts, policy, Action.KEEP, facts.limit, reasons)
    return _decision(facts, policy, Action.LOWER, Money(kept, facts.limit.currency), reasons)


def _raise_gaps(facts: LineFacts, rules: RaiseRules) -> tuple[Reason, ...]:
    record = facts.record
    on_time = facts.on_time_pct
    checks = (
        (facts.score.score >= rules.score_min, "score", f"score {facts.score.score} below {rules.score_min}"),
        (facts.tenure_months >= rules.tenure_months_min, "tenure",
         f"{facts.tenure_months} months on book, {rules.tenure_months_min} needed"),
        (record.installments_due >= rules.installments_due_min, "history",
         f"{record.installments_due} installments due so far, {rules.installments_due_min} needed"),
        (on_time is not None and on_time >= rules.on_time_pct_min, "on_time",
         f"{record.installments_on_time} of {record.installments_due} installments on time"),
        (record.days_past_due_max <= rules.days_past_due_max_12m_max, "late_12m",
         f"an installment was {record.days_past_due_max} days late in the last 12 months"),
        (facts.days_past_due_now == 0, "late_now", f"a loan is {facts.days_past_due_now} days past due"),
        (facts.days_past_due_elsewhere == 0, "late_elsewhere",
         f"a loan on another of the borrower's lines is {facts.days_past_due_elsewhere} days past due"),
        (facts.utilisation_pct >= rules.utilisation_pct_min, "usage",
         f"{facts.utilisation_pct}% of the limit used, {rules.utilisation_pct_min}% shows a need"),
        (facts.days_since_last_raise is None or facts.days_since_last_raise >= rules.days_since_last_raise_min,
         "recent_raise", f"raised {facts.days_since_last_raise} days ago"),
        (facts.income_annual_minor is not None, "income_unknown",
         "income unknown: the cap on a share of annual income cannot be checked"),
    )  # fmt: skip
    return tuple(Reason(f"not_{code}", text) for ok, code, text in checks if not ok)


def _raised(facts: LineFacts, policy: LimitReviewPolicy, limits: LimitPolicy) -> LimitDecision:
    rules = policy.raise_rules
    per_major = facts.limit.currency.minor_per_major
    step = min(floor_times(facts.limit.minor, parse_ratio(rules.step_share)), rules.step_max_major * per_major)
    ceilings = {"step": facts.limit.minor + step, "review_limit_max": rules.limit_max_major * per_major}
    caps = limits.caps
    if caps.balance_max_major is not None:
        ceilings["jurisdiction_balance_cap"] = caps.balance_max_major * per_major - facts.other_lenders_balance_minor
    if caps.annual_income_share_max is not None:
        assert facts.income_annual_minor is not None, "a raise needs the income (checked in _raise_gaps)"
        share = floor_times(facts.income_annual_minor, Fraction(parse_ratio(caps.annual_income_share_max)))
        ceilings["jurisdiction_income_cap"] = share - facts.other_lenders_balance_minor
    binding = min(ceilings, key=lambda name: (ceilings[name], name))
    step_minor = limits.round_to_major * per_major
    new_minor = max(0, ceilings[binding]) // step_minor * step_minor
    on_time = Reason("steady_payer", f"{facts.record.installments_on_time} of {facts.record.installments_due} "
                                     f"installments on time, {facts.tenure_months} months on book")  # fmt: skip
    if new_minor <= facts.limit.minor:
        capped = Reason(f"capped_{binding}", f"no room to raise: {binding.replace('_', ' ')} reached")
        return _decision(facts, policy, Action.KEEP, facts.limit, (on_time, capped), binding)
    new_limit = Money(new_minor, facts.limit.currency)
    grown = Reason("raised", f"limit {facts.limit.amount_str()} to {new_limit.amount_str()} ({binding.replace('_', ' ')})")
    return _decision(facts, policy, Action.RAISE, new_limit, (on_time, grown), binding)


def _decision(facts: LineFacts, policy: LimitReviewPolicy, action: Action, new_limit: Money,
              reasons: tuple[Reason, ...], binding: str | None = None) -> LimitDecision:  # fmt: skip
    return LimitDecision(facts.line_id, action, facts.limit, new_limit, reasons, binding, facts.score.score, policy.label)


def parse_limit_review_policy(text: str, *, source: str = "limit_review_policy") -> LimitReviewPolicy:
    try:
        return LimitReviewPolicy.model_validate(yaml.load(text, Loader=SAFE_LOADER))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join([source, *(str(part) for part in first["loc"])])
        message = first["msg"].removeprefix("Value error, ")
        raise LimitReviewPolicyInvalid(message, field=where) from None
    except (yaml.YAMLError, ValueError) as exc:  # an impossible date (2025-02-30) is a ValueError
        raise LimitReviewPolicyInvalid(" ".join(str(exc).split())[:300], field=source) from None


@cache  # shipped files never change while the process runs; parsing YAML costs ~50 ms
def builtin_limit_review_policy(name: str = "limit_review_cn") -> LimitReviewPolicy:
    resource = resources.files("creditline.servicing") / "limit_review_policies" / f"{name}.yaml"
    if not name.replace("_", "").isalnum() or not resource.is_file():
        raise LimitReviewPolicyInvalid(f"no limit review policy named {name!r}", field="policy")
    return parse_limit_review_policy(resource.read_text(encoding="utf-8"), source=f"{name}.yaml")
