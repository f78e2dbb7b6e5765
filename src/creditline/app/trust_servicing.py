"""Servicing the loans sold to trusts, at end of day (the `funding` stage, docs/securitisation.md).

For every active deal, each business day B:

1. **Pass-through.** Every sold loan whose totals moved since the trust's parts were last posted (its
   basis) — or that charged off or was written off unseen — gets `platform part(now) − platform
   part(basis)` of its collections and principal written off, posted as one entry per deal and day:

   | the trust's part of … (positive) | debit | credit |
   | --- | --- | --- |
   | principal repaid | trust funding | trust payable |
   | interest / penalty / fees repaid | income passed to trusts | trust payable |
   | principal written off | trust funding | losses borne by trusts |

   with the trust sub-ledger's lines per loan and movement (`recovery` on a loan that had defaulted),
   and a memo line `defaulted` carrying the trust's principal in a loan the day it charges off.
2. **Servicing fee.** The fee of the open collection period accrues daily: through day B it is
   `pool at the period's start × rate × year fraction(period start, B)` (the deal's day count),
   rounded half-up, less what was accrued before — so on the payment date the period's accrual is
   exactly the waterfall's servicing fee due, to the cent.
3. **Period close.** On a payment date the period's lines are gathered into its servicer report, the
   waterfall runs over every closed period (`trust_waterfall`) and the collections are remitted: the
   trust payable of the period is paid out as the fee the waterfall paid the platform, what it paid the
   retained notes (principal, coupon, the residual; write-downs), and cash to the trust for the rest.
   The unamortised discount falls in step with the pool.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from fractions import Fraction
from typing import Any

from creditline.app.common import new_id
from creditline.app.trust_split import (
    COLLECTIONS,
    TRUST_MOVEMENTS,
    lent_principal,
    own_principal,
    platform_parts,
    totals_of_text,
)
from creditline.store.securitisation_repository import SecuritisationRepository, weights_of

DEFAULTED = "defaulted"  # memo movement: the trust's principal in a loan the day it defaulted
DEFAULTED_STATUSES = frozenset({"charged-off", "written-off"})
DELINQUENT_DAYS = 30
INTEREST_LIKE = ("interest_repaid", "penalty_repaid", "fees_repaid")


def trust_rules() -> dict[str, tuple[Any, Any]]:
    from creditline.ledger import Account as A

    return {
        "principal_repaid": (A.TRUST_FUNDING, A.TRUST_PAYABLE),
        **{m: (A.TRUST_INCOME, A.TRUST_PAYABLE) for m in INTEREST_LIKE},
        "principal_written_off": (A.TRUST_FUNDING, A.TRUST_LOSSES),
    }


def service_trusts(uow: Any, today: date) -> dict[str, Any]:
    """Every active deal's day: pass-through, fee, and any period whose payment date has come."""
    repo = SecuritisationRepository(uow.connection)
    done = [service_deal(uow, repo, deal, today) for deal in repo.active_deals() if deal["sold_on"] <= today]
    return {"deals": len(done), "loans_moved": sum(d["loans_moved"] for d in done),
            "periods_closed": [p for d in done for p in d["periods_closed"]]}  # fmt: skip


def service_deal(uow: Any, repo: SecuritisationRepository, deal: dict[str, Any], today: date) -> dict[str, Any]:
    from creditline.app.securitisation import deal_structure
    from creditline.app.trust_periods import close_period

    lines, bases = catch_up(repo, deal, today)
    entry_id = _post_lines(uow, deal, today, lines)
    for line in lines:
        line["entry_id"] = entry_id if line["movement"] != DEFAULTED else None
    repo.add_lines(lines)
    repo.move_basis(bases)
    structure = deal_structure(deal)
    fee_minor, closed = 0, []
    for _ in range(_PERIODS_PER_DAY_MAX):
        period = next((p for p in repo.periods(deal["deal_id"]) if p["status"] == "open"), None)
        if period is None:
            break
        fee_minor += accrue_fee(repo, deal, structure, period, min(today, period["payment_date"]))
        if period["payment_date"] > today:
            break
        closed.append(close_period(uow, repo, deal, structure, period, today))
    _post_fee(uow, deal, today, fee_minor)
    return {"deal_id": deal["deal_id"], "loans_moved": len(bases), "periods_closed": closed}


_PERIODS_PER_DAY_MAX = 600  # a day can close every period a stopped end of day skipped, not more


def catch_up(repo: SecuritisationRepository, deal: dict[str, Any], today: date) -> tuple[list[dict], list[dict]]:
    """The trust's parts of what moved on its stale loans (lines) and the bases to move to."""
    lines: list[dict[str, Any]] = []
    bases: list[dict[str, Any]] = []
    for page in repo.stale_loans(deal["deal_id"]):
        weights = [weights_of(r["weights_json"]) for r in page]
        after = platform_parts([totals_of_text(r["totals_json"]) for r in page], weights)
        before = platform_parts([totals_of_text(r["basis_totals_json"]) for r in page], weights)
        lent = lent_principal(after)
        for i, row in enumerate(page):
            recovery = row["defaulted_on"] is not None
            for movement in TRUST_MOVEMENTS:
                amount = int(after[movement][i] - before[movement][i])
                if amount:
                    lines.append(_line(row, today, movement, recovery, amount))
            defaulted_on, default_minor = row["defaulted_on"], row["default_minor"]
            if defaulted_on is None and row["status"] in DEFAULTED_STATUSES:
                defaulted_on, default_minor = today, int(lent[i])
                if default_minor:
                    lines.append(_line(row, today, DEFAULTED, False, default_minor))
            bases.append({"loan_id": row["loan_id"], "basis_totals_json": row["totals_json"],
                          "basis_version": row["version"], "defaulted_on": defaulted_on,
                          "default_minor": default_minor})  # fmt: skip
    return lines, bases


def _line(row: dict[str, Any], today: date, movement: str, recovery: bool, amount: int) -> dict[str, Any]:
    return {"deal_id": row["deal_id"], "loan_id": row["loan_id"], "borrower_id": row["borrower_id"],
            "shard": row["shard"], "business_date": today, "currency": row["currency"], "movement": movement,
            "recovery": recovery, "amount_minor": amount, "period": None}  # fmt: skip


def pass_through_postings(lines: list[dict[str, Any]], code: str) -> list[Any]:
    """The lines' postings per account and shard (memo lines post nothing)."""
    from creditline.ledger import CHART, Posting
    from creditline.money import Money, currency

    rules = trust_rules()
    net: dict[tuple[Any, int], int] = defaultdict(int)
    for line in lines:
        if line["movement"] == DEFAULTED:
            continue
        debit_account, credit_account = rules[line["movement"]]
        net[(debit_account, line["shard"])] += line["amount_minor"]
        net[(credit_account, line["shard"])] -= line["amount_minor"]
    cur = currency(code)
    return [Posting(account, Money(minor, cur), shard)
            for (account, shard), minor in sorted(net.items(), key=lambda kv: (CHART[kv[0][0]].number, kv[0][1]))
            if minor]  # fmt: skip


def _post_lines(uow: Any, deal: dict[str, Any], today: date, lines: list[dict[str, Any]]) -> str | None:
    from creditline.ledger import JournalEntry

    postings = pass_through_postings(lines, deal["currency"])
    if not postings:
        return None
    entry = JournalEntry(new_id("JE"), f"abs:pass:{deal['deal_id']}:{today.isoformat()}", today,
                         f"abs:pass:{deal['deal_id']}", tuple(postings), None,
                         f"collections on loans sold to {deal['name']}, {today.isoformat()}")  # fmt: skip
    uow.journal.add(entry)
    return entry.entry_id


def accrue_fee(repo: SecuritisationRepository, deal: dict[str, Any], structure: Any, period: dict[str, Any],
               through: date) -> int:  # fmt: skip
    """Accrue the period's servicing fee through `through`; returns what this call added."""
    import numpy as np

    from creditline.funding.accrual import period_fraction, scale_minor
    from creditline.money import Rounding

    start = structure.payment_date(period["period"] - 1)
    if through <= start:
        return 0
    factor = Fraction(deal["servicing_fee_rate"]) * period_fraction(start, through, structure.day_count)
    accrued = int(scale_minor(np.array([period["pool_start_minor"]], dtype=np.int64), factor, Rounding.HALF_UP)[0])
    added = accrued - period["fee_accrued_minor"]
    assert added >= 0, "a period's fee only grows"
    repo.update_period(deal["deal_id"], period["period"], {"fee_accrued_minor": accrued, "fee_accrued_through": through})
    return added


def _post_fee(uow: Any, deal: dict[str, Any], today: date, fee_minor: int) -> None:
    from creditline.ledger import Account, JournalEntry, Posting
    from creditline.money import Money, currency

    if not fee_minor:
        return
    amount, shard = Money(fee_minor, currency(deal["currency"])), deal["shard"]
    postings = (Posting(Account.SERVICING_FEE_RECEIVABLE, amount, shard),
                Posting(Account.SERVICING_FEE_INCOME, -amount, shard))  # fmt: skip
    uow.journal.add(JournalEntry(new_id("JE"), f"abs:fee:{deal['deal_id']}:{today.isoformat()}", today,
                                 f"abs:fee:{deal['deal_id']}", postings, None,
                                 f"servicing fee of {deal['name']}, {today.isoformat()}"))  # fmt: skip


def period_report(repo: SecuritisationRepository, deal: dict[str, Any], period: dict[str, Any]) -> dict[str, int]:
    """The servicer report of a period whose lines are assigned: collections, defaults, pool balances."""
    sums: dict[tuple[str, bool], int] = defaultdict(int)
    for (_, _, movement, recovery), minor in repo.line_sums(deal["deal_id"], period=period["period"]).items():
        sums[(movement, recovery)] += minor
    principal = sums[("principal_repaid", False)]
    defaults = sums[(DEFAULTED, False)]
    pool_end = period["pool_start_minor"] - principal - defaults
    assert pool_end >= 0, "the performing pool never falls below zero"
    return {
        "interest_collected_minor": sum(sums[(m, False)] for m in INTEREST_LIKE),
        "principal_collected_minor": principal,
        "recoveries_minor": sum(sums[(m, True)] for m in COLLECTIONS),
        "defaults_minor": defaults,
        "pool_end_minor": pool_end,
        "delinquent_minor": delinquent_principal(repo, deal["deal_id"]),
    }


def delinquent_principal(repo: SecuritisationRepository, deal_id: str) -> int:
    """The trust's principal in its performing loans 30 days or more past due, now."""
    rows = repo.delinquent_principal(deal_id, DELINQUENT_DAYS)
    if not rows:
        return 0
    parts = platform_parts([totals_of_text(totals) for _, totals, _ in rows], [weights_of(w) for w, _, _ in rows])
    return int(own_principal(parts).sum())
