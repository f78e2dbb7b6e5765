"""`creditline coupon ...` end to end, and its one-line errors (exit 2)."""

from __future__ import annotations

from pathlib import Path

from coupon_fixtures import RATE_DISCOUNT, consent_to_marketing
from integration_helpers import cli, ok
from lending_fixtures import open_line, setup_books, usd_line


def test_campaign_issue_quote_draw_settle(engine, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    setup_books(engine)
    line = open_line(engine, "B1")
    file = tmp_path / "spring.toml"
    file.write_text(RATE_DISCOUNT.format(campaign_id="spring", budget="1000", valid_days=30), encoding="utf-8")
    db = ("--db", db_url)
    assert ok("coupon", "campaign-add", "--file", str(file), *db)["budget_cap"] == "1000.00"
    assert ok("coupon", "campaign-add", "--file", str(file), *db)["committed"] == "0.00"  # the same file again
    refused = cli("coupon", "issue", "--campaign", "spring", "--borrower", "B1", "--key", "i1", *db)
    assert (refused.exit_code, refused.stderr.strip()) == (
        2, "error: --borrower: the borrower has not consented to marketing (or withdrew it)")
    consent_to_marketing(engine, "B1")
    coupon = ok("coupon", "issue", "--campaign", "spring", "--borrower", "B1", "--key", "i1", *db)["coupon_id"]
    quote = ok("coupon", "quote", "--line", line, "--amount", "12000", "--term", "3", "--coupon", coupon, *db)
    assert (quote["total_saving"], quote["apr_without_pct"], quote["apr_with_pct"]) == ("72.36", "18.00", "14.40")
    drawn = ok("coupon", "draw", "--line", line, "--amount", "12000", "--term", "3", "--coupon", coupon, "--key", "d1", *db)
    assert drawn["coupon"]["saving"] == "72.36"
    listed = ok("coupon", "list", "--borrower", "B1", *db)["coupons"]
    assert [c["status"] for c in listed] == ["redeemed"]
    assert ok("coupon", "settle", *db)["loans"] == 0  # nothing falls due on the day of the drawdown
    assert ok("coupon", "campaign-show", "spring", *db)["committed"] == "72.36"
    text = cli("coupon", "quote", "--line", line, "--amount", "1000", "--term", "3", "--coupon", coupon, *db)
    assert (text.exit_code, text.stderr.strip()) == (2, f"error: --coupon: coupon {coupon} was used on 2025-01-01")


def test_errors_are_one_line_naming_the_option(engine, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    setup_books(engine)
    line = open_line(engine, "B1")
    db = ("--db", db_url)
    missing = cli("coupon", "draw", "--line", line, "--amount", "100", "--term", "3", "--coupon", "CPx", "--key", "k", *db)
    assert (missing.exit_code, missing.stderr.strip()) == (2, "error: --coupon: no coupon 'CPx'")
    bad_file = tmp_path / "bad.toml"
    bad_file.write_text(RATE_DISCOUNT.format(campaign_id="x", budget="-5", valid_days=30), encoding="utf-8")
    bad = cli("coupon", "campaign-add", "--file", str(bad_file), *db)
    assert bad.exit_code == 2 and bad.stderr.startswith("error: --budget-cap: must be more than zero")
    absent = cli("coupon", "campaign-add", "--file", str(tmp_path / "absent.toml"), *db)
    assert absent.exit_code == 2 and absent.stderr.startswith("error: --file: cannot read")
    unknown = cli("coupon", "issue", "--campaign", "nope", "--borrower", "B1", "--key", "k", *db)
    assert (unknown.exit_code, unknown.stderr.strip()) == (2, "error: --campaign: no campaign 'nope'")


def test_enrolling_a_malformed_borrower_id_is_refused(engine, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from integration_helpers import dump

    setup_books(engine)
    file = tmp_path / "spring.toml"
    file.write_text(RATE_DISCOUNT.format(campaign_id="spring", budget="1000", valid_days=30), encoding="utf-8")
    db = ("--db", db_url)
    ok("coupon", "campaign-add", "--file", str(file), *db)
    before = dump(engine)
    for borrower in ("", "B" * 65, "a b"):  # 65 characters overflowed the column on PostgreSQL: a traceback
        refused = cli("coupon", "enroll", "--campaign", "spring", "--borrower", borrower, *db)
        assert (refused.exit_code, refused.stderr.strip()) == (2, "error: --borrower: 1 to 64 letters, digits, '-' or '_'")
    assert dump(engine) == before


def test_enrolling_a_borrower_who_does_not_exist_is_refused(engine, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A mistyped borrower id was enrolled (exit 0, `new: true`, a members row for nobody), so finance
    believed the real borrower could now be issued the members-only coupon."""
    from integration_helpers import dump

    setup_books(engine)
    open_line(engine, "B1")
    file = tmp_path / "spring.toml"
    file.write_text(RATE_DISCOUNT.format(campaign_id="spring", budget="1000", valid_days=30), encoding="utf-8")
    db = ("--db", db_url)
    ok("coupon", "campaign-add", "--file", str(file), *db)
    before = dump(engine)
    refused = cli("coupon", "enroll", "--campaign", "spring", "--borrower", "B2", *db)
    assert (refused.exit_code, refused.stderr.strip()) == (2, "error: --borrower: no borrower B2")
    assert dump(engine) == before
    enrolled = ok("coupon", "enroll", "--campaign", "spring", "--borrower", "B1", *db)
    assert (enrolled["borrower_id"], enrolled["new"]) == ("B1", True)


def _dollar_campaign_for_b1(engine, db: tuple[str, str], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The USD campaign `dollars` added through the CLI, and B1 consenting to marketing."""
    file = tmp_path / "dollars.toml"
    file.write_text(RATE_DISCOUNT.format(campaign_id="dollars", budget="1000", valid_days=30).replace('"CNY"', '"USD"'),
                    encoding="utf-8")  # fmt: skip
    ok("coupon", "campaign-add", "--file", str(file), *db)
    consent_to_marketing(engine, "B1")


def test_a_coupon_in_another_currency_is_refused_on_coupon(engine, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """quote and draw named --currency, an option neither command has, for a coupon of USD loans on a CNY line."""
    from integration_helpers import dump

    setup_books(engine)
    line = open_line(engine, "B1")
    usd_line(engine, "B1")  # a dollar line too: a USD coupon is issued only to a borrower who could use it
    db = ("--db", db_url)
    _dollar_campaign_for_b1(engine, db, tmp_path)
    coupon = ok("coupon", "issue", "--campaign", "dollars", "--borrower", "B1", "--key", "i1", *db)["coupon_id"]
    before = dump(engine)
    for command in (("quote",), ("draw", "--key", "d1")):
        refused = cli("coupon", *command, "--line", line, "--amount", "1000", "--term", "3", "--coupon", coupon, *db)
        assert (refused.exit_code, refused.stderr.strip()) == (2, "error: --coupon: the coupon is for USD loans")
    assert dump(engine) == before


def test_a_coupon_in_a_currency_the_borrower_has_no_line_in_is_not_issued(engine, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A USD campaign issued a coupon to a borrower whose lines are all CNY: it could never be used, yet it
    counted against the campaign's per-borrower limit. Refused naming --borrower, nothing written."""
    from integration_helpers import dump

    setup_books(engine)
    open_line(engine, "B1")
    db = ("--db", db_url)
    _dollar_campaign_for_b1(engine, db, tmp_path)
    before = dump(engine)
    refused = cli("coupon", "issue", "--campaign", "dollars", "--borrower", "B1", "--key", "i1", *db)
    assert (refused.exit_code, refused.stderr.strip()) == (
        2, "error: --borrower: the borrower has no credit line in USD, the campaign's currency")
    assert dump(engine) == before
    usd_line(engine, "B1")
    issued = ok("coupon", "issue", "--campaign", "dollars", "--borrower", "B1", "--key", "i1", *db)
    assert (issued["borrower_id"], issued["status"]) == ("B1", "issued")


def test_listing_the_coupons_of_an_unknown_borrower_is_refused(engine, db_url: str) -> None:  # type: ignore[no-untyped-def]
    """`coupon list --borrower NOPE` answered "NOPE has no coupons" (exit 0), so a mistyped id read as a
    borrower without coupons; `source list` already refused it."""
    setup_books(engine)
    open_line(engine, "B1")
    db = ("--db", db_url)
    refused = cli("coupon", "list", "--borrower", "NOPE", *db)
    assert (refused.exit_code, refused.stderr.strip(), refused.stdout) == (2, "error: --borrower: no borrower NOPE", "")
    listed = cli("coupon", "list", "--borrower", "B1", *db)
    assert (listed.exit_code, listed.stdout.strip()) == (0, "B1 has no coupons")
