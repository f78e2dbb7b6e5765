"""Why a plan was recommended: machine-readable reason codes with their facts, and the same in plain words.

Each reason is a code and the facts it cites (text, so a record stores and replays it as-is); the
sentences in Chinese and English are rendered from them, so the words can never say something the
codes do not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from creditline.lending.plans.affordability import Affordability, AffordabilityPolicy, BorrowerFinances
from creditline.money import Money

METHOD_WORDS = {
    "equal-installment": ("equal-installment", "等额本息"),
    "equal-principal": ("equal-principal", "等额本金"),
    "interest-only": ("interest-only", "先息后本"),
    "bullet": ("bullet (all at maturity)", "到期还本付息"),
}

TEMPLATES: dict[str, tuple[str, str]] = {
    "cheapest_affordable": (
        "The {term}-month {method} plan costs {cost} in total, the least of the plans you can afford; its "
        "largest installment, {installment}, is {share_pct}% of your income after existing repayments "
        "(at most {share_max_pct}%).",
        "{term}个月{method}方案总成本{cost}，是您可负担的方案中最低的；最高一期还款{installment}，"
        "占扣除现有还款后收入的{share_pct}%（上限{share_max_pct}%）。",
    ),
    "cheaper_strained": (
        "The cheaper {term}-month {method} plan ({cost}) does not fit your budget.",
        "更便宜的{term}个月{method}方案（总成本{cost}）超出了您的预算。",
    ),
    "nothing_affordable": (
        "None of the plans fits your budget, not even the {term}-month {method} plan, whose installments are "
        "the smallest.",
        "没有适合您预算的方案，即使是每期还款最少的{term}个月{method}方案也不行。",
    ),
    "share_above_max": (
        "Its largest installment, {installment}, would be {share_pct}% of your income after existing repayments "
        "(at most {share_max_pct}%).",
        "其最高一期还款{installment}将占扣除现有还款后收入的{share_pct}%（上限{share_max_pct}%）。",
    ),
    "debt_service_above_max": (
        "Together with your existing repayments of {obligations} a month, {installment} would take {ratio_pct}% "
        "of your income (at most {ratio_max_pct}%).",
        "加上您每月现有还款{obligations}，{installment}将占您收入的{ratio_pct}%（上限{ratio_max_pct}%）。",
    ),
    "no_free_income": (
        "Your existing repayments of {obligations} a month take all of your income of {income}.",
        "您每月现有还款{obligations}已占满您的月收入{income}。",
    ),
    "smaller_amount_fits": (
        "An amount of up to {amount} would fit with the {term}-month {method} plan.",
        "若借款金额不超过{amount}，{term}个月{method}方案可以负担。",
    ),
    "late_in_pay_cycle": (
        "Installments fall due {days} days after your payday, when last month's pay is mostly spent, so a "
        "stricter {share_max_pct}% applies.",
        "还款日在发薪日后{days}天，上月工资多已花费，因此适用更严格的{share_max_pct}%上限。",
    ),
    "due_day_after_payday": (
        "A due day on the {day} of the month, just after your payday, would be easier to meet.",
        "若把还款日设在每月{day}日（发薪日后不久），还款会更从容。",
    ),
    "payday_unknown": (
        "We do not know your payday, so the timing of your installments was not taken into account.",
        "我们不知道您的发薪日，因此未考虑还款时间与收入到账的先后。",
    ),
    "restructure_fits": (
        "Spreading what you owe over {installments} installments makes the largest {installment}, "
        "{share_pct}% of your income after existing repayments (at most {share_max_pct}%), at {cost} of new interest.",
        "将欠款分为{installments}期偿还，最高一期{installment}，占扣除现有还款后收入的{share_pct}%"
        "（上限{share_max_pct}%），新增利息{cost}。",
    ),
    "restructure_unaffordable": (
        "Even spread over {installments} installments, what you owe does not fit your budget; other relief is needed.",
        "即使分为{installments}期偿还，欠款仍超出您的预算，需要其他纾困措施。",
    ),
}


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    facts: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        assert self.code in TEMPLATES, f"no words for reason {self.code}"

    def words(self, language: str) -> str:
        english, chinese = TEMPLATES[self.code]
        template = chinese if language == "zh" else english
        facts = dict(self.facts)
        if "method" in facts:
            facts["method"] = METHOD_WORDS[facts["method"]][1 if language == "zh" else 0]
        return template.format(**facts)

    def to_json(self) -> dict[str, object]:
        return {"code": self.code, "facts": dict(self.facts)}


@dataclass(frozen=True, slots=True)
class Rationale:
    reasons: tuple[Reason, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(reason.code for reason in self.reasons)

    def text(self, language: str) -> str:
        joiner = "" if language == "zh" else " "
        return joiner.join(reason.words(language) for reason in self.reasons)

    def to_json(self) -> dict[str, object]:
        return {
            "codes": list(self.codes),
            "reasons": [reason.to_json() for reason in self.reasons],
            "en": self.text("en"),
            "zh": self.text("zh"),
        }


def strain_reasons(
    installment: Money, fit: Affordability, finances: BorrowerFinances, policy: AffordabilityPolicy
) -> list[Reason]:
    """The reasons an installment strains the borrower, each with the figures behind it."""
    reasons = []
    if "share_above_max" in fit.reasons:
        facts = {
            "installment": money_text(installment),
            "share_pct": share_pct(fit.installment_share),
            "share_max_pct": decimal_pct(fit.share_max),
        }
        reasons.append(Reason("share_above_max", facts))
    if "debt_service_above_max" in fit.reasons:
        facts = {
            "obligations": money_text(finances.obligations_monthly),
            "installment": money_text(installment),
            "ratio_pct": share_pct(fit.debt_service_ratio),
            "ratio_max_pct": decimal_pct(policy.debt_service_ratio_max),
        }
        reasons.append(Reason("debt_service_above_max", facts))
    return reasons


def money_text(amount: Money) -> str:
    return f"{amount.amount_str()} {amount.currency.code}"


def share_pct(share: Fraction | None) -> str:
    """An exact share as a percentage to one place ("27.3"); "—" when there is no share to show."""
    if share is None:
        return "—"
    value = Decimal(share.numerator) * 100 / Decimal(share.denominator)
    return format(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP), "f")


def decimal_pct(value: Decimal) -> str:
    return format((value * 100).normalize(), "f")
