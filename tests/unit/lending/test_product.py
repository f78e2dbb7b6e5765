"""Products as data: the shipped product, canonical hashing, validation errors, drawdown checks."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from importlib import resources

import pytest
import yaml

from creditline.errors import DomainError
from creditline.lending.product import builtin_product, builtin_products, load_product
from creditline.lending.product_allocation import AllocationStyle, Component
from creditline.lending.product_errors import (
    DrawdownAboveMaximum,
    DrawdownBelowMinimum,
    MethodNotOffered,
    ProductInvalid,
    ProductNotFound,
    RateOutOfRange,
    TermNotOffered,
)
from creditline.lending.schedule import InterestBasis, Method
from creditline.money import CurrencyMismatch, Money, RateUnit


def shipped_text() -> str:
    folder = resources.files("creditline.lending").joinpath("products")
    return folder.joinpath("revolving-consumer.toml").read_text(encoding="utf-8")


def test_revolving_consumer_is_shipped_as_described() -> None:
    product = builtin_products()["revolving-consumer"]
    assert product.terms_months == (3, 6, 12)
    assert product.methods == (Method.EQUAL_INSTALLMENT, Method.EQUAL_PRINCIPAL)
    assert (product.rate_daily_min, product.rate_daily_max) == (Decimal("0.0002"), Decimal("0.0006"))
    assert (product.drawdown_min, product.drawdown_max) == (
        Money.parse("500", "CNY"),
        Money.parse("200000", "CNY"),
    )
    assert product.penalty_rate_multiplier == Decimal("1.5")
    assert product.grace_days == 3
    assert product.apr_cap_pct == Decimal(24)
    assert product.charge_off_days == 180
    assert product.interest_basis is InterestBasis.DAILY
    assert product.allocation.style is AllocationStyle.OLDEST_FIRST
    assert product.allocation.order == (
        Component.PENALTY,
        Component.FEE,
        Component.INTEREST,
        Component.PRINCIPAL,
    )
    assert len(product.content_hash) == 64


def test_hash_ignores_formatting_and_format_but_not_content() -> None:
    text = shipped_text()
    original = load_product(text, source="a.toml")
    reformatted = load_product("# a comment\n" + text.replace('"0.0002"', '"0.00020"'), source="b.toml")
    assert reformatted.content_hash == original.content_hash
    import tomllib

    as_yaml = yaml.safe_dump(tomllib.loads(text))
    assert load_product(as_yaml, source="c.yaml").content_hash == original.content_hash
    changed = load_product(text.replace("grace_days = 3", "grace_days = 2"), source="d.toml")
    assert changed.content_hash != original.content_hash


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('rate_daily_max = "0.0006"', "rate_daily_max = 0.0006", "rate_daily_max"),  # a bare float
        ('rate_daily_max = "0.0006"', 'rate_daily_max = "0.0007"', None),  # 25.55% a year > 24% cap
        ('rate_daily_min = "0.0002"', 'rate_daily_min = "0.0009"', None),  # min above max
        ("terms_months = [3, 6, 12]", "terms_months = [3, 3]", "terms_months"),
        ("terms_months = [3, 6, 12]", "terms_months = [0]", "terms_months"),
        ('methods = ["equal-installment", "equal-principal"]', 'methods = ["flat"]', "methods"),
        ('methods = ["equal-installment", "equal-principal"]', 'methods = ["balloon"]', "methods.0"),
        ('interest_basis = "daily"', 'interest_basis = "period"', "interest_basis"),
        ('days_in_month = "actual"', 'days_in_month = "30"', "days_in_month"),
        ("early_repayment_free = true", "early_repayment_free = false", "early_repayment_free"),
        (
            'order = ["penalty", "fee", "interest", "principal"]',
            'order = ["penalty", "interest"]',
            "allocation.order",
        ),
        ('style = "oldest-first"', 'style = "newest-first"', "allocation.style"),
        ('drawdown_min = "500.00"', 'drawdown_min = "500.001"', "drawdown_min"),
        ('drawdown_min = "500.00"', 'drawdown_min = "300000.00"', "drawdown_min"),
        ('currency = "CNY"', 'currency = "XXX"', "currency"),
        ("charge_off_days = 180", "charge_off_days = 2", None),
        ('product_id = "revolving-consumer"', 'product_id = "Bad Id"', "product_id"),
        ("version = 1", "version = 1\nsurprise = 1", "surprise"),
        # finer than the accrual's integers hold (8 decimal places of a fraction: 0.000001 % a day)
        ('rate_daily_max = "0.0006"', 'rate_daily_max = "0.000599999"', None),
        # counts are whole numbers as written: `true` was read as a 1-month term or 1 grace day
        ("terms_months = [3, 6, 12]", "terms_months = [true, 6]", "terms_months.0"),
        ("terms_months = [3, 6, 12]", "terms_months = [3.0, 6]", "terms_months.0"),
        ("grace_days = 3", "grace_days = true", "grace_days"),
        ("grace_days = 3", 'grace_days = "3"', "grace_days"),
        ("charge_off_days = 180", "charge_off_days = true", "charge_off_days"),
        ("version = 1", "version = true", "version"),
        ("version = 1", "version = 2147483648", "version"),  # beyond the store's INTEGER column
    ],
)
def test_invalid_product_files_name_the_setting(old: str, new: str, field: str | None) -> None:
    text = shipped_text()
    assert old in text
    with pytest.raises(ProductInvalid) as caught:
        load_product(text.replace(old, new), source="bad.toml")
    assert caught.value.code == "product_invalid"
    assert caught.value.field == field
    assert "bad.toml" in caught.value.message


def test_unparseable_files_are_product_errors() -> None:
    with pytest.raises(ProductInvalid):
        load_product("product_id = [", source="broken.toml")
    with pytest.raises(ProductInvalid):
        load_product("- a list\n- not a table\n", source="broken.yaml")


def test_a_yaml_setting_given_twice_is_refused_as_toml_refuses_it() -> None:
    """Plain YAML keeps the last of two equal keys: a file with grace_days 3 and, further down, 30
    loaded silently as 30 (TOML refuses the same file)."""
    import tomllib

    settings = tomllib.loads(shipped_text())
    text = yaml.safe_dump(settings, sort_keys=False)
    assert load_product(text, source="p.yaml").grace_days == 3
    for twice in (text + "grace_days: 30\n", text.replace("style: oldest-first", "style: oldest-first\n  style: due-first")):
        with pytest.raises(ProductInvalid) as caught:
            load_product(twice, source="p.yaml")
        assert caught.value.field == "product" and "given twice" in caught.value.message
    merged = "base: &base {grace_days: 3}\n"  # a merge key overriding what it merges is not a repeat
    assert "base" not in settings
    with pytest.raises(ProductInvalid) as caught:  # (`base` itself is an unknown setting, named as such)
        load_product(merged + text.replace("grace_days: 3", "<<: *base\ngrace_days: 5"), source="p.yaml")
    assert caught.value.field == "base"


def test_unknown_builtin_is_not_found() -> None:
    with pytest.raises(ProductNotFound) as caught:
        builtin_product("payday-special")
    assert caught.value.code == "product_not_found"


@pytest.mark.parametrize(
    ("amount", "term", "method", "rate", "error", "field"),
    [
        ("499.99", 6, "equal-installment", "0.0005", DrawdownBelowMinimum, "amount"),
        ("200000.01", 6, "equal-installment", "0.0005", DrawdownAboveMaximum, "amount"),
        ("1000.00", 9, "equal-installment", "0.0005", TermNotOffered, "term"),
        ("1000.00", 6, "bullet", "0.0005", MethodNotOffered, "method"),
        ("1000.00", 6, "equal-installment", "0.0007", RateOutOfRange, "daily_rate"),
        ("1000.00", 6, "equal-installment", "0.0001", RateOutOfRange, "daily_rate"),
        ("1000.00", 6, "equal-installment", "0.000500001", RateOutOfRange, "daily_rate"),  # 9 decimal places
    ],
)
def test_drawdown_requests_the_product_does_not_offer(
    amount: str, term: int, method: str, rate: str, error: type[DomainError], field: str
) -> None:
    product = builtin_product("revolving-consumer")
    with pytest.raises(error) as caught:
        product.check_drawdown(Money.parse(amount, "CNY"), term, method, Decimal(rate))
    assert caught.value.field == field
    assert isinstance(caught.value, DomainError)


def test_drawdown_in_another_currency_is_refused() -> None:
    product = builtin_product("revolving-consumer")
    with pytest.raises(CurrencyMismatch):
        product.check_drawdown(Money.parse("1000", "USD"), 6, "equal-installment", Decimal("0.0005"))


def test_schedule_terms_of_a_drawdown() -> None:
    product = builtin_product("revolving-consumer")
    terms = product.schedule_terms(
        Money.parse("500.00", "CNY"), 3, "equal-principal", Decimal("0.0002"), date(2025, 5, 31)
    )
    assert terms.rate.unit is RateUnit.DAILY and terms.rate.value == Decimal("0.0002")
    assert terms.installments == 3 and terms.method is Method.EQUAL_PRINCIPAL
    assert terms.interest_basis is InterestBasis.DAILY


def test_a_drawdown_whose_disclosed_apr_exceeds_the_cap_is_refused() -> None:
    from dataclasses import replace

    from creditline.lending.loan import LoanContract
    from creditline.lending.product_errors import AprAboveCap

    product = replace(
        builtin_product("revolving-consumer"), apr_cap_pct=Decimal("21.7")
    )  # just under 0.06% × 365

    def draw(rate: str, term: int) -> LoanContract:
        return LoanContract.draw(
            loan_id="L", borrower_id="B", line_id="LN", product=product, amount=Money.parse("1000", "CNY"),
            term_months=term, method="equal-installment", rate_daily=Decimal(rate), disbursed=date(2025, 1, 31),
        )  # fmt: skip

    with pytest.raises(AprAboveCap) as caught:
        draw("0.0006", 12)  # IRR APR about 21.8%
    assert (caught.value.code, caught.value.field) == ("apr_above_cap", "daily_rate")
    assert draw("0.0005", 12).terms.principal == Money.parse("1000", "CNY")


def test_a_rate_of_eight_decimal_places_is_offered() -> None:
    product = builtin_product("revolving-consumer")
    product.check_drawdown(Money.parse("200000", "CNY"), 12, "equal-installment", Decimal("0.00059999"))
    assert load_product(shipped_text().replace('"0.0006"', '"0.00059999"'), source="fine.toml").rate_daily_max == Decimal(
        "0.00059999"
    )


def test_a_drawdown_end_of_day_could_not_accrue_in_int64_is_refused() -> None:
    """A product lending more than int64 accrual holds at its rate: the drawdown is refused by name; its
    loan would have stopped end of day for the whole book (`check_headroom`'s OverflowError)."""
    from dataclasses import replace

    from creditline.lending.loan import AccrualBatch, LoanContract, replay
    from creditline.lending.loan.batch import principal_room_minor

    product = replace(builtin_product("revolving-consumer"), drawdown_max=Money.parse("90000000000000", "CNY"),
                      penalty_rate_multiplier=Decimal("1.2345"))  # fmt: skip

    def draw(amount: str) -> LoanContract:
        return LoanContract.draw(
            loan_id="L", borrower_id="B", line_id="LN", product=product, amount=Money.parse(amount, "CNY"),
            term_months=12, method="equal-installment", rate_daily=Decimal("0.00059999"), disbursed=date(2025, 1, 31),
        )  # fmt: skip

    room = principal_room_minor(draw("1000").pricing)
    most = Money.of_minor(room, "CNY")
    contract = draw(most.amount_str())  # the most that fits is lent, and end of day can batch it
    AccrualBatch.from_states([replay(contract, [contract.disbursement("E1")], date(2025, 2, 1)).accrual])
    with pytest.raises(DrawdownAboveMaximum) as caught:
        draw(Money.of_minor(room + 1, "CNY").amount_str())
    assert (caught.value.field, caught.value.code) == ("amount", "drawdown_above_maximum")
    assert f"at most {most.amount_str()}" in caught.value.message
