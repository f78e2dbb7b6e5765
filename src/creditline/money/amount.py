"""`Money`: an integer count of minor units with its currency. Never a float."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal, InvalidOperation
from functools import lru_cache, reduce

from creditline.money.currency import Currency, currency
from creditline.money.errors import CurrencyMismatch, InvalidAmount
from creditline.money.rounding import CONTEXT, Rounding, to_minor

# Amounts are stored as SQL BIGINT minor units; anything larger is a mistake, not a loan.
MINOR_ABS_MAX = 2**63 - 1

# Plain decimal notation in ASCII digits, optionally grouped by commas in threes; no exponents, no NaN/Infinity.
_AMOUNT = re.compile(r"^[+-]?([0-9]{1,3}(,[0-9]{3})+|[0-9]+)(\.[0-9]+)?$|^[+-]?\.[0-9]+$")


@lru_cache(maxsize=1024)
def _parsed(text: str, cur: Currency, field: str) -> Money:
    """`Money.parse` of text, kept: a command parses its amount twice (its request's hash and its event),
    and clients repay the same few amounts. Only results are kept; an error is raised anew each time."""
    cleaned = text.strip()
    if not _AMOUNT.match(cleaned):
        raise InvalidAmount(f"{text!r} is not an amount (digits, optional sign and decimal point)", field=field)
    try:
        value = Decimal(cleaned.replace(",", ""))
    except InvalidOperation as exc:  # unreachable given the pattern, kept as a guard
        raise InvalidAmount(f"{text!r} is not an amount", field=field) from exc
    return Money.from_decimal(value, cur, rounding=None, field=field)


def _exact(value: Decimal) -> Context:
    """CONTEXT with the precision to scale `value` without rounding it."""
    return Context(prec=len(value.as_tuple().digits) + 1, rounding=CONTEXT.rounding, Emax=CONTEXT.Emax, Emin=CONTEXT.Emin)


@dataclass(frozen=True, slots=True)
class Money:
    minor: int
    currency: Currency

    def __post_init__(self) -> None:
        if isinstance(self.minor, bool) or not isinstance(self.minor, int):
            raise TypeError(f"Money.minor must be int, got {type(self.minor).__name__}")
        if not isinstance(self.currency, Currency):
            raise TypeError("Money.currency must be a Currency; use money.currency('CNY')")
        if abs(self.minor) > MINOR_ABS_MAX:
            raise InvalidAmount(f"{self.minor} minor units is beyond the storable range", field="amount")

    # -- construction ---------------------------------------------------------------------------
    @classmethod
    def of_minor(cls, minor: int, code: str | Currency) -> Money:
        return cls(minor, currency(code))

    @classmethod
    def zero(cls, code: str | Currency) -> Money:
        return cls(0, currency(code))

    @classmethod
    def parse(cls, text: str, code: str | Currency, *, field: str = "amount") -> Money:
        """Parse major units written as text ("1,234.56"); more decimals than the currency has is an error."""
        cur = currency(code)
        if isinstance(text, float):
            raise InvalidAmount("amounts are never floats; pass the amount as text", field=field)
        if not isinstance(text, str):
            raise InvalidAmount(f"expected text, got {type(text).__name__}", field=field)
        return _parsed(text, cur, field)

    @classmethod
    def from_decimal(
        cls, value: Decimal, code: str | Currency, *, rounding: Rounding | None, field: str = "amount"
    ) -> Money:
        """Major units as a Decimal. With `rounding=None` the value must fit the currency exactly."""
        cur = currency(code)
        if isinstance(value, float) or not isinstance(value, Decimal | int):
            raise InvalidAmount("amounts are Decimal or int, never float", field=field)
        value = Decimal(value)
        if not value.is_finite():
            raise InvalidAmount("an amount must be a finite number", field=field)
        # Compared before any arithmetic: scaling 1e999999999 overflows the decimal context.
        if value.copy_abs() > MINOR_ABS_MAX:
            raise InvalidAmount(f"{value} is beyond the storable range", field=field)
        if rounding is None:
            # Read off the digits, not computed: in the 34-digit CONTEXT 1.999…9 (35 nines) would round to
            # 2.00 first, and 1e-999999999 underflow to 0.
            _, digits, exponent = value.as_tuple()
            significant = "".join(map(str, digits)).rstrip("0")  # the exponent of its last nonzero digit:
            if significant and int(exponent) + len(digits) - len(significant) < -cur.minor_digits:
                raise InvalidAmount(
                    f"{value} has more decimal places than {cur.code} allows ({cur.minor_digits})", field=field
                )
            minor = int(value.scaleb(cur.minor_digits, context=_exact(value)))
        else:
            minor = to_minor(value, cur.minor_digits, rounding)
        if abs(minor) > MINOR_ABS_MAX:
            raise InvalidAmount(f"{value} is beyond the storable range", field=field)
        return cls(minor, cur)

    # -- views ----------------------------------------------------------------------------------
    def to_decimal(self) -> Decimal:
        return Decimal(self.minor).scaleb(-self.currency.minor_digits)

    def amount_str(self) -> str:
        """Major units as plain text with exactly the currency's digits: "255.00", "1000" for JPY."""
        digits = self.currency.minor_digits
        sign = "-" if self.minor < 0 else ""
        whole, frac = divmod(abs(self.minor), 10**digits)
        return f"{sign}{whole}.{frac:0{digits}d}" if digits else f"{sign}{whole}"

    def format(self, locale: str = "en_US") -> str:
        """Locale-aware display (babel) with exactly the currency's ISO 4217 digits."""
        return _format(self, locale)

    def __str__(self) -> str:
        return f"{self.amount_str()} {self.currency.code}"

    def __repr__(self) -> str:
        return f"Money({self.amount_str()!r}, {self.currency.code})"

    # -- predicates -----------------------------------------------------------------------------
    def is_zero(self) -> bool:
        return self.minor == 0

    def is_positive(self) -> bool:
        return self.minor > 0

    def is_negative(self) -> bool:
        return self.minor < 0

    # -- arithmetic (same currency only) ---------------------------------------------------------
    def _same(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency.code} with {other.currency.code}")
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.minor + self._same(other).minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.minor - self._same(other).minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __abs__(self) -> Money:
        return Money(abs(self.minor), self.currency)

    def __mul__(self, factor: int) -> Money:
        if isinstance(factor, bool) or not isinstance(factor, int):
            raise TypeError("Money multiplies by int only; use .times(Decimal, rounding) for fractions")
        return Money(self.minor * factor, self.currency)

    __rmul__ = __mul__

    def times(self, factor: Decimal, rounding: Rounding) -> Money:
        """Multiply by a Decimal (a rate, a share) and round to minor units with a named mode."""
        if isinstance(factor, float):
            raise TypeError("never multiply money by a float")
        product = CONTEXT.multiply(Decimal(self.minor), Decimal(factor))
        return Money(to_minor(product, 0, rounding), self.currency)

    def __lt__(self, other: Money) -> bool:
        return self.minor < self._same(other).minor

    def __le__(self, other: Money) -> bool:
        return self.minor <= self._same(other).minor

    def __gt__(self, other: Money) -> bool:
        return self.minor > self._same(other).minor

    def __ge__(self, other: Money) -> bool:
        return self.minor >= self._same(other).minor

    def min(self, other: Money) -> Money:
        return self if self <= other else other

    def max(self, other: Money) -> Money:
        return self if self >= other else other

    # -- splitting ------------------------------------------------------------------------------
    def allocate(self, weights: Sequence[Decimal | int]) -> list[Money]:
        """Split pro rata by `weights` so the parts sum exactly to the whole.

        Largest-remainder method: each part gets the floor of its exact share, and the minor units
        left over go one each to the parts with the largest remainders (earliest first on ties),
        so the split is deterministic and never off by more than one minor unit per part.
        """
        weights_dec = [Decimal(w) for w in weights]
        # CONTEXT.add, not sum(): a bare + rounds to the caller's global precision, and a rounded
        # total would leave the parts short of (or over) the whole.
        total_weight = reduce(CONTEXT.add, weights_dec, Decimal(0))
        if not weights_dec or any(w < 0 for w in weights_dec) or total_weight == 0:
            raise InvalidAmount("allocation weights must be non-negative and not all zero", field="weights")
        sign = -1 if self.minor < 0 else 1
        whole = abs(self.minor)
        exact = [CONTEXT.divide(CONTEXT.multiply(Decimal(whole), w), total_weight) for w in weights_dec]
        floors = [int(e) for e in exact]
        leftover = whole - sum(floors)
        order = sorted(range(len(exact)), key=lambda i: (CONTEXT.subtract(floors[i], exact[i]), i))
        for i in order[:leftover]:
            floors[i] += 1
        return [Money(sign * part, self.currency) for part in floors]

    def split(self, parts: int) -> list[Money]:
        """Split into `parts` near-equal amounts summing exactly to the whole (earlier parts larger)."""
        if parts <= 0:
            raise InvalidAmount("split into at least one part", field="parts")
        return self.allocate([1] * parts)


def total(amounts: Iterable[Money], code: str | Currency) -> Money:
    """Sum amounts of one currency (an empty sum is zero in that currency)."""
    result = Money.zero(code)
    for amount in amounts:
        result = result + amount
    return result


def _format(money: Money, locale_name: str) -> str:
    # babel is imported here, not at module top: formatting is for display, off the hot paths.
    from babel import Locale, UnknownLocaleError
    from babel.numbers import parse_pattern

    try:
        locale = Locale.parse(locale_name)
    except (UnknownLocaleError, ValueError) as exc:
        raise InvalidAmount(f"unknown locale {locale_name!r}", field="locale") from exc
    # parse_pattern returns babel's cached pattern object itself: copy it before setting digits, or
    # formatting JPY would leave every later en_US currency format (ours or babel's) at 0 decimals.
    pattern = copy.copy(parse_pattern(locale.currency_formats["standard"]))
    digits = money.currency.minor_digits
    # CLDR's digits differ from ISO's for a few currencies; the books use ISO's, so display does too.
    pattern.frac_prec = (digits, digits)
    return pattern.apply(money.to_decimal(), locale, currency=money.currency.code, currency_digits=False)
