"""Name sanity: length, script and characters that have no place in a person's name."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from creditline.identity.errors import InvalidName

# The interpunct that joins the parts of transliterated minority names on mainland ID cards
# (买买提·艾力); the full-width and katakana variants are typed for it often enough.
_CN_JOINERS = frozenset("·・•")
_LATIN_PUNCTUATION = frozenset(" '-.,")


@dataclass(frozen=True, slots=True)
class NameRule:
    length_min: int
    length_max: int
    script: str  # "han" or "latin"


def _is_han(char: str) -> bool:
    return "CJK UNIFIED IDEOGRAPH" in unicodedata.name(char, "")


def _is_latin_letter(char: str) -> bool:
    return char.isalpha() and "LATIN" in unicodedata.name(char, "")


def check_name(text: object, rule: NameRule, *, field: str = "name") -> str:
    """The name, NFC-normalised with surrounding and repeated spaces removed, if it passes `rule`."""
    if not isinstance(text, str):
        raise InvalidName("the name must be text", field=field)
    if len(text) > rule.length_max * 4:
        raise InvalidName(f"longer than {rule.length_max} characters", field=field)
    name = " ".join(unicodedata.normalize("NFC", text).split())
    if not rule.length_min <= len(name) <= rule.length_max:
        raise InvalidName(f"must be {rule.length_min} to {rule.length_max} characters", field=field)
    for char in name:
        category = unicodedata.category(char)
        if category.startswith("C"):
            raise InvalidName("contains a control or invisible character", field=field)
        if category.startswith("N"):
            raise InvalidName("contains a digit", field=field)
    allowed = _han_char if rule.script == "han" else _latin_char
    bad = next((c for c in name if not allowed(c)), None)
    if bad is not None:
        raise InvalidName(f"character {bad!r} is not allowed in a {rule.script}-script name", field=field)
    if not any(c.isalpha() for c in name):
        raise InvalidName("contains no letters", field=field)
    return name


def _han_char(char: str) -> bool:
    return _is_han(char) or char in _CN_JOINERS


def _latin_char(char: str) -> bool:
    return _is_latin_letter(char) or char in _LATIN_PUNCTUATION
