"""What the borrower web app shows, read in as few round trips as a page needs.

Each function answers one page: the overview (lines with their available limit, loans, recent
decisions), the history (every loan and application), a line's drawdown options (the product's
terms, methods and amount range), a loan with its early-payoff quote. Ownership is the caller's job (the entrypoints answer "not found" for
anything that is not the borrower's); these only read.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from creditline.app.access import Principal
from creditline.store import UnitOfWork

LOANS_SHOWN_MAX = 100
REFERENCE_AMOUNT_MAJOR = 10_000  # the reference drawdown whose APR stands beside a line's daily rate
DECISIONS_SHOWN_MAX = 20
OPEN_STATUSES = ("active", "overdue", "charged-off")  # charged off is still collectable
UNPAID_INSTALLMENTS = ("future", "open", "due", "overdue")


def overview(engine: Engine, principal: Principal) -> dict[str, Any]:
    from creditline.app.applications import decisions_of_account
    from creditline.app.ownership import lines_of, loans_of

    borrower_id = principal.borrower_id
    loans = loans_of(engine, borrower_id, after=None, limit=LOANS_SHOWN_MAX)
    lines = lines_of(engine, borrower_id)
    with UnitOfWork(engine, read_only=True) as uow:
        for line in lines:
            line["reference"] = _reference_drawdown(uow, line["product_id"], line)
    return {
        "lines": lines,
        "open_loans": [loan for loan in loans if loan["status"] in OPEN_STATUSES],
        "closed_loans": [loan for loan in loans if loan["status"] not in OPEN_STATUSES],
        "decisions": decisions_of_account(engine, principal.account_id)[:DECISIONS_SHOWN_MAX],
    }


def history(engine: Engine, principal: Principal) -> dict[str, Any]:
    """Every loan and every application of the borrower (docs/web.md: /app/history), page by page."""
    from creditline.app.applications import decisions_of_account
    from creditline.app.ownership import loans_of

    loans: list[dict[str, Any]] = []
    while page := loans_of(engine, principal.borrower_id, after=loans[-1]["loan_id"] if loans else None, limit=LOANS_SHOWN_MAX):
        loans += page
    return {
        "open_loans": [loan for loan in loans if loan["status"] in OPEN_STATUSES],
        "closed_loans": [loan for loan in loans if loan["status"] not in OPEN_STATUSES],
        "decisions": decisions_of_account(engine, principal.account_id, every=True),
    }


def draw_options(engine: Engine, line_id: str) -> dict[str, Any]:
    """The line (limit, available, daily rate) and what its product allows a drawdown to be."""
    from creditline.app.catalogue import product_of
    from creditline.app.common import business_date
    from creditline.app.errors import LineNotFound
    from creditline.app.lines import line_view

    with UnitOfWork(engine, read_only=True) as uow:
        on = business_date(uow)
        record = uow.lines.get(line_id)
        if record is None:
            raise LineNotFound(f"no credit line {line_id!r}", field="line")
        product = product_of(uow, record.line.product_id, record.product_version)
        line = line_view(uow, record.line, on)
        line["reference"] = _reference_drawdown(uow, record.line.product_id, line, record.product_version)
        most = min(product.drawdown_max, record.line.available(on))  # the product's largest, or what the line has left
    return {
        "line": line,
        "product_name": product.name,
        "terms_months": list(product.terms_months),
        "methods": [str(method) for method in product.methods],
        "drawdown_min": product.drawdown_min.amount_str(),
        "drawdown_max": most.amount_str(),
        "apr_cap_pct": format(product.apr_cap_pct, "f"),
        "grace_days": product.grace_days,
        "early_repayment_free": product.early_repayment_free,
    }


def _reference_drawdown(uow: UnitOfWork, product_id: str, line: dict[str, Any], version: int | None = None) -> dict[str, Any]:
    """The APR (IRR method) of a reference drawdown at the line's daily rate, so that wherever the
    daily rate is shown its annualised rate stands beside it (the PBOC's display rule): the product's
    longest term and first method, for the limit or the reference amount, whichever is smaller."""
    from datetime import date
    from decimal import Decimal

    from creditline.app.catalogue import product_of
    from creditline.lending.apr import AprMethod, schedule_apr
    from creditline.lending.schedule import build_schedule
    from creditline.money import Money

    product = product_of(uow, product_id, version)
    reference = Money.of_minor(REFERENCE_AMOUNT_MAJOR * product.currency.minor_per_major, product.currency)
    amount = Money.parse(line["limit"], line["currency"]).min(reference)
    amount = amount.max(product.drawdown_min)
    term, method = max(product.terms_months), product.methods[0]
    rate_daily = Decimal(line["daily_rate_pct"]) / 100
    schedule = build_schedule(product.schedule_terms(amount, term, method, rate_daily, date.fromisoformat(line["business_date"])))
    apr = schedule_apr(schedule.cash_flows(), AprMethod.IRR)
    return {"amount": amount.amount_str(), "term_months": term, "method": str(method), "apr_pct": format(apr.apr_pct_display, "f")}


def loan_page(engine: Engine, loan_id: str) -> dict[str, Any]:
    """The loan replayed to the business date and, while it is open, what paying it off costs today."""
    from creditline.app.catalogue import contract_of
    from creditline.app.errors import LoanNotFound
    from creditline.app.loans import show_loan
    from creditline.app.quotes import payoff_quote
    from creditline.lending.apr import AprMethod, schedule_apr

    loan = show_loan(engine, loan_id)
    with UnitOfWork(engine, read_only=True) as uow:
        record = uow.loans.get(loan_id)
        if record is None:
            raise LoanNotFound(f"no loan {loan_id!r}", field="loan")
        contract = contract_of(uow, record)
    loan["apr_pct"] = format(schedule_apr(contract.schedule.cash_flows(), AprMethod.IRR).apr_pct_display, "f")
    quote = payoff_quote(engine, loan_id) if loan["status"] in OPEN_STATUSES else None
    next_due = next((row for row in loan["installments"] if row["status"] in UNPAID_INSTALLMENTS), None)
    return {"loan": loan, "quote": quote, "next_due": next_due}
