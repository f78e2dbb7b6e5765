"""Plan recommendation and restructure proposals as use cases: the borrower's line, finances and loans
from the store, the pure engine of `lending.plans`, and a recorded rationale.

Finances come from the origination decision that opened the line (income and bureau obligations
it was assessed on) unless the caller gives them; the borrower's own loans on the line add their
next installments to the obligations. Each recommendation is stored as canonical JSON with its
SHA-256, so what the borrower was shown, and why, can be produced later.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine

from creditline.app.catalogue import contract_of, product_of
from creditline.app.common import business_date, new_id
from creditline.app.errors import LineNotFound, LoanNotFound
from creditline.store import UnitOfWork
from creditline.store.servicing_repository import ServicingRepository

OPEN_STATUSES = ("active", "overdue")


@dataclass(frozen=True, slots=True)
class FinancesGiven:
    """What the caller knows of the borrower's finances (major units as text); None: take the record's."""

    income_monthly: str | None = None
    obligations_monthly: str | None = None
    payday: int | None = None


@dataclass(frozen=True, slots=True)
class RecommendPlan:
    line_id: str
    amount: str  # major units as text
    finances: FinancesGiven = FinancesGiven()


@dataclass(frozen=True, slots=True)
class ProposeRestructure:
    loan_id: str
    finances: FinancesGiven = FinancesGiven()


def recommend_plan(
    uow: UnitOfWork, line_id: str, amount: str, finances: FinancesGiven = FinancesGiven(), *, policy: Any = None
) -> dict[str, Any]:
    """Recommend a plan for drawing `amount` on `line_id` and record it in `uow` (the caller commits)."""
    from creditline.lending.plans import recommend_plan as recommend
    from creditline.money import Money

    on = business_date(uow)
    record = uow.lines.get(line_id)
    if record is None:
        raise LineNotFound(f"no credit line {line_id!r}", field="line")
    line = record.line
    product = product_of(uow, line.product_id, record.product_version)
    money = Money.parse(amount, line.limit.currency, field="amount")
    line.reserve(money, on)  # the typed error a drawdown of this amount would meet (limit, frozen line)
    assessed, source = _finances(uow, line_id, line.limit.currency, finances, exclude_loan=None, on=on)
    result = recommend(product, money, line.rate_daily, on, assessed, policy)
    body = {
        "line_id": line_id,
        "borrower_id": line.borrower_id,
        "business_date": on.isoformat(),
        "daily_rate_pct": format((line.rate_daily * 100).normalize(), "f"),
        "finances": _finances_json(assessed, source),
        **result.to_json(),
    }
    return _store(uow, line.borrower_id, line_id, on, money, result, body)


def recommend(engine: Engine, command: RecommendPlan) -> dict[str, Any]:
    """`recommend_plan` in a unit of work of its own."""
    with UnitOfWork(engine) as uow:
        view = recommend_plan(uow, command.line_id, command.amount, command.finances)
        uow.commit()
    return view


def propose_restructure(engine: Engine, command: ProposeRestructure) -> dict[str, Any]:
    """The re-age a borrower in difficulty can afford on one loan (for `creditline loan reage`); nothing is written."""
    from creditline.lending.loan import CLOSED_STATUSES, LoanNotActive, replay
    from creditline.lending.plans import Arrears
    from creditline.lending.plans import propose_restructure as propose

    with UnitOfWork(engine, read_only=True) as uow:
        on = business_date(uow)
        head = uow.loans.get(command.loan_id)
        if head is None:
            raise LoanNotFound(f"no loan {command.loan_id!r}", field="loan")
        contract = contract_of(uow, head)
        state = replay(contract, uow.loans.events(command.loan_id), on)
        if state.status in CLOSED_STATUSES:  # the engine's refusal would name principal_outstanding, no input
            raise LoanNotActive(f"the loan is {state.status}; there is nothing to re-age", field="loan")
        assessed, source = _finances(uow, head.line_id, head.currency, command.finances, exclude_loan=head.loan_id, on=on)
    arrears = Arrears(state.principal_outstanding, state.interest_receivable, state.fee_receivable, state.penalty_receivable)
    proposal = propose(contract.terms, on, arrears, assessed)
    return {
        "loan_id": command.loan_id,
        "business_date": on.isoformat(),
        "status": str(state.status),
        "days_past_due": state.days_past_due,
        "finances": _finances_json(assessed, source),
        **proposal.to_json(),
    }


def check_given(given: FinancesGiven, currency: Any) -> None:
    """The caller's figures checked as `_finances` reads them (amounts in `currency`, a payday 1 to 31),
    so a bad one is refused before anything is decided."""
    from creditline.lending.plans import BorrowerFinances
    from creditline.money import Money

    income, obligations = _given_amounts(given, currency)
    BorrowerFinances(income or Money.zero(currency), obligations or Money.zero(currency), given.payday)


def _given_amounts(given: FinancesGiven, currency: Any) -> tuple[Any, Any]:
    """The caller's income and obligations as money in `currency` (None: not given)."""
    from creditline.money import Money

    def parsed(value: str | None, field: str) -> Any:
        return None if value is None else Money.parse(value, currency, field=field)

    return parsed(given.income_monthly, "income"), parsed(given.obligations_monthly, "obligations")


def _finances(
    uow: UnitOfWork, line_id: str, currency: Any, given: FinancesGiven, *, exclude_loan: str | None, on: date
) -> tuple[Any, str]:
    from creditline.lending.plans import BorrowerFinances, PlanInputInvalid
    from creditline.money import Money

    inputs = (ServicingRepository(uow.connection).origination_record_of_line(line_id) or {}).get("limit_inputs")
    income, obligations = _given_amounts(given, currency)
    source = "given"
    if income is None and inputs:
        income, source = Money(int(inputs["income_monthly_minor"]), currency), "origination-record"
    elif income is None:
        raise PlanInputInvalid(
            "no income is on record for this line (it was not opened by an application); give it", field="income"
        )
    if obligations is None:  # not given: the record's, whichever figure the caller gave (none on record: none known)
        obligations = Money(int(inputs["obligations_monthly_minor"]) if inputs else 0, currency)
    own = _own_installments(uow, line_id, currency, exclude_loan, on)
    return BorrowerFinances(income, obligations + own, given.payday), source


def _own_installments(uow: UnitOfWork, line_id: str, currency: Any, exclude_loan: str | None, on: date) -> Any:
    """The next installment of each of the borrower's open loans on this line: obligations too."""
    from creditline.money import Money

    owed = Money.zero(currency)
    for loan_id in uow.loans.ids_of_line(line_id):
        head = uow.loans.get(loan_id)
        if head is None or loan_id == exclude_loan or head.status not in OPEN_STATUSES:
            continue
        upcoming = [row for row in contract_of(uow, head).schedule.rows if row.due_date > on]
        if upcoming:
            owed = owed + upcoming[0].total
    return owed


def _finances_json(finances: Any, source: str) -> dict[str, Any]:
    return {
        "source": source,
        "income_monthly": finances.income_monthly.amount_str(),
        "obligations_monthly": finances.obligations_monthly.amount_str(),
        "payday": finances.payday,
    }


def _store(uow: UnitOfWork, borrower_id: str, line_id: str, on: date, amount: Any, result: Any, body: dict[str, Any]) -> dict[str, Any]:
    recommendation_id = new_id("PR")
    record = {"recommendation_id": recommendation_id, **body}
    text = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    ServicingRepository(uow.connection).add_recommendation(
        {
            "recommendation_id": recommendation_id,
            "borrower_id": borrower_id,
            "line_id": line_id,
            "business_date": on,
            "amount_minor": amount.minor,
            "currency": amount.currency.code,
            "recommended": None if result.recommended is None else result.recommended.key,
            "policy_version": result.policy_version,
            "record_json": text,
            "record_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        }
    )
    return record
