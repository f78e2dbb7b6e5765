"""Closing a deal's collection period: servicer report, waterfall, remittance (docs/securitisation.md).

On the payment date the period's sub-ledger lines (business dates up to it) are assigned to it and
summed into the servicer report; the waterfall runs over every closed period; and one entry remits
the period's collections, which the trust payable holds:

    debit  trust payable             the period's collections (interest, principal, recoveries)
    credit servicing fee receivable  the fee the waterfall paid the servicer
    credit retained notes            principal the waterfall paid the notes the platform keeps
    credit income on retained notes  their coupon and the residual
    debit  losses on retained notes  / credit retained notes: their write-down, if any
    credit settlement cash           the rest, paid to the trust (a debit if the trust pays out more)
    debit  ABS funding cost          / credit ABS discount: the discount amortised with the pool's run-off

The entry's idempotency key is `abs:remit:<deal>:<period>`; the close runs inside end of day's one
closing transaction, so a period closes once and wholly or not at all.
"""

from __future__ import annotations

import json
from datetime import date
from fractions import Fraction
from typing import Any

from creditline.app.common import new_id
from creditline.store.securitisation_repository import SecuritisationRepository


def close_period(uow: Any, repo: SecuritisationRepository, deal: dict[str, Any], structure: Any,
                 period: dict[str, Any], today: date) -> dict[str, Any]:  # fmt: skip
    from creditline.app.trust_servicing import period_report
    from creditline.app.trust_waterfall import period_payments, realised_run

    deal_id, number = deal["deal_id"], period["period"]
    repo.assign_period(deal_id, number, period["payment_date"])
    report = period_report(repo, deal, period)
    earlier = [p for p in repo.periods(deal_id) if p["status"] == "closed"]
    closing = period | report
    ends = _run_off(repo, deal, report["pool_end_minor"])
    run = realised_run(deal, [*earlier, closing], ended=ends)
    paid = period_payments(run, json.loads(deal["retained_json"]), number)
    amortised = _discount_step(deal, earlier, report["pool_end_minor"])
    collected = report["interest_collected_minor"] + report["principal_collected_minor"] + report["recoveries_minor"]
    remitted = collected - paid["fee_paid_minor"] - paid["retained_principal_minor"] - paid["retained_income_minor"]
    entry_id = _post_remittance(uow, deal, number, today, collected, paid, remitted, amortised)
    values = report | paid | {"discount_amortised_minor": amortised, "remitted_minor": remitted, "entry_id": entry_id,
                              "status": "closed", "closed_on": today}  # fmt: skip
    repo.update_period(deal_id, number, values)
    if ends:
        repo.set_deal_status(deal_id, "ended")
    else:
        repo.add_period({"deal_id": deal_id, "period": number + 1, "payment_date": structure.payment_date(number + 1),
                         "status": "open", "pool_start_minor": report["pool_end_minor"], "fee_accrued_minor": 0})  # fmt: skip
    return {"deal_id": deal_id, "period": number, "collected_minor": collected, "remitted_minor": remitted}


def _discount_step(deal: dict[str, Any], earlier: list[dict[str, Any]], pool_end_minor: int) -> int:
    """The discount to amortise now: its share run off with the pool so far, less what was amortised."""
    discount, pool = deal["discount_minor"], deal["pool_principal_minor"]
    if not discount or not pool:
        return 0
    ratio = abs(Fraction(discount * (pool - pool_end_minor), pool))
    whole, rest = divmod(ratio.numerator, ratio.denominator)
    target = (whole + (2 * rest >= ratio.denominator)) * (1 if discount > 0 else -1)  # half away from zero
    return target - sum(p["discount_amortised_minor"] or 0 for p in earlier)


def _run_off(repo: SecuritisationRepository, deal: dict[str, Any], pool_end_minor: int) -> bool:
    """True when nothing is left to collect: no performing pool and no principal in defaulted loans."""
    if pool_end_minor:
        return False
    sums = repo.line_sums(deal["deal_id"])
    taken = sum(m for (_, _, movement, _), m in sums.items() if movement in ("principal_repaid", "principal_written_off"))
    return deal["pool_principal_minor"] - taken == 0


def _post_remittance(uow: Any, deal: dict[str, Any], number: int, today: date, collected: int,
                     paid: dict[str, int], remitted: int, amortised: int) -> str | None:  # fmt: skip
    from creditline.ledger import Account as A
    from creditline.ledger import JournalEntry, Posting
    from creditline.money import Money, currency

    cur, shard = currency(deal["currency"]), deal["shard"]
    writedown = paid["retained_writedown_minor"]
    lines = [
        (A.TRUST_PAYABLE, collected), (A.SERVICING_FEE_RECEIVABLE, -paid["fee_paid_minor"]),
        (A.RETAINED_NOTES, -paid["retained_principal_minor"] - writedown), (A.RETAINED_NOTES_LOSSES, writedown),
        (A.RETAINED_NOTES_INCOME, -paid["retained_income_minor"]), (A.SETTLEMENT_CASH, -remitted),
        (A.ABS_FUNDING_COST, amortised), (A.ABS_DISCOUNT, -amortised),
    ]  # fmt: skip
    postings = tuple(Posting(account, Money(minor, cur), shard) for account, minor in lines if minor)
    if not postings:
        return None
    entry = JournalEntry(new_id("JE"), f"abs:remit:{deal['deal_id']}:{number}", today, f"abs:remit:{deal['deal_id']}",
                         postings, None, f"{deal['name']}: period {number} remitted")  # fmt: skip
    uow.journal.add(entry)
    return entry.entry_id
