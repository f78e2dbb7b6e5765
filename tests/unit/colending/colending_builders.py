"""Builders for the co-lending unit tests: partner files as text, and random shares."""

from __future__ import annotations

from hypothesis import strategies as st

from creditline.funding.colending import SHARE_SCALE, FundingShares, load_partner

CN_MIN_OWN_BP = 3000


def partner_text(
    partner_id: str = "bank-a",
    *,
    cost: str = "3%",
    share_min: str = "10%",
    share_max: str = "70%",
    balance_max: str = "1000000.00",
    concentration: str = "100%",
    grades: str | None = None,
    terms: str | None = None,
    active: str = "true",
    currency: str = "CNY",
    extra: str = "",
    version: int = 1,
) -> str:
    lines = [
        f"partner_id: {partner_id}",
        f"version: {version}",
        f"name: Bank {partner_id}",
        f"currency: {currency}",
        f'cost_of_funds: "{cost}"',
        f"active: {active}",
        f'concentration_limit: "{concentration}"',
        "appetite:",
        f'  balance_max: "{balance_max}"',
        f'  share_min: "{share_min}"',
        f'  share_max: "{share_max}"',
    ]
    if grades is not None:
        lines.append(f"  risk_grades: {grades}")
    if terms is not None:
        lines.append(f"  terms_months: {terms}")
    return "\n".join(lines) + "\n" + extra


def partner(partner_id: str = "bank-a", **settings: object):  # type: ignore[no-untyped-def]
    return load_partner(partner_text(partner_id, **settings), source="p.yaml", min_own_bp=CN_MIN_OWN_BP)  # type: ignore[arg-type]


@st.composite
def funding_shares(draw: st.DrawFn, min_own_bp: int = CN_MIN_OWN_BP) -> FundingShares:
    """One to four partners whose shares leave the platform at least `min_own_bp`."""
    count = draw(st.integers(min_value=1, max_value=4))
    room = SHARE_SCALE - min_own_bp
    chosen: dict[str, int] = {}
    for i in range(count):
        if room <= 0:
            break
        bp = draw(st.integers(min_value=1, max_value=room))
        chosen[f"p{i}"] = bp
        room -= bp
    return FundingShares.of(chosen)
