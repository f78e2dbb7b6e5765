"""Request and response bodies of post-loan and borrower servicing: collections work items, alerts,
limit reviews, repayment plans and restructures, coupons and campaigns, monitoring holds, and the
repayment account.

Money is a decimal string in major units with its currency, never a number (docs/api.md).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from creditline.api.params import ID_PATTERN
from creditline.api.schemas_lending import AMOUNT_PATTERN, Amount, CurrencyCode, LoanChanged, ReasonText

_IN = ConfigDict(extra="forbid")
Note = Field(default=None, min_length=1, max_length=400)
OptionalAmount = Field(default=None, pattern=AMOUNT_PATTERN, description="major units as a decimal string")

# -- collections ---------------------------------------------------------------------------------------


class WorkItem(BaseModel):
    item_id: str
    loan_id: str
    borrower_id: str
    queue: str
    stage: str
    priority: int
    overdue: str
    currency: str
    status: str
    assignee: str | None
    opened_on: str
    updated_on: str
    last_outcome: str | None
    escalations: int
    closed_reason: str | None


class WorkItems(BaseModel):
    business_date: str
    items: list[WorkItem]


class Contact(BaseModel):
    contact_id: int | str
    channel: str
    party: str
    purpose: str
    template_id: str | None
    template_version: int | str | None
    local_time: str
    time_zone: str
    outcome: str | None
    operator: str | None
    note: str | None
    item_id: str | None


class Promise(BaseModel):
    promise_id: str
    amount: str
    currency: str
    made_on: str
    due_on: str
    status: str
    paid: str
    settled_on: str | None


class WorkItemDetail(WorkItem):
    contacts: list[Contact]
    promises: list[Promise]


class ContactIn(BaseModel):
    model_config = _IN
    channel: Literal["call", "sms", "in_app"]
    outcome: Literal["no_answer", "reached", "promise", "refused", "hardship", "wrong_number", "callback"]
    at: AwareDatetime = Field(description="when the contact happened, with its UTC offset")
    party: Literal["borrower", "third_party"] = "borrower"
    note: str | None = Note


class ContactRecorded(BaseModel):
    contact_id: int | str
    loan_id: str
    borrower_id: str
    channel: str
    outcome: str
    local_time: str
    time_zone: str
    item: WorkItem | None


class PromiseIn(BaseModel):
    model_config = _IN
    amount: str = Amount
    currency: str | None = CurrencyCode
    due_on: date


class PromiseMade(BaseModel):
    promise_id: str
    loan_id: str
    amount: str
    currency: str
    due_on: str
    status: str
    overdue: str
    owed: str


class FinancesIn(BaseModel):
    """What is known of the borrower's finances; omitted: the origination record's."""

    model_config = _IN
    income_monthly: str | None = OptionalAmount
    obligations_monthly: str | None = OptionalAmount
    payday: int | None = Field(default=None, ge=1, le=31)


class Hardship(BaseModel):
    loan_id: str
    strategy: str
    eligible: bool | None = None
    reasons: list[ReasonText] = Field(default_factory=list)
    proposal: dict[str, Any] | None = None
    applied: dict[str, Any] | None = None
    replayed: bool = False


# -- alerts -------------------------------------------------------------------------------------------------


class Alert(BaseModel):
    alert_id: int
    kind: str
    scope: str
    subject: str
    borrower_id: str | None
    loan_id: str | None
    severity: str
    status: str
    raised_on: str
    message: str
    details: dict[str, Any]
    thresholds: str
    acknowledged_by: str | None
    acknowledged_on: str | None
    resolved_by: str | None
    resolved_on: str | None
    note: str | None


class Alerts(BaseModel):
    business_date: str
    alerts: list[Alert]


class AlertNote(BaseModel):
    model_config = _IN
    note: str | None = Note


# -- limit reviews, plans, restructures ------------------------------------------------------------------


class LimitReview(BaseModel):
    business_date: str
    action: str
    old_limit: str
    new_limit: str
    currency: str
    score: int
    reasons: list[dict[str, Any]]
    policy: str


class LimitReviews(BaseModel):
    line_id: str
    reviews: list[LimitReview]


class PlanRequest(FinancesIn):
    amount: str = Amount
    currency: str | None = CurrencyCode


class PlanOption(BaseModel):
    key: str
    term_months: int
    method: str
    installment_first: str
    installment_max: str
    total_interest: str
    total_fees: str
    total_cost: str
    apr_pct: str
    strained: bool
    model_config = ConfigDict(extra="allow")  # affordability figures: shares, payday timing


class PlanRecommendation(BaseModel):
    recommendation_id: str
    line_id: str
    borrower_id: str
    business_date: str
    amount: str
    currency: str
    daily_rate_pct: str
    policy_version: str
    recommended: str | None = Field(description="the option key of the cheapest plan that does not strain; null if none")
    by_cost: list[str]
    by_affordability: list[str]
    options: list[PlanOption]
    finances: dict[str, Any]
    rationale: dict[str, Any] = Field(description="reason codes with their facts, in English and Chinese")


class RestructureProposal(BaseModel):
    loan_id: str
    business_date: str
    status: str
    days_past_due: int
    currency: str
    principal_outstanding: str
    interest_unpaid: str
    fees_unpaid: str
    penalty_unpaid: str
    policy_version: str
    proposed_installments: int | None
    options: list[dict[str, Any]]
    finances: dict[str, Any]
    rationale: dict[str, Any]


# -- coupons and campaigns -----------------------------------------------------------------------------------


class Coupon(BaseModel):
    coupon_id: str
    campaign_id: str
    borrower_id: str
    kind: str
    name: str
    issued_on: str
    last_day: str
    status: str
    loan_id: str | None
    saving: str
    applied: str


class Coupons(BaseModel):
    borrower_id: str
    business_date: str
    coupons: list[Coupon]


class CouponQuote(BaseModel):
    coupon_id: str
    currency: str
    total_saving: str
    interest_without: str
    interest_with: str
    apr_without_pct: str
    apr_with_pct: str
    installments: list[dict[str, Any]]


class Campaign(BaseModel):
    campaign_id: str
    version: int
    name: str
    kind: str
    currency: str
    discount_pct: str | None
    free_days: int | None
    issue_from: str
    issue_until: str
    budget_cap: str
    committed: str
    spent: str
    budget_used_pct: str = Field(description="committed as a share of the cap, in percent")
    content_hash: str


class Campaigns(BaseModel):
    campaigns: list[Campaign]


class CampaignFile(BaseModel):
    model_config = _IN
    format: Literal["toml", "yaml"]
    source: str = Field(min_length=1, max_length=16_000, description="the campaign file's text (docs/promotions.md)")


class BorrowerRef(BaseModel):
    model_config = _IN
    borrower_id: str = Field(pattern=ID_PATTERN)


class Enrolled(BaseModel):
    campaign_id: str
    borrower_id: str
    enrolled: bool
    new: bool


# -- monitoring and the repayment account ----------------------------------------------------------------------


class MonitoringBrief(BaseModel):
    outcome_id: str
    status: str
    score: str
    rules: list[str]


class MonitoringOutcome(BaseModel):
    outcome_id: str
    borrower_id: str
    kind: str
    at_s: int
    score: str
    rules: list[str]
    action: str
    status: str
    reference: str | None


class MonitoringOutcomes(BaseModel):
    outcomes: list[MonitoringOutcome]


class HoldResolution(BaseModel):
    model_config = _IN
    decision: Literal["release", "reject"]


class HoldResolved(BaseModel):
    outcome_id: str
    status: str
    resolver: str
    resolved_on: str


class RepaymentAccount(BaseModel):
    account: str | None = Field(description="masked: the last four characters only; null while the application's is used")
    changed_on: str | None
    source: Literal["application", "changed"]


class AccountChange(BaseModel):
    model_config = _IN
    account_number: str = Field(min_length=8, max_length=48, description="letters and digits; spaces and hyphens ignored")


class AccountChangeApproved(AccountChange):
    assertion: dict[str, Any] | None = Field(
        default=None, description="navigator.credentials.get() answering this change's approval options "
        "(required when the signed-in account has a passkey)"
    )


class AccountChanged(BaseModel):
    account: str
    changed_on: str
    monitoring: MonitoringBrief


class DrawnLoan(LoanChanged):
    """A drawdown's loan, with what monitoring made of it and the coupon it redeemed (if any)."""

    monitoring: MonitoringBrief | None = None
    coupon: dict[str, Any] | None = None


def at_or_now(at: datetime | None) -> int | None:
    return None if at is None else int(at.timestamp())
