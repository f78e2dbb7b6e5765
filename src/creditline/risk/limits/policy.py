"""The limit policy as versioned data: band multiples, affordability and the jurisdiction's caps."""

from __future__ import annotations

import hashlib
import json
from fractions import Fraction
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from creditline.money import currency
from creditline.risk.limits.errors import InvalidLimitPolicy
from creditline.risk.limits.ratio import parse_ratio


class JurisdictionCaps(BaseModel):
    """Caps a regulator sets on one person's outstanding balance (null: no such cap)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    balance_max_major: int | None = Field(default=None, gt=0)
    annual_income_share_max: str | None = None  # of average annual income, e.g. "1/3"
    rule: str = ""  # the regulation, for the explanation shown to the borrower


class LimitPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    version: str
    currency: str
    round_to_major: int = Field(gt=0)
    limit_min_major: int = Field(ge=0)
    initial_limit_max_major: int = Field(gt=0)
    debt_to_income_max: str  # all monthly repayments, the new line's included, over monthly income
    payment_per_limit_monthly: str  # repayment a fully drawn line costs a month, per unit of limit
    band_income_multiples: dict[str, str]  # band -> months of income; "0" closes the band
    caps: JurisdictionCaps

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, code: str) -> str:
        return currency(code).code

    @field_validator("debt_to_income_max", "payment_per_limit_monthly")
    @classmethod
    def _ratio(cls, text: str) -> str:
        parse_ratio(text)
        return text

    @field_validator("band_income_multiples")
    @classmethod
    def _multiples(cls, bands: dict[str, str]) -> dict[str, str]:
        for value in bands.values():
            parse_ratio(value)
        return bands

    def ratio(self, name: str) -> Fraction:
        return parse_ratio(getattr(self, name))

    @property
    def digest(self) -> str:
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def parse_limit_policy(text: str, *, source: str = "limit_policy") -> LimitPolicy:
    try:
        return LimitPolicy.model_validate(yaml.safe_load(text))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join([source, *(str(part) for part in first["loc"])])
        raise InvalidLimitPolicy(first["msg"].removeprefix("Value error, "), field=where) from exc
    except (ValueError, yaml.YAMLError) as exc:
        raise InvalidLimitPolicy(str(exc).splitlines()[0][:300], field=source) from exc


def builtin_limit_policy(name: str) -> LimitPolicy:
    resource = resources.files("creditline.risk.limits") / "policies" / f"{name}.yaml"
    if not name.replace("_", "").isalnum() or not resource.is_file():
        raise InvalidLimitPolicy(f"no limit policy named {name!r}", field="limit_policy")
    return parse_limit_policy(resource.read_text(encoding="utf-8"), source=f"{name}.yaml")
