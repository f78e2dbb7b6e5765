"""An illustrative treasury position for the demo: the figures the loan snapshots cannot give.

Capital, high-quality liquid assets and wholesale funding are not in a lending book; the report
and the console compute LCR, capital adequacy and leverage only when given them
(`--balance-sheet`, `CREDITLINE_BALANCE_SHEET`). The demo invents a plausible position in
proportion to the simulated book — capital 17% of the drawn principal, liquid assets 30%, the
book funded 70% wholesale with a tenth of it maturing within 30 days — and says so wherever it
shows the ratios. These are not outcomes of the simulation.
"""

from __future__ import annotations

from typing import Any

# Shares of the drawn principal, in basis points (integer arithmetic: these become amounts).
CET1_BP = 1_500
TIER2_BP = 200
HQLA_LEVEL1_BP = 2_500
HQLA_LEVEL2A_BP = 500
WHOLESALE_FUNDING_BP = 7_000
WHOLESALE_RUN_OFF = "0.10"  # the share of wholesale funding that matures within 30 days


def illustrative_balance_sheet(drawn_principal_minor: int, currency: str) -> dict[str, Any]:
    """The balance-sheet mapping `portfolio.balance_sheet.parse_balance_sheet` reads."""
    from creditline.money import Money

    def share(basis_points: int) -> str:
        return Money.of_minor(drawn_principal_minor * basis_points // 10_000, currency).amount_str()

    return {
        "currency": currency,
        "capital": {"cet1": share(CET1_BP), "additional_tier1": "0", "tier2": share(TIER2_BP)},
        "hqla": {"level1": share(HQLA_LEVEL1_BP), "level2a": share(HQLA_LEVEL2A_BP), "level2b": "0"},
        "outflows": [
            {
                "name": "wholesale funding (illustrative)",
                "amount": share(WHOLESALE_FUNDING_BP),
                "rate": WHOLESALE_RUN_OFF,
            }
        ],
        "other_assets": share(HQLA_LEVEL1_BP + HQLA_LEVEL2A_BP),
    }
