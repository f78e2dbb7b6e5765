"""The end-of-day co-lending stage: the partners' parts of the day, one entry per currency.

A CLOSE stage after `accrue`: it finds every co-lent loan whose row changed since its partners'
parts were last posted (the day's accrual, an auto-debit, a coupon's waiver — any path) and posts
`split(now) - split(basis)` for all of them as one entry per currency (postings per account and
shard, like the accrual summary), with the partner sub-ledger lines per partner, movement and shard.

Most loans changed only by accruing: their totals text equals the basis's, so only the two accrual
inflows are split (numpy, no JSON); the outflows' parts cannot have moved. The others are parsed and
split in full. The bases then move to the rows as they are, in one statement.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import numpy as np

from creditline.app.colending_posting import principal_changes, totals_of_row
from creditline.app.common import new_id
from creditline.app.eod_stages import EodContext, StageResult
from creditline.store.colending_repository import ColendingRepository

REFERENCE = "colending:eod"
ACCRUALS = (("interest_accrued", "interest_accrued_minor"), ("penalty_accrued", "penalty_accrued_minor"))
Sink = dict[
    str, dict[tuple[str, str, bool, int], int]
]  # currency -> (partner, movement, recovery, shard) -> minor


def post_partner_shares(uow: Any, business_date: date, context: EodContext) -> StageResult:
    repo = ColendingRepository(uow.connection)
    day: Sink = defaultdict(lambda: defaultdict(int))
    loans = 0
    for page in repo.stale_pages():
        loans += len(page)
        _page_parts(page, day)
    refreshed = repo.refresh_bases()
    assert refreshed == loans, "every stale loan's basis moves with its posting"
    entries = [
        _post_currency(uow, repo, business_date, currency, parts) for currency, parts in sorted(day.items())
    ]
    posted = [e for e in entries if e is not None]
    summary = {"loans": loans, "entries": posted}
    return StageResult(
        "colending", summary, f"{loans} co-lent loans caught up, {len(posted)} partner entries"
    )


def _page_parts(page: list[dict[str, Any]], sink: Sink) -> None:
    """Add a page's partner parts to `sink`, loans grouped by (currency, partners, charged off)."""
    from creditline.funding.colending import SHARE_SCALE
    from creditline.ledger import SHARD_COUNT

    groups: dict[tuple[str, tuple[str, ...], bool], list[dict[str, Any]]] = defaultdict(list)
    for row in page:
        key = (row["currency"], tuple(p for p, _ in row["shares"]), bool(row["basis_charged_off"]))
        groups[key].append(row)
    for (currency, partners, charged_off), rows in groups.items():
        weights = np.array([[SHARE_SCALE - sum(bp for _, bp in r["shares"]), *(bp for _, bp in r["shares"])] for r in rows],
                           dtype=np.int64)  # fmt: skip
        shards = np.fromiter((r["shard"] for r in rows), dtype=np.int64, count=len(rows))
        for movement, moved in _moved(rows, weights).items():
            recovery = charged_off and movement.endswith("_repaid")
            for column, partner_id in enumerate(partners, start=1):
                if not moved[:, column].any():
                    continue
                by_shard = np.zeros(SHARD_COUNT, dtype=np.int64)
                np.add.at(by_shard, shards, moved[:, column])
                for shard in np.flatnonzero(by_shard).tolist():
                    sink[currency][(partner_id, movement, recovery, shard)] += int(by_shard[shard])


def _moved(rows: list[dict[str, Any]], weights: np.ndarray) -> dict[str, np.ndarray]:
    """Each movement's change of every party's part (loans x parties)."""
    from creditline.funding.colending import SPLIT_MOVEMENTS, split_batch
    from creditline.funding.colending.split import allocate_batch

    moved: dict[str, np.ndarray] = {}
    for movement, column in ACCRUALS:
        now = np.fromiter((r[column] for r in rows), dtype=np.int64, count=len(rows))
        basis = np.fromiter((r[f"basis_{column}"] for r in rows), dtype=np.int64, count=len(rows))
        moved[movement] = allocate_batch(now, weights) - allocate_batch(basis, weights)
    changed = [i for i, r in enumerate(rows) if r["changed"]]
    if changed:
        index = np.array(changed, dtype=np.int64)
        now_rows = [
            totals_of_row(
                rows[i]["totals_json"], rows[i]["interest_accrued_minor"], rows[i]["penalty_accrued_minor"]
            )
            for i in changed
        ]
        basis_rows = [totals_of_row(rows[i]["basis_totals_json"], rows[i]["basis_interest_accrued_minor"],
                                    rows[i]["basis_penalty_accrued_minor"]) for i in changed]  # fmt: skip
        after = split_batch(
            {m: np.array([t[m] for t in now_rows], dtype=np.int64) for m in SPLIT_MOVEMENTS}, weights[index]
        )
        before = split_batch(
            {m: np.array([t[m] for t in basis_rows], dtype=np.int64) for m in SPLIT_MOVEMENTS}, weights[index]
        )
        for m in SPLIT_MOVEMENTS:
            target = moved.setdefault(m, np.zeros_like(weights))
            target[index] = after[m] - before[m]
    return moved


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
