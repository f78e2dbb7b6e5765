"""Mobile numbers normalised to E.164 (`+8613812345678`), with each market's numbering rules."""

from __future__ import annotations

import re

from creditline.identity.errors import InvalidPhone

E164_DIGITS_MAX = 15
# Separators people type; anything else (letters, extra '+') is an error, not noise.
_SEPARATORS = re.compile(r"[\s\-().]")
# Mainland mobiles: 11 digits starting 1[3-9] (MIIT numbering plan; 14x are data-only but still issued).
_CN_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Indonesian mobiles: national significant number 8xx…, 9 to 12 digits after the country code.
_ID_MOBILE = re.compile(r"^8[1-9]\d{7,10}$")


def _digits(text: object, field: str) -> tuple[bool, str]:
    """(written internationally?, the digits) with separators and the +/00 prefix removed."""
    if not isinstance(text, str):
        raise InvalidPhone("the phone number must be text", field=field)
    cleaned = _SEPARATORS.sub("", text.strip())
    if len(cleaned) > E164_DIGITS_MAX + 3:
        raise InvalidPhone("too long for a phone number", field=field)
    international = cleaned.startswith(("+", "00"))
    body = cleaned[1:] if cleaned.startswith("+") else cleaned[2:] if international else cleaned
    if not (body.isascii() and body.isdigit()):
        raise InvalidPhone("only digits, an optional leading + and separators are allowed", field=field)
    return international, body


def cn_mobile_e164(text: object, *, field: str = "phone") -> str:
    """A mainland mobile as `+86` and 11 digits; accepts local, +86 and 0086 forms."""
    international, digits = _digits(text, field)
    if not international:
        national = digits
    elif digits.startswith("86"):
        national = digits[2:]
    else:
        raise InvalidPhone("not a mainland China (+86) number", field=field)
    if not _CN_MOBILE.match(national):
        raise InvalidPhone("a mainland mobile is 11 digits starting 13-19", field=field)
    return "+86" + national


def id_mobile_e164(text: object, *, field: str = "phone") -> str:
    """An Indonesian mobile as `+62 8…`; accepts the local trunk-prefix form 08…, +62 and 0062."""
    international, digits = _digits(text, field)
    if not international:
        if not digits.startswith("0"):
            raise InvalidPhone("local Indonesian numbers start with 0 (08…)", field=field)
        national = digits[1:]
    elif digits.startswith("62"):
        national = digits[2:]
    else:
        raise InvalidPhone("not an Indonesian (+62) number", field=field)
    if not _ID_MOBILE.match(national):
        raise InvalidPhone("an Indonesian mobile is 8 followed by 8 to 11 digits", field=field)
    return "+62" + national
