"""Languages of the web pages: English (the source text) and Simplified Chinese, through gettext.

The Chinese catalogue is a `.po` file read at run time with babel and compiled in memory, so no
build step is needed after an edit or an install. A visitor's language is their `creditline_lang`
cookie when set, else the best match of the browser's Accept-Language, else English.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from babel.core import negotiate_locale
from babel.support import NullTranslations, Translations

LANG_COOKIE = "creditline_lang"
DEFAULT = "en"


@dataclass(frozen=True, slots=True)
class Language:
    code: str  # what the cookie and the switcher carry
    babel_locale: str  # what number, currency and date formats use
    html_lang: str
    name: str  # the language's own name, shown in the switcher


LANGUAGES: dict[str, Language] = {
    "en": Language("en", "en_US", "en", "English"),
    "zh": Language("zh", "zh_Hans_CN", "zh-Hans", "中文"),
}
ACCEPT_ALIASES = {"en": "en", "en_US": "en", "en_GB": "en", "zh": "zh", "zh_CN": "zh", "zh_Hans": "zh", "zh_SG": "zh"}
ALIASES_FOLDED = {alias.lower(): code for alias, code in ACCEPT_ALIASES.items()}


@lru_cache(maxsize=len(LANGUAGES))
def translations(code: str) -> NullTranslations:
    """The gettext catalogue of a language (English is the source text: no catalogue)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    if code == DEFAULT:
        return NullTranslations()
    source = resources.files("creditline.web") / "locale" / code / "LC_MESSAGES" / "messages.po"
    with source.open("rb") as handle:
        catalog = read_po(handle, locale=LANGUAGES[code].babel_locale)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def choose(cookie: str | None, accept_language: str | None) -> Language:
    if cookie in LANGUAGES:
        return LANGUAGES[cookie]
    preferred = [_tag(part) for part in (accept_language or "").split(",")[:20]]
    found = negotiate_locale([p for p in preferred if p], list(ACCEPT_ALIASES), sep="_")
    # babel matches case-blind but answers in the visitor's spelling (`ZH-cn` → `ZH_cn`)
    return LANGUAGES[ALIASES_FOLDED[found.lower()]] if found else LANGUAGES[DEFAULT]


def _tag(part: str) -> str:
    return part.split(";")[0].strip().replace("-", "_")[:16]
