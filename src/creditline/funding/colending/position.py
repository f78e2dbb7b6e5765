"""A partner's position and its reconciliation: the journal's view against the loans' view.

Both sides are movement sums (movement -> minor units): the journal side adds up the partner's
sub-ledger lines (its parts of every posted entry), the loans side adds up the partner's split of
every loan's current cumulative totals. They agree to the cent when every movement of every loan
has been posted with the partner's part — which is what `reconcile_partner` checks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from creditline.funding.colending.posting import account_balances, exposure_by_component
from creditline.funding.colending.shares import FundingShares
from creditline.funding.colending.split import SPLIT_MOVEMENTS, split_batch
from creditline.ledger import Account

DIFFERENCES_MAX = 1_000


@dataclass(frozen=True, slots=True)
class PartnerPosition:
    partner_id: str
    movements: dict[str, int]  # cumulative parts, movement -> minor units

    @property
    def exposure(self) -> dict[str, int]:
        """The partner's parts of what borrowers owe, per component (principal, interest, penalty, fees)."""
        return exposure_by_component(self.movements)

    @property
    def accounts(self) -> dict[Account, int]:
        return account_balances(self.movements)

    @property
    def principal_outstanding_minor(self) -> int:
        return self.exposure["principal"]


@dataclass(frozen=True, slots=True)
class Difference:
    partner_id: str
    movement: str
    journal_minor: int
    loans_minor: int


def reconcile_partner(
    partner_id: str, journal: Mapping[str, int], loans: Mapping[str, int]
) -> list[Difference]:
    """Every movement where the partner's posted parts differ from its parts of the loans."""
    return [
        Difference(partner_id, m, journal.get(m, 0), loans.get(m, 0))
        for m in SPLIT_MOVEMENTS
        if journal.get(m, 0) != loans.get(m, 0)
    ][:DIFFERENCES_MAX]


def partner_parts_of_loans(
    loans: Iterable[tuple[Mapping[str, int], FundingShares]],
) -> dict[str, dict[str, int]]:
    """Each partner's parts of many loans' cumulative totals, summed: partner -> movement -> minor."""
    rows = list(loans)
    if not rows:
        return {}
    width = 1 + max(len(shares.partners) for _, shares in rows)
    weights = np.zeros((len(rows), width), dtype=np.int64)
    for i, (_, shares) in enumerate(rows):
        weights[i, : 1 + len(shares.partners)] = shares.weights
    totals = {
        m: np.fromiter((t.get(m, 0) for t, _ in rows), dtype=np.int64, count=len(rows))
        for m in SPLIT_MOVEMENTS
    }
    parts = split_batch(totals, weights)
    sums: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(SPLIT_MOVEMENTS, 0))
    for i, (_, shares) in enumerate(rows):
        for column, (partner_id, _) in enumerate(shares.partners, start=1):
            target = sums[partner_id]
            for m in SPLIT_MOVEMENTS:
                target[m] += int(parts[m][i, column])
    return dict(sums)
