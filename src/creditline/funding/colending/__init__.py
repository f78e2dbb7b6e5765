"""Co-lending: partner banks fund a share of each loan; every movement is split exactly.

Pure domain code (values in, values out). See docs/co-lending.md.

- `load_partner` / `FundingPartner`: partner files (appetite, concentration limit, cost of funds);
- `load_rules` / `shipped_rules`: the platform's minimum own share per jurisdiction;
- `allocate`: the shares of a new loan (cheapest cost of funds first, within every limit);
- `split_totals` / `split_batch`: each party's exact part of a loan's cumulative totals;
- `partner_postings`: a partner's parts as postings on the partner accounts;
- `reconcile_partner`, `partner_parts_of_loans`, `build_statement`: positions, checks and statements.
"""

from creditline.funding.colending.allocator import (
    POLICY,
    Allocation,
    LoanToFund,
    PartnerDecision,
    PartnerStanding,
    allocate,
)
from creditline.funding.colending.errors import (
    ColendingError,
    OwnShareBreached,
    PartnerExists,
    PartnerInvalid,
    RulesInvalid,
    SharesInvalid,
    UnknownJurisdiction,
    UnknownPartner,
)
from creditline.funding.colending.partner import Appetite, FundingPartner, load_partner
from creditline.funding.colending.position import (
    Difference,
    PartnerPosition,
    partner_parts_of_loans,
    reconcile_partner,
)
from creditline.funding.colending.posting import PARTNER_ACCOUNTS, PARTNER_RULES, partner_postings
from creditline.funding.colending.rules import ColendingRules, load_rules, shipped_rules
from creditline.funding.colending.shares import PLATFORM, SHARE_SCALE, FundingShares, bp_text
from creditline.funding.colending.split import CHAINS, SPLIT_MOVEMENTS, split_batch, split_delta, split_totals
from creditline.funding.colending.statement import PartnerStatement, build_statement

__all__ = [
    "CHAINS",
    "PARTNER_ACCOUNTS",
    "PARTNER_RULES",
    "PLATFORM",
    "POLICY",
    "SHARE_SCALE",
    "SPLIT_MOVEMENTS",
    "Allocation",
    "Appetite",
    "ColendingError",
    "ColendingRules",
    "Difference",
    "FundingPartner",
    "FundingShares",
    "LoanToFund",
    "OwnShareBreached",
    "PartnerDecision",
    "PartnerExists",
    "PartnerInvalid",
    "PartnerPosition",
    "PartnerStanding",
    "PartnerStatement",
    "RulesInvalid",
    "SharesInvalid",
    "UnknownJurisdiction",
    "UnknownPartner",
    "allocate",
    "bp_text",
    "build_statement",
    "load_partner",
    "load_rules",
    "partner_parts_of_loans",
    "partner_postings",
    "reconcile_partner",
    "shipped_rules",
    "split_batch",
    "split_delta",
    "split_totals",
]
