"""The end-of-day co-lending stage: the partners' parts of the day, one entry per currency.

A CLOSE stage after `accrue`: it finds every co-lent loan whose row changed since its partners'
parts were last posted (the day's accrual, an auto-debit, a coupon's waiver — any path), splits the
loans' totals now and at their basis in one numpy batch, and posts the differences as one entry per
currency (postings per account and shard, like the accrual summary), with the partner sub-ledger
lines per partner, movement and shard. The loans' bases move in the same transaction.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from typing import Any

import numpy as np

from creditline.app.colending_posting import CHARGED_OFF, principal_changes
from creditline.app.common import new_id
from creditline.app.eod_stages import EodContext, StageResult
from creditline.store.colending_repository import ColendingRepository
from creditline.store.loan_repository import ACCRUED_TOTALS

REFERENCE = "colending:eod"


def post_partner_shares(uow: Any, business_date: date, context: EodContext) -> StageResult:
    repo = ColendingRepository(uow.connection)
    # (currency) -> (partner, movement, recovery, shard) -> minor
    day: dict[str, dict[tuple[str, str, bool, int], int]] = defaultdict(lambda: defaultdict(int))
    loans = 0
    for page in repo.stale_pages():
        loans += len(page)
        for currency, parts in _page_parts(page).items():
            for key, minor in parts.items():
                day[currency][key] += minor
        repo.set_bases([_basis_row(row) for row in page])
    entries = [
        _post_currency(uow, repo, business_date, currency, parts) for currency, parts in sorted(day.items())
    ]
    posted = [e for e in entries if e is not None]
    summary = {"loans": loans, "entries": posted}
    return StageResult(
        "colending", summary, f"{loans} co-lent loans caught up, {len(posted)} partner entries"
    )


def _page_parts(page: list[dict[str, Any]]) -> dict[str, dict[tuple[str, str, bool, int], int]]:
    from creditline.funding.colending import SPLIT_MOVEMENTS, split_batch

    width = 1 + max(len(row["shares"]) for row in page)
    weights = np.zeros((len(page), width), dtype=np.int64)
    for i, row in enumerate(page):
        weights[i, : 1 + len(row["shares"])] = [_platform_bp(row["shares"]), *(bp for _, bp in row["shares"])]
    now = [_totals(row) for row in page]
    basis = [json.loads(row["basis_json"]) for row in page]
    after = split_batch({m: np.array([t[m] for t in now], dtype=np.int64) for m in SPLIT_MOVEMENTS}, weights)
    before = split_batch(
        {m: np.array([b.get(m, 0) for b in basis], dtype=np.int64) for m in SPLIT_MOVEMENTS}, weights
    )
    parts: dict[str, dict[tuple[str, str, bool, int], int]] = defaultdict(lambda: defaultdict(int))
    for m in SPLIT_MOVEMENTS:
        moved = after[m] - before[m]
        for i in np.flatnonzero(moved[:, 1:].any(axis=1)).tolist():
            row = page[i]
            recovery = bool(row["basis_charged_off"]) and m.endswith("_repaid")
            for column, (partner_id, _) in enumerate(row["shares"], start=1):
                minor = int(moved[i, column])
                if minor:
                    parts[row["currency"]][(partner_id, m, recovery, row["shard"])] += minor
    return parts


def _post_currency(uow: Any, repo: ColendingRepository, on: date, currency: str, parts: dict) -> str | None:
    from creditline.funding.colending import partner_postings
    from creditline.ledger import JournalEntry
    from creditline.money import currency as currency_of

    cur = currency_of(currency)
    by_shard: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (_, movement, _, shard), minor in parts.items():
        by_shard[shard][movement] += minor
    postings = partner_postings(sorted(by_shard.items()), cur)
    if not postings:
        return None
    entry = JournalEntry(new_id("JE"), f"{REFERENCE}:{on.isoformat()}:{currency}", on, f"{REFERENCE}:{on.isoformat()}",
                         tuple(postings), None, f"co-lending partners' parts of {on.isoformat()} ({currency})")  # fmt: skip
    uow.journal.add(entry)
    repo.add_lines(
        [
            {"entry_id": entry.entry_id, "partner_id": partner_id, "loan_id": None, "borrower_id": None, "shard": shard,
             "business_date": on, "currency": currency, "movement": movement, "recovery": recovery, "amount_minor": minor}
            for (partner_id, movement, recovery, shard), minor in sorted(parts.items())
            if minor != 0
        ]
    )  # fmt: skip
    principal: dict[tuple[str, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (partner_id, movement, _, shard), minor in parts.items():
        principal[(partner_id, shard)][movement] += minor
    repo.add_principal(principal_changes(((p, s, d) for (p, s), d in principal.items()), currency))
    return entry.entry_id


def _totals(row: dict[str, Any]) -> dict[str, int]:
    totals = json.loads(row["totals_json"])
    for name, column in ACCRUED_TOTALS.items():
        totals[name] = row[column]
    return {k: int(v) for k, v in totals.items()}


def _basis_row(row: dict[str, Any]) -> dict[str, Any]:
    from creditline.funding.colending import SPLIT_MOVEMENTS

    totals = _totals(row)
    return {
        "k_loan_id": row["loan_id"],
        "k_basis_json": json.dumps({m: totals.get(m, 0) for m in SPLIT_MOVEMENTS}, sort_keys=True),
        "k_basis_version": row["version"],
        "k_charged_off": row["status"] == CHARGED_OFF,
    }


def _platform_bp(shares: list[tuple[str, int]]) -> int:
    from creditline.funding.colending import SHARE_SCALE

    return SHARE_SCALE - sum(bp for _, bp in shares)
