"""Feature names a model library accepts, and the plain words a borrower reads in a reason code."""

from __future__ import annotations

import re

UNSAFE = re.compile(r"[^0-9A-Za-z_]+")
WORD_BREAKS = (
    (re.compile(r"([a-z])([A-Z])"), r"\1 \2"),
    (re.compile(r"([A-Z]+)([A-Z][a-z])"), r"\1 \2"),
    (re.compile(r"([A-Za-z])(\d)"), r"\1 \2"),
    (re.compile(r"(\d)([A-Za-z])"), r"\1 \2"),
)
ACRONYM_LENGTH_MAX = 3
POSITIONAL = re.compile(r"^c\d+$")


def sanitise(names: list[str]) -> list[str]:
    """ASCII identifiers, unique, in the same order: LightGBM refuses JSON punctuation in names."""
    taken: set[str] = set()
    result: list[str] = []
    for name in names:
        base = UNSAFE.sub("_", name).strip("_") or "feature"
        if base[0].isdigit():
            base = "f_" + base
        # `x y`, `x_y`, `x_y_2`: the second's suffix must not take the third's name
        result.append(unique_name(base, taken))
    return result


def unique_name(base: str, taken: set[str]) -> str:
    """`base`, else `base_2`, `base_3`, …: the first not in `taken` (lower case), which it joins."""
    unique, number = base, 2
    while unique.lower() in taken:
        unique, number = f"{base}_{number}", number + 1
    taken.add(unique.lower())
    return unique


def plain_words(name: str) -> str:
    """`NumberOfTimes90DaysLate` → `Number of times 90 days late`; short acronyms stay upper case."""
    if POSITIONAL.match(name):
        return f"Column {name[1:]}"
    text = re.sub(r"[_.\-/]+", " ", name)
    for pattern, replacement in WORD_BREAKS:
        text = pattern.sub(replacement, text)
    words = []
    for word in text.split():
        is_acronym = word.isupper() and len(word) <= ACRONYM_LENGTH_MAX and word.isalpha()
        words.append(word if is_acronym else word.lower())
    if not words:
        return name
    first = words[0]
    words[0] = first if first.isupper() else first[:1].upper() + first[1:]
    return " ".join(words)
