"""Bank card numbers (PAN): 12 to 19 digits with a Luhn check digit (ISO/IEC 7812)."""

from __future__ import annotations

import re

from creditline.identity.checksums import luhn_valid
from creditline.identity.errors import InvalidBankCard

PAN_DIGITS_MIN = 12
PAN_DIGITS_MAX = 19
_SEPARATORS = re.compile(r"[\s\-]")


def bank_card_number(text: object, *, field: str = "bank_card") -> str:
    """The card number as bare digits, if it has a plausible length and a valid Luhn digit."""
    if not isinstance(text, str):
        raise InvalidBankCard("the card number must be text", field=field)
    digits = _SEPARATORS.sub("", text.strip())
    if len(digits) > PAN_DIGITS_MAX * 2:
        raise InvalidBankCard("too long for a card number", field=field)
    if not (digits.isascii() and digits.isdigit()):
        raise InvalidBankCard("a card number is digits only", field=field)
    if not PAN_DIGITS_MIN <= len(digits) <= PAN_DIGITS_MAX:
        raise InvalidBankCard(f"a card number has {PAN_DIGITS_MIN} to {PAN_DIGITS_MAX} digits", field=field)
    if not luhn_valid(digits):
        raise InvalidBankCard("the check digit is wrong (Luhn)", field=field)
    return digits


def masked(digits: str) -> str:
    """First six and last four, as PCI DSS allows to be shown."""
    return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]
