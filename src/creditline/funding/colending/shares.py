"""A loan's funding shares: who funds what fraction of it, fixed at drawdown for the loan's life.

Shares are integer basis points of the loan (`SHARE_SCALE` = 10,000 = 100%), so a share is exact and
a split is integer arithmetic. The platform is always a party (its own share may not fall below the
jurisdiction's minimum); partners follow in partner-id order. That order is also the tie-break of a
split (earlier party first), so the same shares always split the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from creditline.funding.colending.errors import OwnShareBreached, SharesInvalid

SHARE_SCALE = 10_000  # basis points in one whole loan
PLATFORM = "platform"  # the party name of the platform's own share in splits and views
PARTNERS_PER_LOAN_MAX = 8  # a loan split among more funders than this is a configuration mistake


@dataclass(frozen=True, slots=True)
class FundingShares:
    platform_bp: int
    partners: tuple[tuple[str, int], ...]  # (partner id, basis points), sorted by partner id

    def __post_init__(self) -> None:
        ids = [partner_id for partner_id, _ in self.partners]
        if len(set(ids)) != len(ids):
            raise SharesInvalid("a partner appears twice in one loan's shares", field="shares")
        if ids != sorted(ids):
            raise SharesInvalid("partners are listed in partner-id order", field="shares")
        if len(ids) > PARTNERS_PER_LOAN_MAX:
            raise SharesInvalid(f"at most {PARTNERS_PER_LOAN_MAX} partners fund one loan", field="shares")
        if any(bp <= 0 for _, bp in self.partners) or self.platform_bp < 0:
            raise SharesInvalid("every partner's share is positive", field="shares")
        if self.platform_bp + sum(bp for _, bp in self.partners) != SHARE_SCALE:
            raise SharesInvalid("the shares of a loan add up to 100%", field="shares")

    @classmethod
    def own(cls) -> FundingShares:
        """The whole loan on the platform's balance sheet."""
        return cls(SHARE_SCALE, ())

    @classmethod
    def of(cls, partners: dict[str, int]) -> FundingShares:
        """Partners' basis points; the platform keeps the rest."""
        ordered = tuple(sorted(partners.items()))
        return cls(SHARE_SCALE - sum(partners.values()), ordered)

    @property
    def weights(self) -> tuple[int, ...]:
        """Split weights, party by party: the platform first, then each partner."""
        return (self.platform_bp, *(bp for _, bp in self.partners))

    @property
    def parties(self) -> tuple[str, ...]:
        return (PLATFORM, *(partner_id for partner_id, _ in self.partners))

    @property
    def partner_bp(self) -> int:
        return SHARE_SCALE - self.platform_bp

    @property
    def co_lent(self) -> bool:
        return bool(self.partners)

    def share_of(self, partner_id: str) -> int:
        return dict(self.partners).get(partner_id, 0)

    def check_own_share(self, min_own_bp: int) -> None:
        """Raise when the platform keeps less of the loan than the rule requires."""
        if self.platform_bp < min_own_bp:
            raise OwnShareBreached(
                f"the platform keeps {bp_text(self.platform_bp)} of the loan; the minimum is {bp_text(min_own_bp)}",
                field="shares",
            )


def bp_text(bp: int) -> str:
    """Basis points as a percentage for people: 3000 -> "30%", 1250 -> "12.5%"."""
    value = (Decimal(bp) / 100).normalize()
    return f"{value:f}%"


def bp_of_fraction(fraction: Decimal, *, field: str) -> int:
    """A fraction (0.35) as basis points; finer than a basis point is refused, not rounded."""
    scaled = fraction * SHARE_SCALE
    if scaled != scaled.to_integral_value():
        raise SharesInvalid(f"{fraction} is finer than a basis point (0.01%)", field=field)
    if not 0 <= scaled <= SHARE_SCALE:
        raise SharesInvalid(f"{fraction} is not a share between 0% and 100%", field=field)
    return int(scaled)
