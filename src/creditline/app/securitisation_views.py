"""The console's funding page: co-lending partners and the deals sold to trusts, at a glance."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from creditline.store import UnitOfWork
from creditline.store.securitisation_repository import SecuritisationRepository

DEALS_SHOWN_MAX = 50


def funding_overview(engine: Engine) -> dict[str, Any]:
    """Partners (balances, concentration, appetite use, allowance share) and deals (tranches, triggers)."""
    from creditline.app.books import trial_balance_now
    from creditline.app.partner_settlement import partner_funding
    from creditline.ledger import Account
    from creditline.money import Money

    balance = trial_balance_now(engine)
    payables = [
        {"currency": line.currency, "amount": Money.of_minor(line.balance_minor, line.currency).amount_str()}
        for line in balance.lines
        if line.account == Account.PARTNER_PAYABLE
    ]
    return {"partners": partner_funding(engine), "deals": deal_summaries(engine), "partner_payables": payables,
            "balanced": balance.balanced}  # fmt: skip


def deal_summaries(engine: Engine) -> list[dict[str, Any]]:
    """Each deal with its tranches' balances after the last closed period and its triggers."""
    from creditline.app.securitisation import deal_view
    from creditline.app.trust_books import deal_position
    from creditline.app.trust_waterfall import realised_run, run_view

    with UnitOfWork(engine, read_only=True) as uow:
        repo = SecuritisationRepository(uow.connection)
        loaded = []
        for row in repo.deals()[-DEALS_SHOWN_MAX:]:
            periods = [p for p in repo.periods(row["deal_id"]) if p["status"] == "closed"]
            loaded.append((row, periods, deal_position(repo, row)))
    summaries = []
    for row, periods, position in loaded:
        view = run_view(row, realised_run(row, periods))
        summaries.append(deal_view(row, None, brief=True) | {
            "periods_closed": len(periods), "tranches": view["tranches"], "triggers": view["triggers"],
            "performing_pool": position["performing_pool"], "trust_payable": position["trust_payable"],
        })  # fmt: skip
    return summaries
