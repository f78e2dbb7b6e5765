"""English and Chinese: every text of every template has its Chinese translation, the language is
chosen by cookie or Accept-Language, and money is formatted per locale."""

from __future__ import annotations

from importlib import resources

import pytest
from web_flows import Browser, approved, found

pytestmark = pytest.mark.xdist_group("web-web_languages")  # one module-scoped site per module


def template_messages() -> set[str]:
    from babel.messages.extract import extract_from_dir

    folder = str(resources.files("creditline.web") / "templates")
    method_map = [("**.html", "jinja2")]
    options = {"**.html": {"extensions": "jinja2.ext.i18n"}}
    found_ids = set()
    for _, _, message, _, _ in extract_from_dir(folder, method_map, options_map=options):
        found_ids.add(message if isinstance(message, str) else message[0])
    return found_ids


def test_every_template_text_has_a_chinese_translation() -> None:
    from creditline.web.i18n import translations

    messages = template_messages()
    assert len(messages) > 150  # the extraction found the templates' texts
    chinese = translations("zh")
    missing = sorted(m for m in messages if chinese.gettext(m) == m and m != "creditline")
    assert missing == []


def test_language_by_cookie_and_accept_language_with_money_per_locale(site) -> None:  # type: ignore[no-untyped-def]
    app, _ = site
    browser, _, _ = approved(app, 440)
    english = browser.get("/app/").text
    assert "Your credit line" in english and found(r'data-field="available">([^<]+)<', english).startswith("CN¥")
    chinese = browser.get("/app/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}).text
    assert 'lang="zh-Hans"' in chinese and "您的信用额度" in chinese
    assert found(r'data-field="available">([^<]+)<', chinese).startswith("¥")
    browser.client.get("/app/language/zh")
    assert "您的信用额度" in browser.get("/app/", headers={"Accept-Language": "en"}).text  # the cookie wins
    browser.client.get("/app/language/en")
    assert "Your credit line" in browser.get("/app/").text


def test_an_unknown_language_changes_nothing(site) -> None:  # type: ignore[no-untyped-def]
    app, _ = site
    browser = Browser(app)
    response = browser.client.get("/app/language/xx", follow_redirects=False)
    assert response.status_code == 303 and "creditline_lang" not in response.headers.get("set-cookie", "")
