"""The web layer's own parts, without a site: money and rates as displayed, the language choice,
form bounds, and the background figures' refresh rules."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from creditline.web.i18n import LANGUAGES, choose
from creditline.web.rendering import money, money_minor, pct, ratio

pytestmark = pytest.mark.xdist_group("web-parts")


@given(st.integers(min_value=-(10**15), max_value=10**15), st.sampled_from(["CNY", "IDR", "JPY", "USD"]),
       st.sampled_from(sorted(LANGUAGES)))  # fmt: skip
def test_displayed_money_is_the_exact_amount(minor: int, code: str, language: str) -> None:
    """What a page shows, stripped of symbol and grouping, is the amount to the minor unit: never rounded."""
    from creditline.money import Money

    amount = Money.of_minor(minor, code)
    shown = money_minor(minor, code, LANGUAGES[language])
    digits = "".join(ch for ch in shown if ch.isdigit() or ch in ".-−")
    assert Decimal(digits.replace("−", "-")) == amount.to_decimal()
    assert money(amount.amount_str(), code, LANGUAGES[language]) == shown


def test_rates_and_ratios_keep_their_digits() -> None:
    assert pct("0.05") == "0.05%" and pct("14.645", 2) == "14.65%" and pct(None) == "—"
    assert ratio("0.12345678") == "12.35%" and ratio("0E-8") == "0.00%" and ratio(None) == "—"


@pytest.mark.parametrize(
    ("cookie", "accept", "chosen"),
    [(None, None, "en"), (None, "zh-CN,zh;q=0.9,en;q=0.8", "zh"), (None, "en-GB,en;q=0.9", "en"),
     ("zh", "en", "zh"), ("en", "zh-CN", "en"), ("xx", "fr-FR", "en"), (None, "zh-Hans", "zh"),
     (None, "garbage;;;," * 50, "en")],
)  # fmt: skip
def test_the_language_is_the_cookie_else_the_best_accepted_else_english(cookie, accept, chosen) -> None:  # type: ignore[no-untyped-def]
    assert choose(cookie, accept).code == chosen


def test_a_form_with_too_many_fields_or_the_wrong_type_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from web_flows import Browser, make_site

    app, engine = make_site(f"sqlite:///{tmp_path / 'parts.sqlite'}")
    browser = Browser(app)
    browser.register()
    token = browser.csrf()
    crowded = {"csrf_token": token, **{f"f{n}": "x" for n in range(100)}}
    assert browser.client.post("/app/apply", data=crowded).status_code == 422
    as_json = browser.client.post("/app/apply", json={"csrf_token": token})
    assert as_json.status_code == 422 and as_json.json()["field"] == "content-type"
    plain = browser.client.post("/app/passkeys/sign-in", content=b"{}", headers={"content-type": "text/plain"})
    assert plain.status_code == 422  # a cross-site form cannot reach the JSON endpoints
    engine.dispose()


def test_a_background_figure_is_served_while_recomputed_and_not_more_often_than_allowed() -> None:
    from creditline.web.caches import Background

    version, calls, release = [1], [], threading.Event()

    def compute() -> int:
        calls.append(version[0])
        release.wait(5)
        return version[0] * 10

    figure = Background("test", compute, ttl_s=60, key=lambda: version[0], min_interval_s=0.3)
    assert figure.get() is None  # the first request starts it and does not wait
    release.set()
    first = figure.get(wait_s=5)
    assert first is not None and first.value == 10 and first.error is None
    version[0] = 2
    assert figure.get().value == 10  # changed too recently: the last value, no recompute yet
    assert calls == [1]
    time.sleep(0.35)
    assert figure.get().value == 10  # now it recomputes, serving the previous value meanwhile
    deadline = time.monotonic() + 5
    while figure.get().value != 20 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert figure.get().value == 20 and calls == [1, 2]


def test_a_figure_that_fails_reports_its_reason() -> None:
    from creditline.errors import DomainError
    from creditline.web.caches import Background

    def refuse() -> None:
        raise DomainError("lgd: 3 loans have no LGD", field="lgd")

    computed = Background("refusing", refuse, ttl_s=60).get(wait_s=5)
    assert computed is not None and computed.value is None and computed.error == "lgd: 3 loans have no LGD"
