"""Builders for the securitisation and partner-settlement tests: a book of loans (some co-lent), end-of-day
days with the funding stage, a deal file as a mapping, and journal readers."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from colending_fixtures import add_partners, line_for, partner_file

import creditline.app.trust_eod  # noqa: F401  (registers the funding stage)

START = date(2025, 1, 1)
STAGES = frozenset({"accrue", "classify", "provision", "snapshot", "colending", "funding"})


def book(engine: Any, amounts: tuple[str, ...] = ("1000.00", "1100.00", "1200.00", "1300.00"), *,
         partner: bool = True, charge_off_days: int | None = None) -> list[str]:  # fmt: skip
    """Initialise the books at START and draw one 6-month loan per amount (a partner funds up to half);
    with `charge_off_days`, on a copy of the product that charges off that many days late."""
    from eod_support import short_product

    from creditline.app import Draw, OpenLine, draw, initialise, open_line

    initialise(engine, START)
    product = short_product(engine, charge_off_days) if charge_off_days else None
    if partner:
        add_partners(engine, partner_file("bank", share_max="50%", share_min="10%"))
    loans = []
    for n, amount in enumerate(amounts):
        line = (open_line(engine, OpenLine(f"B{n}", product, "50000", "0.05", "approved"))["line_id"] if product
                else line_for(engine, f"B{n}"))  # fmt: skip
        loans.append(draw(engine, Draw(line, amount, 6, f"draw-{n}"))["loan_id"])
    return loans


def days(engine: Any, first: date, count: int, stages: frozenset[str] = STAGES) -> date:
    from creditline.app.eod_pipeline import run_pipeline

    for n in range(count):
        run_pipeline(engine, first + timedelta(days=n + 1), only=stages)
    return first + timedelta(days=count)


def deal(cut_off: date, *, first_payment_days: int = 10, shares: tuple[str, ...] = ("0.8", "0.2"),
         **extra: Any) -> dict[str, Any]:  # fmt: skip
    """A deal file as `read_spec` gives it: A and Sub by share, 1% servicing, cut off on `cut_off`."""
    names = (*("A", "B", "C")[: len(shares) - 1], "Sub")
    tranches = [{"name": n, "share": Decimal(s), "coupon_rate": Decimal("0.03")} for n, s in zip(names, shares, strict=True)]
    tranches[-1].pop("coupon_rate")
    return {
        "name": "Test ABS 2025-1", "currency": "CNY", "cut_off_date": cut_off,
        "closing_date": cut_off + timedelta(days=1), "first_payment_date": cut_off + timedelta(days=first_payment_days),
        "day_count": "act/365", "servicing_fee_rate": Decimal("0.01"), "tranches": tranches,
        "eligibility": {"statuses": ["current"], "max_days_past_due": 0},
    } | extra  # fmt: skip


def sell(engine: Any, spec: dict[str, Any], key: str = "sale-1", **fields: Any) -> dict[str, Any]:
    from creditline.app.securitisation import SellPool, sell_pool

    return sell_pool(engine, SellPool(spec, repr(spec), "yaml", key, **fields))


def postings_of(engine: Any, entry_id: str) -> dict[str, int]:
    from sqlalchemy import func, select

    from creditline.store.tables import postings

    p = postings.c
    query = select(p.account, func.sum(p.amount_minor)).where(p.entry_id == entry_id).group_by(p.account)
    with engine.connect() as connection:
        return {account: int(minor) for account, minor in connection.execute(query)}


def counts(engine: Any) -> tuple[int, ...]:
    """Rows that any money movement or sale adds: entries, postings, deals, sold loans, sub-ledger lines."""
    from sqlalchemy import func, select

    from creditline.store.tables import journal_entries, postings
    from creditline.store.tables_securitisation import (
        partner_remittances,
        trust_deals,
        trust_ledger,
        trust_loans,
    )

    with engine.connect() as connection:
        return tuple(
            int(connection.execute(select(func.count()).select_from(table)).scalar_one())
            for table in (journal_entries, postings, trust_deals, trust_loans, trust_ledger, partner_remittances)
        )


def gl(engine: Any, account: str) -> int:
    """An account's balance, debit-positive, from the running balances."""
    from creditline.app.books import trial_balance_now
    from creditline.ledger import CHART, Account, NormalSide

    balance = trial_balance_now(engine).balance(Account(account), "CNY")
    return balance if CHART[Account(account)].normal_side is NormalSide.DEBIT else -balance
