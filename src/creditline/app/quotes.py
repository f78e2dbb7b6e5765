"""Quotes that change nothing: a drawdown's live schedule with its APR, and a loan's early-payoff figure.

A drawdown preview shows what the borrower would sign: each installment, the total interest, the
daily rate and the IRR-based APR next to it (the PBOC asks for both), and whether the available
limit covers the amount. The same product checks as a real drawdown run first, so a preview of a
term the product does not offer fails the way the drawdown would.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine

from creditline.app.catalogue import contract_of, product_of
from creditline.app.common import business_date
from creditline.app.errors import LineNotFound, LoanNotFound
from creditline.errors import DomainError
from creditline.store import UnitOfWork

QUOTE_DAYS_AHEAD_MAX = 90


def _pct(value: Any, places: str | None = None) -> str:
    from decimal import ROUND_HALF_UP, Decimal

    number = Decimal(value)
    if places is not None:
        return format(number.quantize(Decimal(places), rounding=ROUND_HALF_UP), "f")
    return format(number.normalize(), "f")


def drawdown_preview(engine: Engine, line_id: str, amount_text: str, term_months: int, method: str | None) -> dict[str, Any]:
    from creditline.lending.apr import AprMethod, schedule_apr
    from creditline.lending.schedule import build_schedule
    from creditline.money import Money

    with UnitOfWork(engine, read_only=True) as uow:
        on = business_date(uow)
        record = uow.lines.get(line_id)
        if record is None:
            raise LineNotFound(f"no credit line {line_id!r}", field="line")
        line = record.line
        product = product_of(uow, line.product_id, record.product_version)
    amount = Money.parse(amount_text, line.limit.currency, field="amount")
    chosen = method or str(product.methods[0])
    schedule = build_schedule(product.schedule_terms(amount, term_months, chosen, line.rate_daily, on))
    apr = schedule_apr(schedule.cash_flows(), AprMethod.IRR)
    available = line.available(on)
    return {
        "line_id": line.line_id,
        "currency": amount.currency.code,
        "amount": amount.amount_str(),
        "term_months": term_months,
        "method": chosen,
        "daily_rate_pct": _pct(line.rate_daily * 100),
        "apr_pct": _pct(apr.apr_pct, "0.01"),
        "apr_method": "irr",
        "total_interest": schedule.total_interest.amount_str(),
        "total_repayable": (schedule.total_principal + schedule.total_interest).amount_str(),
        "available": available.amount_str(),
        "within_limit": amount <= available,
        # what the drawdown would be refused with (its status first, then the limit): a frozen line's
        # room is still within the limit, but nothing can be drawn on it
        "refusal": line.drawdown_refusal() or (None if amount <= available else "insufficient_limit"),
        "business_date": on.isoformat(),
        "installments": [
            {
                "n": row.n,
                "due_date": row.due_date.isoformat(),
                "principal": row.principal.amount_str(),
                "interest": row.interest.amount_str(),
                "payment": row.total.amount_str(),
                "balance_after": row.balance_after.amount_str(),
            }
            for row in schedule.rows
        ],
    }


def payoff_quote(engine: Engine, loan_id: str, on: date | None = None) -> dict[str, Any]:
    """What clears the loan on `on` (default: the business date), interest only for the days used."""
    from creditline.lending.loan import payoff_quote as quote_of

    with UnitOfWork(engine, read_only=True) as uow:
        today = business_date(uow)
        record = uow.loans.get(loan_id)
        if record is None:
            raise LoanNotFound(f"no loan {loan_id!r}", field="loan")
        contract = contract_of(uow, record)
        events = uow.loans.events(loan_id)
    day = on or today
    if not today <= day <= today + timedelta(days=QUOTE_DAYS_AHEAD_MAX):
        raise DomainError(
            f"quote a day from the business date {today} up to {QUOTE_DAYS_AHEAD_MAX} days ahead", field="on",
            code="quote_date_invalid",
        )  # fmt: skip
    quote = quote_of(contract, events, day)
    return {
        "loan_id": loan_id,
        "on": day.isoformat(),
        "currency": contract.currency_code,
        "principal": quote.principal.amount_str(),
        "interest": quote.interest.amount_str(),
        "penalty": quote.penalty.amount_str(),
        "fees": quote.fees.amount_str(),
        "credit": quote.credit.amount_str(),
        "total": quote.total.amount_str(),
    }
