"""The platform's part of a loan's money movements, which is what it can sell to a trust.

A co-lent loan is split among its funders by co-lending's exact rule (`funding.colending.split_batch`:
largest remainder on cumulative totals, chain by chain); the platform's part is party 0. A loan with
no partner is the platform's whole. The trust bought the platform's part as it stood at the cut-off,
so its parts of anything since are `platform part(now) - platform part(cut-off)` — the same basis
technique co-lending uses, applied to one more party.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np

# what passes to the trust: collections (every component) and principal written off
TRUST_MOVEMENTS = ("principal_repaid", "interest_repaid", "penalty_repaid", "fees_repaid", "principal_written_off")
COLLECTIONS = ("principal_repaid", "interest_repaid", "penalty_repaid", "fees_repaid")
WHOLE = (10_000,)


def totals_of_text(totals_json: str) -> dict[str, int]:
    """A loan row's totals text (every movement but the two accruals) as minor units."""
    return {name: int(value) for name, value in json.loads(totals_json).items()}


def platform_parts(totals: Sequence[dict[str, int]], weights: Sequence[tuple[int, ...]]) -> dict[str, np.ndarray]:
    """The platform's cumulative part of every split movement of many loans (movement -> int64 per loan)."""
    from creditline.funding.colending import SPLIT_MOVEMENTS, split_batch

    count = len(totals)
    if count == 0:
        return {m: np.zeros(0, dtype=np.int64) for m in SPLIT_MOVEMENTS}
    width = max(len(w) for w in weights)
    matrix = np.zeros((count, width), dtype=np.int64)  # fewer parties pad with zero weights at the end
    for row, w in enumerate(weights):
        matrix[row, : len(w)] = w
    arrays = {m: np.fromiter((t.get(m, 0) for t in totals), dtype=np.int64, count=count) for m in SPLIT_MOVEMENTS}
    parts = split_batch(arrays, matrix)
    return {m: parts[m][:, 0].copy() for m in SPLIT_MOVEMENTS}


def own_principal(parts: dict[str, np.ndarray]) -> np.ndarray:
    """The platform's principal outstanding: its part of disbursed less repaid and written off."""
    return parts["disbursed"] - parts["principal_repaid"] - parts["principal_written_off"]


def lent_principal(parts: dict[str, np.ndarray]) -> np.ndarray:
    """The platform's principal not yet repaid, written off or not: what a default takes out of the pool."""
    return parts["disbursed"] - parts["principal_repaid"]
