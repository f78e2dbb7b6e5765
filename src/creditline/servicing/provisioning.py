"""Provisions: the IFRS 9 loss allowance EOD books, from `portfolio.ecl`, and the entry that moves it.

The allowance is a balance, so each day books only its change: per currency and shard,
Dr credit-loss expense / Cr loss allowance when it grows, the reverse when it shrinks. The old
balance is the ledger's own (`loss_allowance` per shard), so a missed or repeated day cannot drift.

Every loan on book takes `portfolio.ecl.ecl_table` with the policy's CCF and LGD: active and
overdue loans, and charged-off loans, which stay on the balance sheet until a write-off and carry a
stage-3 allowance, EAD × LGD (`portfolio.snapshot.on_book_expr`). The portfolio report computes its
allowance with the same function, so on the same snapshot and assumptions the two agree to the cent.
A write-off then takes the loan's balances off the books, booking its loss to credit-loss expense
(posting rules), and the next provision run releases that loan's allowance: together, the expense
of a loss is booked once.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import polars as pl

from creditline.errors import DomainError
from creditline.ledger import SHARD_COUNT, Account, Posting
from creditline.money import Money, currency
from creditline.portfolio.delinquency import BUCKET_DAYS, TIER_POLICIES, TierPolicy
from creditline.portfolio.ecl import EclAssumptions, ecl_table
from creditline.portfolio.snapshot import on_book_expr
from creditline.portfolio.staging import SicrPolicy

PERFORMING_BUCKETS = 4  # M0–M3: beyond, more than 90 days past due, the PD is 1


class ProvisioningPolicyInvalid(DomainError):
    code = "provisioning_policy_invalid"


@dataclass(frozen=True, slots=True)
class ProvisioningPolicy:
    policy_id: str
    version: int
    lgd: Decimal
    ccf: Decimal
    tier_policy: TierPolicy
    sicr: SicrPolicy
    pd_default: Decimal
    pd_floor_by_bucket: tuple[Decimal, ...]  # M0..M3

    @property
    def key(self) -> str:
        return f"{self.policy_id}@{self.version}"

    def pd_12m(self, pd_origination: np.ndarray, days_past_due: np.ndarray) -> np.ndarray:
        """The 12-month PD of each loan today: its origination PD, at least its bucket's floor."""
        buckets = np.minimum(-(-days_past_due // BUCKET_DAYS), PERFORMING_BUCKETS)
        floors = np.array([float(f) for f in self.pd_floor_by_bucket] + [1.0])[buckets]
        return np.maximum(pd_origination, floors)


def parse_policy(data: dict[str, Any], source: str) -> ProvisioningPolicy:
    def decimal(name: str, low: Decimal, high: Decimal, value: Any = None) -> Decimal:
        text = data.get(name) if value is None else value
        try:
            number = Decimal(str(text)) if isinstance(text, str) else None
        except ArithmeticError:
            number = None
        if number is None or not number.is_finite() or not low <= number <= high:  # NaN compares by raising
            raise ProvisioningPolicyInvalid(f"must be a number as text in [{low}, {high}] (in {source})", field=name)
        return number

    expected = {"policy_id", "version", "lgd", "ccf", "tier_policy", "sicr_pd_ratio", "sicr_pd_increase",
                "pd_default", "pd_floor_by_bucket"}
    unknown = sorted(set(data) - expected)
    if unknown:
        raise ProvisioningPolicyInvalid(f"unknown setting(s) {', '.join(unknown)} (in {source})", field=unknown[0])
    if not isinstance(data.get("tier_policy"), str) or data["tier_policy"] not in TIER_POLICIES:
        raise ProvisioningPolicyInvalid(f"must be one of {', '.join(TIER_POLICIES)} (in {source})", field="tier_policy")
    floors = data.get("pd_floor_by_bucket")
    if not isinstance(floors, list) or len(floors) != PERFORMING_BUCKETS:
        raise ProvisioningPolicyInvalid(f"needs {PERFORMING_BUCKETS} floors, M0 to M3 (in {source})",
                                        field="pd_floor_by_bucket")
    if not isinstance(data.get("version"), int) or not isinstance(data.get("policy_id"), str):
        raise ProvisioningPolicyInvalid(f"policy_id (text) and version (a number) are required (in {source})",
                                        field="version")
    return ProvisioningPolicy(
        policy_id=data["policy_id"],
        version=data["version"],
        lgd=decimal("lgd", Decimal(0), Decimal(1)),
        ccf=decimal("ccf", Decimal(0), Decimal(1)),
        tier_policy=TIER_POLICIES[data["tier_policy"]],
        sicr=SicrPolicy(decimal("sicr_pd_ratio", Decimal(1), Decimal(100)),
                        decimal("sicr_pd_increase", Decimal(0), Decimal(1))),
        pd_default=decimal("pd_default", Decimal(0), Decimal(1)),
        pd_floor_by_bucket=tuple(decimal("pd_floor_by_bucket", Decimal(0), Decimal(1), f) for f in floors),
    )


@lru_cache(maxsize=16)
def builtin_provisioning_policy(name: str = "ifrs9-cn") -> ProvisioningPolicy:
    entry = resources.files("creditline.servicing").joinpath("provisioning_policies").joinpath(f"{name}.toml")
    if not entry.is_file():
        raise ProvisioningPolicyInvalid(f"no shipped provisioning policy {name!r}", field="policy")
    return parse_policy(tomllib.loads(entry.read_text(encoding="utf-8")), f"{name}.toml")


@dataclass(frozen=True, slots=True)
class Allowance:
    """The loss allowance of one currency's book on one date, per shard and per stage."""

    currency: str
    by_shard: dict[int, int]
    stage_minor: tuple[int, int, int]
    exposures: int

    @property
    def total_minor(self) -> int:
        return sum(self.by_shard.values())


def allowance(day: pl.DataFrame, shards: np.ndarray, policy: ProvisioningPolicy) -> Allowance:
    """The allowance over one date's snapshot rows of one currency; `shards[i]` is row i's shard."""
    codes = day.get_column("currency").unique().to_list()
    assert len(codes) <= 1, "one currency at a time"
    indexed = day.with_columns(pl.Series("shard", shards, dtype=pl.Int64))
    on_book = ecl_table(indexed, EclAssumptions(ccf=policy.ccf, lgd_pool=policy.lgd))
    on_book_shard = indexed.filter(on_book_expr()).get_column("shard").to_numpy()  # ecl_table keeps row order
    by_shard = np.zeros(SHARD_COUNT, dtype=np.int64)
    np.add.at(by_shard, on_book_shard, on_book.get_column("ecl_minor").to_numpy())
    stage = on_book.get_column("stage").to_numpy()
    ecl = on_book.get_column("ecl_minor").to_numpy()
    stages = (int(ecl[stage == 1].sum()), int(ecl[stage == 2].sum()), int(ecl[stage == 3].sum()))
    return Allowance(
        currency=codes[0] if codes else "",
        by_shard={s: int(v) for s, v in enumerate(by_shard.tolist()) if v},
        stage_minor=stages,
        exposures=on_book.height,
    )


def allowance_postings(new_by_shard: dict[int, int], old_by_shard: dict[int, int], code: str) -> list[Posting]:
    """The postings that take the booked allowance from `old` to `new`, shard by shard."""
    cur = currency(code)
    postings: list[Posting] = []
    for shard in sorted(set(new_by_shard) | set(old_by_shard)):
        change = new_by_shard.get(shard, 0) - old_by_shard.get(shard, 0)
        if change:
            postings.append(Posting(Account.CREDIT_LOSS_EXPENSE, Money(change, cur), shard))
            postings.append(Posting(Account.LOSS_ALLOWANCE, Money(-change, cur), shard))
    return postings
