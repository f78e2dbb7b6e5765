"""The allocator: at drawdown, which partners fund what share of the new loan.

Policy (`cheapest-first`): partners are offered the loan in order of cost of funds, cheapest first
(ties by partner id, so the result never depends on listing order). Each eligible partner takes as
much as it can, up to the least of
- its own maximum share (`appetite.share_max`),
- what the platform's minimum own share still leaves for partners,
- its remaining appetite (`appetite.balance_max` less the principal it funds now),
- its concentration limit (its funded principal, this loan included, as a share of the platform's
  whole loan book, this loan included);
and is passed over when that is below its minimum share. When nobody fits, the platform funds the
whole loan. Limits are checked on the exact split of the principal (largest remainder), not on the
rounded share, so no limit is ever exceeded by a rounding cent.

Pure and deterministic: the same loan, partners and positions give the same shares.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from creditline.funding.colending.partner import FundingPartner
from creditline.funding.colending.shares import SHARE_SCALE, FundingShares
from creditline.money import Money

POLICY = "cheapest-first"
FIT_ROUNDS_MAX = 64  # each round moves one basis point off one partner; a few rounds at most in practice
PARTNERS_CONSIDERED_MAX = 100


@dataclass(frozen=True, slots=True)
class LoanToFund:
    principal: Money
    term_months: int
    risk_grade: str | None  # None: unrated


@dataclass(frozen=True, slots=True)
class PartnerStanding:
    """A partner as the allocator sees it: its terms and the principal it funds right now."""

    partner: FundingPartner
    outstanding_minor: int


@dataclass(frozen=True, slots=True)
class PartnerDecision:
    partner_id: str
    version: int
    share_bp: int  # 0 when passed over
    reason: str  # "funded", or why not: inactive, currency, risk_grade, term, own_share, share_max,
    # appetite, concentration


@dataclass(frozen=True, slots=True)
class Allocation:
    shares: FundingShares
    decisions: tuple[PartnerDecision, ...]
    min_own_bp: int
    policy: str = POLICY

    def version_of(self, partner_id: str) -> int:
        return next(d.version for d in self.decisions if d.partner_id == partner_id)


@dataclass(frozen=True, slots=True)
class _Room:
    """How far one partner may go on this loan: in basis points, and in minor units of principal."""

    share_bp: int
    reason: str  # the limit that binds the share
    amount_max_minor: int  # the partner's part of the principal, at most
    amount_reason: str  # the limit that binds the amount


def allocate(
    loan: LoanToFund, standings: Sequence[PartnerStanding], *, book_outstanding_minor: int, min_own_bp: int
) -> Allocation:
    assert loan.principal.is_positive(), "a drawdown lends a positive principal"
    assert 0 <= min_own_bp <= SHARE_SCALE and book_outstanding_minor >= 0
    assert len(standings) <= PARTNERS_CONSIDERED_MAX, "too many partners to consider for one loan"
    ordered = sorted(standings, key=lambda s: (s.partner.cost_of_funds.annual(), s.partner.partner_id))
    room_bp = SHARE_SCALE - min_own_bp
    chosen: dict[str, int] = {}
    rooms: dict[str, _Room] = {}
    reasons: dict[str, str] = {}
    for standing in ordered:
        partner = standing.partner
        reason = _ineligible(partner, loan)
        if reason is None:
            room = _room(standing, loan, book_outstanding_minor, room_bp)
            if room.share_bp >= partner.appetite.share_min_bp:
                chosen[partner.partner_id], rooms[partner.partner_id] = room.share_bp, room
                room_bp -= room.share_bp
                continue
            reason = room.reason
        reasons[partner.partner_id] = reason
    _fit(loan.principal, chosen, rooms, reasons, {s.partner.partner_id: s.partner for s in standings})
    shares = FundingShares.of(chosen)
    shares.check_own_share(min_own_bp)
    decisions = tuple(
        PartnerDecision(s.partner.partner_id, s.partner.version, chosen.get(s.partner.partner_id, 0),
                        "funded" if s.partner.partner_id in chosen else reasons[s.partner.partner_id])
        for s in ordered
    )  # fmt: skip
    return Allocation(shares, decisions, min_own_bp)


def _ineligible(partner: FundingPartner, loan: LoanToFund) -> str | None:
    if not partner.active:
        return "inactive"
    if partner.currency != loan.principal.currency:
        return "currency"
    if not partner.appetite.takes_grade(loan.risk_grade):
        return "risk_grade"
    if not partner.appetite.takes_term(loan.term_months):
        return "term"
    return None


def _room(standing: PartnerStanding, loan: LoanToFund, book_minor: int, room_bp: int) -> _Room:
    partner, principal_minor = standing.partner, loan.principal.minor
    appetite_left = partner.appetite.balance_max.minor - standing.outstanding_minor
    concentration_left = (
        partner.concentration_limit_bp * (book_minor + principal_minor) // SHARE_SCALE
        - standing.outstanding_minor
    )
    candidates = [
        (room_bp, "own_share"),
        (partner.appetite.share_max_bp, "share_max"),
        (_bp_within(appetite_left, principal_minor), "appetite"),
        (_bp_within(concentration_left, principal_minor), "concentration"),
    ]
    share_bp, reason = min(candidates, key=lambda c: c[0])
    amount_reason = "appetite" if appetite_left <= concentration_left else "concentration"
    return _Room(max(share_bp, 0), reason, min(appetite_left, concentration_left), amount_reason)


def _bp_within(amount_minor: int, principal_minor: int) -> int:
    """The largest share whose exact part of the principal is within `amount_minor`."""
    if amount_minor <= 0:
        return 0
    return min(amount_minor * SHARE_SCALE // principal_minor, SHARE_SCALE)


def _fit(
    principal: Money, chosen: dict[str, int], rooms: dict[str, _Room], reasons: dict[str, str],
    partners: dict[str, FundingPartner],
) -> None:  # fmt: skip
    """Trim a basis point off any partner whose rounded part of the principal passes its limit."""
    for _ in range(FIT_ROUNDS_MAX):
        if not chosen:
            return
        shares = FundingShares.of(chosen)
        parts = principal.allocate(list(shares.weights))[1:]
        over = [
            pid
            for (pid, _), part in zip(shares.partners, parts, strict=True)
            if part.minor > rooms[pid].amount_max_minor
        ]
        if not over:
            return
        for partner_id in over:
            chosen[partner_id] -= 1
            if chosen[partner_id] < partners[partner_id].appetite.share_min_bp:
                del chosen[partner_id]
                reasons[partner_id] = rooms[partner_id].amount_reason
    raise AssertionError("the allocation did not settle within its rounds")
