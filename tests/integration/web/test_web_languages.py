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


@pytest.mark.parametrize(
    ("header", "code"),
    [("ZH-cn", "zh"), ("Zh-Hans,en;q=0.5", "zh"), ("EN-gb", "en"), ("zh;q=abc", "zh"), ("x" * 300, "en"), (";;,", "en")],
)
def test_accept_language_in_any_letter_case_or_malformed_chooses_a_language(header, code) -> None:
    """`ZH-cn` matched case-blind and then looked up as written: every page answered 500."""
    from creditline.web.i18n import choose

    assert choose(None, header).code == code


def test_an_unknown_language_changes_nothing(site) -> None:  # type: ignore[no-untyped-def]
    app, _ = site
    browser = Browser(app)
    response = browser.client.get("/app/language/xx", follow_redirects=False)
    assert response.status_code == 303 and "creditline_lang" not in response.headers.get("set-cookie", "")


def python_messages() -> set[str]:
    """The sentences a decision's explanation builds in Python, each a gettext message id."""
    from creditline.app import apply_explain
    from creditline.app.apply_setup import shipped_model_dir
    from creditline.privacy.consent import REQUIRED_SCOPES
    from creditline.risk.models import load_model
    from creditline.risk.models.reasons import PHRASES
    from creditline.risk.pricing.price import DISPLAY

    metadata = load_model(shipped_model_dir()).metadata
    scopes = {scope.value.replace("_", " ") for needed in REQUIRED_SCOPES.values() for scope in needed}
    return (
        set(apply_explain.REASON_TEXT.values()) | set(apply_explain.LIMIT_TEXT.values()) | scopes
        | {template for _, template in PHRASES} | {feature["label"] for feature in metadata["features"]}
        | {value for feature in metadata["features"] for value in feature["categories"]}
        | {apply_explain.CONSENT_MISSING_TEXT, apply_explain.NO_LIMIT_TEXT, apply_explain.PRICE_MADE_OF,
           DISPLAY}
    )


def test_every_sentence_of_an_explanation_has_a_chinese_translation() -> None:
    from creditline.web.i18n import translations

    messages = python_messages()
    assert len(messages) > 40
    chinese = translations("zh")
    assert sorted(m for m in messages if chinese.gettext(m) == m) == []


def test_a_chinese_reader_s_explanation_is_in_chinese(site) -> None:  # type: ignore[no-untyped-def]
    """PIPL Art. 24: the explanation of an automated decision, in the borrower's language — the model's
    factors, what set the limit and the price were English sentences on the Chinese page."""
    import html

    from creditline.app.decision import explain_decision
    from creditline.risk.models.reasons import reworded
    from creditline.web.i18n import translations

    app, engine = site
    browser, decision_id, _ = approved(app, 460)
    explained = explain_decision(engine, decision_id)
    assert explained["model_factors"] and "limit" in explained and "price" in explained
    zh = translations("zh").gettext
    page = html.unescape(browser.get(f"/app/decisions/{decision_id}/explanation",
                                     headers={"Accept-Language": "zh-CN"}).text)
    for factor in explained["model_factors"]:
        chinese = reworded(factor, zh)
        assert chinese != factor and chinese in page and factor not in page
    assert zh(explained["limit"]["set_by"]) in page and explained["limit"]["set_by"] not in page
    assert "日利率" in page and "资金成本" in page and "daily rate" not in page
    english = html.unescape(browser.get(f"/app/decisions/{decision_id}/explanation").text)
    assert all(factor in english for factor in explained["model_factors"])
    assert explained["price"]["display"] in english
