"""A model's feature labels in other languages: the lender's words for its own columns.

A reason is worded in English from the feature's label ("Debt ratio is high (0.45)"); a page in
another language translates the sentence's template from its own catalogue, but a lender's columns
are its own — no catalogue of the platform knows `fin_ratio_3`. `model train --labels FILE` takes each
column's words per language (`{"fin_ratio_3": {"en": "Debt ratio", "zh": "负债比率"}}`); the model keeps
them by label and language (`metadata.label_words`), each decision record keeps those of its reasons,
and the explanation reads them first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from creditline.risk.models.errors import InvalidData

ENGLISH = "en"
LANGUAGE_RE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")  # `zh`, `zh-CN`, `zh_Hans`, `pt-BR`


def language_of(code: str) -> str:
    """The primary language of a tag, as catalogues are kept: `zh-CN` and `zh_Hans` are `zh`."""
    return re.split(r"[-_]", code.strip())[0].lower()


def split_labels(raw: object) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """(column → English label, language → column → words) of a `--labels` object, refused by field when
    it is anything else: a column maps to its words, or to an object of language tag → words."""
    if not isinstance(raw, dict):
        raise InvalidData("must be a JSON object of column: plain words (or of column: {language: words})", field="labels")
    labels: dict[str, str] = {}
    by_language: dict[str, dict[str, str]] = {}
    for column, words in raw.items():
        if isinstance(words, str):
            labels[str(column)] = words
            continue
        if not isinstance(words, dict) or not words:
            raise InvalidData(f"column {column!r}: expected plain words or an object of language: words", field="labels")
        for tag, text in words.items():
            if not LANGUAGE_RE.match(str(tag)) or not isinstance(text, str) or not text.strip():
                raise InvalidData(f"column {column!r}: {tag!r} must be a language tag (en, zh, zh-CN …) with words",
                                  field="labels")  # fmt: skip
            language = language_of(str(tag))
            if language == ENGLISH:
                labels[str(column)] = text
            else:
                by_language.setdefault(language, {})[str(column)] = text
    return labels, by_language


def label_words(columns: Iterable[tuple[str, str]], by_language: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    """language → the model's label (English, as reasons are worded) → words, for the (column, label)
    pairs of the model's features that the lender gave words for."""
    pairs = list(columns)
    kept = {
        language: {label: words[column] for column, label in pairs if column in words}
        for language, words in sorted(by_language.items())
    }
    return {language: words for language, words in kept.items() if words}


def words_of_reasons(label_words: Mapping[str, Mapping[str, str]], labels: Iterable[str]) -> dict[str, dict[str, str]]:
    """The part of a model's `label_words` that a decision's reasons use (kept in its record)."""
    used = set(labels)
    kept = {language: {k: v for k, v in words.items() if k in used} for language, words in label_words.items()}
    return {language: words for language, words in kept.items() if words}
