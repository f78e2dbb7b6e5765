"""Co-lending rules: the platform's minimum own share of each co-lent loan, per jurisdiction.

China's 2020-2021 rules make the platform (the cooperating institution) fund at least 30% of every
co-lent loan; other jurisdictions set their own figure, so the rule is data (`rules.yaml`, versioned)
rather than a constant. Every allocation records the rules version and the minimum it applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field

from creditline.funding.colending.errors import RulesInvalid, SharesInvalid, UnknownJurisdiction
from creditline.funding.colending.files import content_hash, parse_text, validate
from creditline.funding.colending.shares import bp_of_fraction
from creditline.funding.spec import Ratio

JURISDICTIONS_MAX = 200


class JurisdictionModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    min_own_share: Ratio
    source: str = Field(default="", max_length=1_000)


class RulesModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(ge=1)
    default_jurisdiction: str = Field(pattern=r"^[A-Z]{2}$")
    jurisdictions: dict[str, JurisdictionModel] = Field(min_length=1, max_length=JURISDICTIONS_MAX)


@dataclass(frozen=True, slots=True)
class ColendingRules:
    version: int
    default_jurisdiction: str
    min_own_bp_by_jurisdiction: dict[str, int]
    content_hash: str

    def min_own_bp(self, jurisdiction: str | None = None) -> int:
        """The platform's minimum own share in basis points where it lends (default jurisdiction if None)."""
        name = jurisdiction or self.default_jurisdiction
        if name not in self.min_own_bp_by_jurisdiction:
            known = ", ".join(sorted(self.min_own_bp_by_jurisdiction))
            raise UnknownJurisdiction(
                f"no co-lending rules for {name!r} (known: {known})", field="jurisdiction"
            )
        return self.min_own_bp_by_jurisdiction[name]


def load_rules(text: str, *, source: str) -> ColendingRules:
    model = validate(RulesModel, parse_text(text, source, RulesInvalid), RulesInvalid)
    minimums: dict[str, int] = {}
    for name, item in model.jurisdictions.items():
        field = f"jurisdictions.{name}.min_own_share"
        try:
            minimums[name] = bp_of_fraction(item.min_own_share, field=field)
        except SharesInvalid as exc:
            raise RulesInvalid(exc.message, field=field) from None
    if model.default_jurisdiction not in minimums:
        raise RulesInvalid(
            f"{model.default_jurisdiction} has no entry under jurisdictions", field="default_jurisdiction"
        )
    return ColendingRules(model.version, model.default_jurisdiction, minimums, content_hash(model))


@cache
def shipped_rules() -> ColendingRules:
    """The rules shipped with creditline (China's 30% minimum own share)."""
    text = (resources.files("creditline.funding.colending") / "rules.yaml").read_text(encoding="utf-8")
    return load_rules(text, source="rules.yaml")
