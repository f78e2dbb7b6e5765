"""Rendering pages: one Jinja2 environment per language (autoescaped), the formats, and the headers.

Every page gets the same Content-Security-Policy: scripts and styles only from this site's own
files (no inline script, no `eval`: htmx runs with `allowEval` off), images from this site, forms
posting only here. Templates see `_()` for translated text and the filters `money`, `pct`,
`day` that format per the visitor's language.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from creditline.web.i18n import LANG_COOKIE, LANGUAGES, Language, choose, translations
from creditline.web.sessions import Visitor

CSP_PAGES = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
PAGE_HEADERS = {"content-security-policy": CSP_PAGES, "cache-control": "no-store", "referrer-policy": "same-origin"}


def money(amount: Any, currency: str, language: Language) -> str:
    from creditline.money import Money

    if amount is None:
        return "—"
    return Money.parse(str(amount), currency).format(language.babel_locale)


def pct(value: Any, places: int | None = None) -> str:
    if value is None:
        return "—"
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if places is not None:
        from creditline.money import Rounding

        number = number.quantize(Decimal(1).scaleb(-places), rounding=Rounding.HALF_UP.decimal_mode)
    return f"{format(number, 'f')}%"


def money_minor(minor: int | None, currency: str, language: Language) -> str:
    from creditline.money import Money

    return "—" if minor is None else Money.of_minor(int(minor), currency).format(language.babel_locale)


def ratio(value: Any, places: int = 2) -> str:
    """A fraction ("0.0123", Decimal text from the portfolio report) shown as a percentage."""
    if value is None:
        return "—"
    return pct(Decimal(str(value)) * 100, places)


def day(value: Any, language: Language) -> str:
    from babel.dates import format_date

    if not value:
        return "—"
    return format_date(date.fromisoformat(str(value)[:10]), "medium", locale=language.babel_locale)


class Pages:
    """The template environments (built once) and the page renderer."""

    def __init__(self) -> None:
        self._environments = {code: self._environment(language) for code, language in LANGUAGES.items()}

    def _environment(self, language: Language) -> Environment:
        environment = Environment(
            loader=PackageLoader("creditline.web", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
        )
        environment.install_gettext_translations(translations(language.code), newstyle=True)  # type: ignore[attr-defined]
        environment.filters["money"] = lambda amount, currency: money(amount, currency, language)
        environment.filters["money_minor"] = lambda minor, currency: money_minor(minor, currency, language)
        environment.filters["pct"] = pct
        environment.filters["ratio"] = ratio
        environment.filters["day"] = lambda value: day(value, language)
        environment.filters["nonzero"] = lambda amount: amount is not None and Decimal(str(amount)) != 0
        environment.globals["language"] = language
        environment.globals["languages"] = LANGUAGES
        return environment

    def preload(self) -> None:
        """Compile every template and load each locale's formats now, not on a visitor's first page."""
        for code, environment in self._environments.items():
            for name in environment.list_templates(filter_func=lambda name: name.endswith(".html")):
                environment.get_template(name)
            money("1.00", "CNY", LANGUAGES[code])
            day("2025-01-01", LANGUAGES[code])

    def language(self, request: Request) -> Language:
        return choose(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))

    def render(
        self, request: Request, template: str, context: dict[str, Any], *, visitor: Visitor, status: int = 200
    ) -> HTMLResponse:
        language = self.language(request)
        page = self._environments[language.code].get_template(template)
        html = page.render(
            {"path": request.url.path, "visitor": visitor, "principal": visitor.principal,
             "csrf": visitor.csrf_token, **context}
        )  # fmt: skip
        return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)

    def words(self, request: Request) -> Callable[[str], str]:
        """The visitor's language's gettext, for sentences built in Python (a decision's reasons)."""
        return translations(self.language(request).code).gettext

    def text(self, request: Request, message: str) -> str:
        """A message translated into the visitor's language (for flash texts built in Python)."""
        return self.words(request)(message)
