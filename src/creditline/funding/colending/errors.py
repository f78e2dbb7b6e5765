"""Typed errors of co-lending: a partner file, the platform's own-share rule, an allocation or a split.

Each names the input that broke the rule (`field=`), so the CLI prints `error: --<field>: <rule>`
and exits 2 with nothing changed.
"""

from __future__ import annotations

from creditline.errors import Conflict, NotFound
from creditline.funding.errors import FundingError


class ColendingError(FundingError):
    code = "invalid_colending_input"


class PartnerInvalid(ColendingError):
    """A partner file breaks the schema (unknown field, missing field, wrong type, bad range)."""

    code = "invalid_partner"


class RulesInvalid(ColendingError):
    """A co-lending rules file (minimum own share per jurisdiction) breaks its schema."""

    code = "invalid_colending_rules"


class OwnShareBreached(ColendingError):
    """Partners would fund more of a loan than the platform's minimum own share leaves them."""

    code = "own_share_breached"


class SharesInvalid(ColendingError):
    """Funding shares that do not add up to the whole loan, repeat a partner or are not positive."""

    code = "invalid_funding_shares"


class UnknownJurisdiction(ColendingError):
    code = "unknown_jurisdiction"


class UnknownPartner(NotFound):
    code = "unknown_partner"


class PartnerExists(Conflict):
    """A partner id registered already with other content under the same version."""

    code = "partner_exists"
