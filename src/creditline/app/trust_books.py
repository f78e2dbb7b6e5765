"""The trusts' books: each deal's position, and the trust reconciliation (`creditline abs reconcile`).

`reconcile_trusts` checks, per deal and then in total:

1. **the loans**: the trust's parts rebuilt from its sub-ledger (every line, movement by movement)
   equal the platform's part of each sold loan's totals now less at the cut-off, to the cent;
2. **the claim**: the trust's funding (pool at the cut-off less principal repaid and written off)
   equals the platform's principal outstanding in the loans sold;
3. **the waterfall**: over the closed periods it took in exactly what the books collected and paid it
   all out (fees, interest, principal, reserve, residual), and the retained notes' balance in the
   books is the retained tranches' balance in the waterfall;
4. **control totals**: each GL account the trusts use equals the sum of what the deals' records say
   it holds (sale figures, sub-ledger lines, period figures), per currency.

Like co-lending's, a loan changed by a command since the last end of day shows as a difference in (1)
and (2) until the end of day passes its collections through.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import numpy as np
from sqlalchemy import Engine

from creditline.app.trust_split import (
    COLLECTIONS,
    TRUST_MOVEMENTS,
    own_principal,
    platform_parts,
    totals_of_text,
)
from creditline.store import UnitOfWork
from creditline.store.securitisation_repository import SecuritisationRepository, weights_of

INTEREST_LIKE = ("interest_repaid", "penalty_repaid", "fees_repaid")


def deal_books(deal: Mapping[str, Any], sums: Mapping[tuple[str, bool], int], periods: list[dict[str, Any]]) -> dict[str, int]:
    """What a deal's records say each trust account holds for it, debit-positive."""
    closed = [p for p in periods if p["status"] == "closed"]

    def total(name: str) -> int:
        return sum(p[name] or 0 for p in closed)

    def moved(*movements: str) -> int:
        return sum(minor for (m, _), minor in sums.items() if m in movements)

    collected = moved(*COLLECTIONS)
    remitted_collections = total("interest_collected_minor") + total("principal_collected_minor") + total("recoveries_minor")
    fee_accrued = sum(p["fee_accrued_minor"] for p in periods)
    return {
        "trust_funding": -(deal["pool_principal_minor"] - moved("principal_repaid", "principal_written_off")),
        "trust_payable": -(collected - remitted_collections),
        "trust_income": moved(*INTEREST_LIKE),
        "trust_losses": -moved("principal_written_off"),
        "servicing_fee_receivable": fee_accrued - total("fee_paid_minor"),
        "servicing_fee_income": -fee_accrued,
        "retained_notes": deal["retained_minor"] - total("retained_principal_minor") - total("retained_writedown_minor"),
        "retained_notes_income": -total("retained_income_minor"),
        "retained_notes_losses": total("retained_writedown_minor"),
        "abs_discount": deal["discount_minor"] - total("discount_amortised_minor"),
        "abs_funding_cost": total("discount_amortised_minor"),
        "settlement_cash": deal["cash_minor"] - total("remitted_minor"),
    }  # fmt: skip


def deal_position(repo: SecuritisationRepository, deal: Mapping[str, Any]) -> dict[str, str]:
    """The trust's position in the books for one deal, as amounts in major units."""
    from creditline.money import Money

    sums = _movement_sums(repo, deal["deal_id"])
    books = deal_books(deal, sums, repo.periods(deal["deal_id"]))
    cur = deal["currency"]
    performing = deal["pool_principal_minor"] - sums.get(("principal_repaid", False), 0) - sums.get(("defaulted", False), 0)

    def text(minor: int) -> str:
        return Money.of_minor(minor, cur).amount_str()

    return {
        "trust_funding": text(-books["trust_funding"]), "trust_payable": text(-books["trust_payable"]),
        "performing_pool": text(performing), "defaulted": text(sums.get(("defaulted", False), 0)),
        "collected": text(sum(m for (mv, _), m in sums.items() if mv in COLLECTIONS)),
        "recoveries": text(sum(m for (mv, r), m in sums.items() if mv in COLLECTIONS and r)),
        "servicing_fee_receivable": text(books["servicing_fee_receivable"]),
        "retained_notes": text(books["retained_notes"]), "abs_discount": text(books["abs_discount"]),
    }  # fmt: skip


def _movement_sums(repo: SecuritisationRepository, deal_id: str) -> dict[tuple[str, bool], int]:
    sums: dict[tuple[str, bool], int] = defaultdict(int)
    for (_, _, movement, recovery), minor in repo.line_sums(deal_id).items():
        sums[(movement, recovery)] += minor
    return dict(sums)


def reconcile_trusts(engine: Engine, deal_id: str | None = None) -> dict[str, Any]:
    from creditline.app.securitisation import deal_row

    with UnitOfWork(engine, read_only=True) as uow:
        repo = SecuritisationRepository(uow.connection)
        deals = [deal_row(repo, deal_id)] if deal_id else repo.all_deals()
        views = [_deal_reconciliation(repo, deal) for deal in deals]
        gl = repo.gl_sums(list(_ACCOUNTS)) if deal_id is None else {}
        control = _control_differences(gl, views) if deal_id is None else []
    return {
        "clean": all(v["clean"] for v in views) and not control,
        "deals": [{k: v for k, v in view.items() if k != "books"} for view in views],
        "control_differences": control,
    }


_ACCOUNTS = (
    "trust_funding", "trust_payable", "trust_income", "trust_losses", "servicing_fee_receivable",
    "servicing_fee_income", "retained_notes", "retained_notes_income", "retained_notes_losses", "abs_discount",
    "abs_funding_cost",
)  # fmt: skip


def _deal_reconciliation(repo: SecuritisationRepository, deal: dict[str, Any]) -> dict[str, Any]:
    from creditline.app.trust_waterfall import realised_run

    deal_id = deal["deal_id"]
    journal = {m: 0 for m in TRUST_MOVEMENTS}
    sums = _movement_sums(repo, deal_id)
    for (movement, _), minor in sums.items():
        if movement in journal:
            journal[movement] += minor
    loans, outstanding = _loan_parts(repo, deal_id)
    periods = repo.periods(deal_id)
    books = deal_books(deal, sums, periods)
    differences = [{"movement": m, "journal": journal[m], "loans": loans[m]} for m in TRUST_MOVEMENTS if journal[m] != loans[m]]
    claim = -books["trust_funding"]
    run = realised_run(deal, [p for p in periods if p["status"] == "closed"])
    kept = [k for k, t in enumerate(run.structure.tranches) if t.name in json.loads(deal["retained_json"])]
    notes = int(sum(run.result.tranche_balance[0, k, -1] for k in kept))
    waterfall_clean = _conserved(run) and notes == books["retained_notes"]
    return {
        "deal_id": deal_id, "currency": deal["currency"],
        "clean": not differences and claim == outstanding and waterfall_clean,
        "differences": differences, "trust_funding_minor": claim, "loans_outstanding_minor": outstanding,
        "waterfall_conserved": waterfall_clean, "retained_notes_minor": books["retained_notes"],
        "retained_tranches_minor": notes, "books": books,
    }  # fmt: skip


def _loan_parts(repo: SecuritisationRepository, deal_id: str) -> tuple[dict[str, int], int]:
    """The trust's parts of its loans (platform part now less at the cut-off) and their principal now."""
    parts = {m: 0 for m in TRUST_MOVEMENTS}
    outstanding = 0
    for page in repo.sold_loans(deal_id):
        weights = [weights_of(r["weights_json"]) for r in page]
        now = platform_parts([totals_of_text(r["totals_json"]) for r in page], weights)
        cutoff = platform_parts([totals_of_text(r["cutoff_totals_json"]) for r in page], weights)
        for m in TRUST_MOVEMENTS:
            parts[m] += int((now[m] - cutoff[m]).sum())
        outstanding += int(own_principal(now).sum())
    return parts, outstanding


def _conserved(run: Any) -> bool:
    from creditline.app.trust_waterfall import paid_out

    return run.took_in_collections and bool(np.array_equal(run.collections, paid_out(run.result)))


def _control_differences(gl: dict[tuple[str, str], int], views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    expected: dict[tuple[str, str], int] = defaultdict(int)
    for view in views:
        for account, minor in view["books"].items():
            if account in _ACCOUNTS:
                expected[(account, view["currency"])] += minor
    return [
        {"account": account, "currency": code, "general_ledger": gl.get((account, code), 0),
         "deals": expected.get((account, code), 0)}
        for account, code in sorted(set(gl) | set(expected))
        if gl.get((account, code), 0) != expected.get((account, code), 0)
    ]  # fmt: skip
