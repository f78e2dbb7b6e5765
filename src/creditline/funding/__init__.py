"""Funding: securitisation of loan pools (and, later, co-lending with partner banks).

Pure domain code: values in, values out, no I/O. See docs/securitisation.md.
"""

from creditline.funding.assumptions import Assumptions, DefaultModel, assumptions
from creditline.funding.deal import Deal, DealRun, break_even_cdrs, build_deal, run_deal
from creditline.funding.errors import (
    AssumptionError,
    EmptyPool,
    FundingError,
    NegativeRate,
    StructureError,
    TapeError,
    TrancheSizeMismatch,
    UnknownTriggerMetric,
)
from creditline.funding.metrics import TrancheMetrics, tranche_metrics
from creditline.funding.montecarlo import (
    MonteCarloResult,
    MonteCarloSettings,
    monte_carlo,
    monte_carlo_settings,
)
from creditline.funding.pool import EligibilityCriteria, PoolSelection, eligibility_criteria, select_pool
from creditline.funding.sale import TrustSale, sell_to_trust
from creditline.funding.structure import DealSpec, Structure, deal_spec, resolve_structure
from creditline.funding.tape import TAPE_COLUMNS, LoanTape, loan_tape
from creditline.funding.waterfall import WaterfallResult, run_waterfall

__all__ = [
    "TAPE_COLUMNS",
    "AssumptionError",
    "Assumptions",
    "Deal",
    "DealRun",
    "DealSpec",
    "DefaultModel",
    "EligibilityCriteria",
    "EmptyPool",
    "FundingError",
    "LoanTape",
    "MonteCarloResult",
    "MonteCarloSettings",
    "NegativeRate",
    "PoolSelection",
    "Structure",
    "StructureError",
    "TapeError",
    "TrancheMetrics",
    "TrancheSizeMismatch",
    "TrustSale",
    "UnknownTriggerMetric",
    "WaterfallResult",
    "assumptions",
    "break_even_cdrs",
    "build_deal",
    "deal_spec",
    "eligibility_criteria",
    "loan_tape",
    "monte_carlo",
    "monte_carlo_settings",
    "resolve_structure",
    "run_deal",
    "run_waterfall",
    "select_pool",
    "sell_to_trust",
    "tranche_metrics",
]
