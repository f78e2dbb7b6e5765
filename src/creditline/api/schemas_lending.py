"""Request and response bodies of applications, lines, drawdowns, loans, consents and reports.

Money is a decimal string in major units ("1000.00") with its ISO 4217 currency, never a number.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

_IN = ConfigDict(extra="forbid")
AMOUNT_PATTERN = r"^[0-9]{1,13}(\.[0-9]{1,4})?$"
Amount = Field(pattern=AMOUNT_PATTERN, description="major units as a decimal string", examples=["1000.00"])
CurrencyCode = Field(default=None, pattern=r"^[A-Z]{3}$", description="ISO 4217; must be the account's currency")
MethodName = Literal["equal-installment", "equal-principal", "interest-only", "bullet", "flat"]


class Decision(BaseModel):
    decision_id: str
    outcome: str
    status: str
    reasons: list[str]
    borrower_id: str | None
    line_id: str | None
    currency: str
    limit: str | None
    daily_rate_pct: str | None
    apr_pct: str | None
    price_display: str | None
    pd: str | None
    score: int | None
    fraud_score: str | None
    strategy: str
    business_date: str
    linked: bool = Field(description="whether this decision's borrower is this account's")


class Decisions(BaseModel):
    decisions: list[Decision]


class ReasonText(BaseModel):
    code: str
    text: str


class ModelFactor(BaseModel):
    field: str = Field(description="the input field the model read")
    value: Any = Field(description="the applicant's value of it, as given (null when missing)")
    impact: float = Field(description="how much it raised the log-odds of default")
    text: str = Field(description="the factor in words, in the reader's language")


class Explanation(BaseModel):
    decision_id: str
    outcome: str
    reasons: list[ReasonText]
    model_factors: list[Any]
    factors: list[ModelFactor] = Field(default=[], description="model_factors as data, in the same order")
    automated: bool
    your_rights: str
    limit: dict[str, Any] | None = None
    price: dict[str, Any] | None = None


class ReviewAsk(BaseModel):
    model_config = _IN
    reason: str = Field(min_length=1, max_length=400)


class ReviewOpened(BaseModel):
    review_id: int
    decision_id: str
    status: str
    opened_on: str


class Review(BaseModel):
    review_id: int
    decision_id: str
    borrower_id: str | None
    kind: str
    reason: str
    status: str
    opened_on: str
    resolved_on: str | None
    resolver: str | None
    note: str | None


class Reviews(BaseModel):
    reviews: list[Review]


class Resolution(BaseModel):
    model_config = _IN
    resolution: Literal["approved", "declined", "upheld"]
    note: str = Field(min_length=1, max_length=400)


class Resolved(BaseModel):
    review_id: int
    status: str
    decision_id: str
    line_id: str | None


class Line(BaseModel):
    line_id: str
    borrower_id: str
    product_id: str
    currency: str
    status: str
    limit: str
    effective_limit: str
    available: str
    drawable: bool
    refusal: str | None = None
    outstanding_principal: str
    pending_drawdowns: str
    daily_rate_pct: str
    business_date: str
    loans: list[str]


class Lines(BaseModel):
    lines: list[Line]


class DrawdownTerms(BaseModel):
    model_config = _IN
    amount: str = Amount
    currency: str | None = CurrencyCode
    term_months: int = Field(ge=1, le=600)
    method: MethodName | None = None
    coupon_id: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9_-]{1,64}$", description="a coupon of yours to redeem on this drawdown"
    )


class Drawdown(DrawdownTerms):
    assertion: dict[str, Any] = Field(description="navigator.credentials.get() answering this drawdown's approval options")


class PreviewRow(BaseModel):
    n: int
    due_date: str
    principal: str
    interest: str
    payment: str
    balance_after: str


class DrawdownPreview(BaseModel):
    line_id: str
    currency: str
    amount: str
    term_months: int
    method: str
    daily_rate_pct: str
    apr_pct: str
    apr_method: str
    total_interest: str
    total_repayable: str
    available: str
    within_limit: bool
    refusal: str | None = None
    business_date: str
    installments: list[PreviewRow]


class LoanBrief(BaseModel):
    loan_id: str
    borrower_id: str
    line_id: str
    product_id: str
    product_version: int
    currency: str
    principal: str
    term_months: int
    method: str
    daily_rate_pct: str
    disbursed_on: str
    as_of: str
    status: str
    days_past_due: int
    principal_outstanding: str
    interest_receivable: str
    penalty_receivable: str
    fee_receivable: str
    credit_balance: str


class LoanChanged(LoanBrief):
    event_id: str
    entry_id: str | None


class Loan(LoanBrief):
    totals: dict[str, str]
    installments: list[dict[str, Any]]
    schedule: list[dict[str, Any]]
    events: list[dict[str, Any]]


class LoanSummary(BaseModel):
    loan_id: str
    line_id: str
    currency: str
    status: str
    disbursed_on: str
    as_of: str
    principal_outstanding: str
    interest_receivable: str
    penalty_receivable: str
    days_past_due: int


class Loans(BaseModel):
    loans: list[LoanSummary]
    next_after: str | None = Field(description="pass as ?after= for the next page; null on the last page")


class Schedule(BaseModel):
    loan_id: str
    currency: str
    installments: list[dict[str, Any]]
    schedule: list[dict[str, Any]]


class Repayment(BaseModel):
    model_config = _IN
    amount: str = Amount
    currency: str | None = CurrencyCode


class Prepayment(Repayment):
    mode: Literal["keep-term", "keep-installment"] = "keep-term"


class PayoffQuote(BaseModel):
    loan_id: str
    on: str
    currency: str
    principal: str
    interest: str
    penalty: str
    fees: str
    credit: str
    total: str


class CreditRefundAsk(BaseModel):
    model_config = _IN
    amount: str = Amount
    currency: str | None = Field(
        default=None, pattern=r"^[A-Z]{3}$", description="ISO 4217; needed only when the borrower has lines in several"
    )


class RefundedLoan(BaseModel):
    loan_id: str
    event_id: str = Field(description="the loan's credit-refund event")
    refunded: str


class CreditRefund(BaseModel):
    borrower_id: str
    currency: str
    refunded: str
    credit_balance: str = Field(description="what the borrower still holds in this currency, after the refund")
    entry_id: str = Field(description="the one journal entry of the whole refund")
    business_date: str
    loans: list[RefundedLoan] = Field(description="the loans the credit was taken from, in loan-id order")


class ConsentGrant(BaseModel):
    model_config = _IN
    scope: Literal["credit_bureau_query", "transaction_data", "device_data", "marketing"]
    purpose: Literal["credit_assessment", "fraud_prevention", "marketing"]
    text_version: str = Field(min_length=1, max_length=64)
    expires_at: datetime | None = None


class Consent(BaseModel):
    consent_id: str
    scope: str
    purpose: str
    text_version: str
    granted_at: str | None
    expires_at: str | None
    withdrawn_at: str | None
    active: bool


class Consents(BaseModel):
    consents: list[Consent]


class PortfolioCurrency(BaseModel):
    currency: str
    loans: int
    loans_by_status: dict[str, int]
    principal_outstanding: str
    interest_receivable: str
    penalty_receivable: str
    principal_by_bucket: dict[str, str]
    principal_90_plus_pct: str


class Portfolio(BaseModel):
    business_date: str
    currencies: list[PortfolioCurrency]


class AuditHeads(BaseModel):
    heads: list[dict[str, Any]]
