"""Shared pieces of the pydantic specs (eligibility, structure, assumptions): ratio and amount types,
and the one place where a pydantic validation error becomes a typed `DomainError` naming the field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ValidationError
from pydantic_core import PydanticCustomError

from creditline.funding.errors import (
    FundingError,
    NegativeRate,
    StructureError,
    TrancheSizeMismatch,
    UnknownTriggerMetric,
)
from creditline.funding.ratio import parse_ratio
from creditline.money import ANNUAL_RATE_MAX

Model = TypeVar("Model", bound=BaseModel)

# error codes raised inside validators, mapped back to their typed errors
_TYPED_ERRORS: dict[str, type[FundingError]] = {
    NegativeRate.code: NegativeRate,
    UnknownTriggerMetric.code: UnknownTriggerMetric,
    TrancheSizeMismatch.code: TrancheSizeMismatch,
}


def _ratio_at_most(maximum: Decimal | None) -> Callable[[object], Decimal]:
    def ratio(value: object) -> Decimal:
        try:
            return parse_ratio(value, field="value", maximum=maximum)
        except FundingError as exc:
            raise PydanticCustomError(exc.code, exc.message) from None

    return ratio


def _major_amount(value: object) -> Decimal:
    """An amount in major units, exact: text ("1,000.00"), Decimal or int; never float."""
    if isinstance(value, bool | float):
        raise PydanticCustomError("invalid_amount", "write amounts as text or Decimal, never as a float")
    if isinstance(value, str):
        try:
            amount = Decimal(value.strip().replace(",", ""))
        except ArithmeticError:
            raise PydanticCustomError("invalid_amount", f"{value!r} is not an amount") from None
    elif isinstance(value, Decimal | int):
        amount = Decimal(value)
    else:
        raise PydanticCustomError("invalid_amount", f"expected an amount, got {type(value).__name__}")
    if not amount.is_finite() or amount < 0:
        raise PydanticCustomError("invalid_amount", "an amount is a finite number, zero or more")
    return amount


Ratio = Annotated[Decimal, BeforeValidator(_ratio_at_most(None))]
# A rate a year beyond money's ceiling (1000%) is a percent written without its sign ("3.2" for 3.2%),
# and 1e30 overflowed the waterfall's int64 interest; a part of a whole (a pool factor) is at most 100%.
AnnualRate = Annotated[Decimal, BeforeValidator(_ratio_at_most(ANNUAL_RATE_MAX))]
Share = Annotated[Decimal, BeforeValidator(_ratio_at_most(Decimal(1)))]
MajorAmount = Annotated[Decimal, BeforeValidator(_major_amount)]


def custom_error(error: FundingError) -> PydanticCustomError:
    """Carry a typed funding error through pydantic so that `parse_spec` can restore its type."""
    return PydanticCustomError(error.code, error.message)


def parse_spec(model: type[Model], data: Mapping[str, Any] | Model, *, prefix: str = "") -> Model:
    """Validate `data` against `model`; the first problem becomes a typed error naming its path."""
    if isinstance(data, model):
        return data
    if not isinstance(data, Mapping):
        raise StructureError(
            f"expected a mapping of settings, got {type(data).__name__}", field=prefix or None
        )
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        path = _path(prefix, first["loc"])
        error_class = _TYPED_ERRORS.get(first["type"], StructureError)
        raise error_class(_message(first), field=path or None) from None


def _message(error: Mapping[str, Any]) -> str:
    if error["type"] == "extra_forbidden":
        return "is not a setting this model knows (check the spelling)"
    if error["type"] == "missing":
        return "is required"
    return str(error["msg"]).removeprefix("Value error, ")


def _path(prefix: str, loc: tuple[Any, ...]) -> str:
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = f"{path}.{part}" if path else str(part)
    return path
