"""Check-digit algorithms used by identity documents and card numbers."""

from __future__ import annotations

# ISO 7064 MOD 11-2 weights for 17 digits: 2^(17 - i) mod 11, position 1 first.
_MOD11_2_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))


def iso7064_mod11_2(digits17: str) -> str:
    """The check character ('0'-'9' or 'X') that GB 11643-1999 appends to 17 digits."""
    assert len(digits17) == 17 and digits17.isdigit(), "17 ASCII digits expected"
    remainder = sum(int(d) * w for d, w in zip(digits17, _MOD11_2_WEIGHTS, strict=True)) % 11
    value = (12 - remainder) % 11
    return "X" if value == 10 else str(value)


def luhn_valid(digits: str) -> bool:
    """True when the number's last digit is its Luhn (ISO/IEC 7812-1) check digit."""
    assert digits.isdigit(), "ASCII digits expected"
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def luhn_check_digit(payload: str) -> str:
    """The digit that makes `payload + digit` Luhn-valid (used by simulators and tests)."""
    for candidate in "0123456789":
        if luhn_valid(payload + candidate):
            return candidate
    raise AssertionError("some digit always completes a Luhn number")
