"""`creditline coupon ...`: campaigns, issuing and listing coupons, quoting and drawing with one, settling savings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from creditline.cli.db_cmd import DbOption, JsonOption, emit, engine_for, options_named

FILE_BYTES_MAX = 20_000
KeyOption = Annotated[str, typer.Option("--key", help="client idempotency key: a retry with it returns the first result")]
CouponOption = Annotated[str, typer.Option("--coupon", help="coupon id")]
LineOption = Annotated[str, typer.Option("--line", help="credit line id")]
AmountOption = Annotated[str, typer.Option("--amount", help="amount to draw, in major units")]
TermOption = Annotated[int, typer.Option("--term", help="term in months (one the product offers)")]
MethodOption = Annotated[str | None, typer.Option("--method", help="repayment method (default: the product's first)")]


def _engine(db_url: str | None):  # type: ignore[no-untyped-def]

    return engine_for(db_url)


def _read(path: str) -> str:
    from creditline.promotions import CampaignInvalid

    file = Path(path)
    try:
        if file.stat().st_size > FILE_BYTES_MAX:
            raise CampaignInvalid(f"a campaign file is at most {FILE_BYTES_MAX} bytes", field="file")
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CampaignInvalid(f"cannot read {path}: {exc.__class__.__name__}", field="file") from None


def _coupon_line(view: dict) -> str:
    return (
        f"{view['coupon_id']} {view['kind']} ({view['campaign_id']}): {view['status']}, usable to {view['last_day']}"
        + (f", loan {view['loan_id']}, saving {view['saving']}, applied {view['applied']}" if view.get("loan_id") else "")
    )


def register(app: typer.Typer) -> None:
    coupon = typer.Typer(help="Coupons and promotions: interest-free days and rate discounts.", no_args_is_help=True)
    app.add_typer(coupon, name="coupon")

    @coupon.command("campaign-add")
    def campaign_add(
        file: Annotated[str, typer.Option("--file", help="campaign file (.toml or .yaml)")],
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Add a campaign from its file (the same file again changes nothing)."""
        from creditline.app.coupons import add_campaign

        view = add_campaign(_engine(db_url), _read(file), file)
        emit(view, as_json, f"campaign {view['campaign_id']} ({view['kind']}): budget {view['budget_cap']} {view['currency']}")

    @coupon.command("campaign-show")
    def campaign_show(
        campaign_id: Annotated[str, typer.Argument(help="campaign id")], db_url: DbOption = None, as_json: JsonOption = False
    ) -> None:
        """A campaign with its budget: cap, committed to redeemed coupons, spent on loans."""
        from creditline.app.coupons import show_campaign

        view = show_campaign(_engine(db_url), campaign_id)
        emit(
            view, as_json,
            f"campaign {view['campaign_id']}: cap {view['budget_cap']}, committed {view['committed']}, spent {view['spent']} {view['currency']}",
        )  # fmt: skip

    @coupon.command("enroll")
    def enroll_cmd(
        campaign: Annotated[str, typer.Option("--campaign", help="campaign id")],
        borrower: Annotated[str, typer.Option("--borrower", help="borrower id")],
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Enroll a borrower in a members-only campaign."""
        from creditline.app.coupons import enroll

        view = enroll(_engine(db_url), campaign, borrower)
        emit(view, as_json, f"{borrower} enrolled in {campaign}")

    @coupon.command("issue")
    def issue_cmd(
        campaign: Annotated[str, typer.Option("--campaign", help="campaign id")],
        borrower: Annotated[str, typer.Option("--borrower", help="borrower id")],
        key: KeyOption,
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Issue a coupon to a borrower who consents to marketing and whom the campaign's eligibility rules admit."""
        from creditline.app.coupons import IssueCoupon, issue_coupon

        view = issue_coupon(_engine(db_url), IssueCoupon(campaign, borrower, key))
        emit(view, as_json, _coupon_line(view))

    @coupon.command("list")
    def list_cmd(
        borrower: Annotated[str, typer.Option("--borrower", help="borrower id")], db_url: DbOption = None, as_json: JsonOption = False
    ) -> None:
        """A borrower's coupons: issued, expired, redeemed, with what each saved (an unknown borrower is refused)."""
        from creditline.app.coupons import list_coupons

        view = list_coupons(_engine(db_url), borrower, known=True)
        emit(view, as_json, "\n".join(_coupon_line(c) for c in view["coupons"]) or f"{borrower} has no coupons")

    @coupon.command("quote")
    def quote_cmd(
        line: LineOption, amount: AmountOption, term: TermOption, coupon_id: CouponOption,
        method: MethodOption = None, db_url: DbOption = None, as_json: JsonOption = False,
    ) -> None:  # fmt: skip
        """What a coupon saves on a drawdown, installment by installment, and the APR with and without it."""
        from creditline.app.coupons import DrawWithCoupon, quote_coupon

        with options_named(currency="--coupon"):  # the coupon's currency: this command takes no --currency
            view = quote_coupon(_engine(db_url), DrawWithCoupon(line, amount, term, "quote", coupon_id, method))
        emit(
            view, as_json,
            f"saving {view['total_saving']} {view['currency']}: interest {view['interest_without']} -> "
            f"{view['interest_with']}, APR {view['apr_without_pct']}% -> {view['apr_with_pct']}%",
        )  # fmt: skip

    @coupon.command("draw")
    def draw_cmd(
        line: LineOption, amount: AmountOption, term: TermOption, coupon_id: CouponOption, key: KeyOption,
        method: MethodOption = None, db_url: DbOption = None, as_json: JsonOption = False,
    ) -> None:  # fmt: skip
        """Draw from a line and redeem a coupon on the new loan (both, or neither)."""
        from creditline.app.coupons import DrawWithCoupon, draw_with_coupon

        with options_named(currency="--coupon"):
            view = draw_with_coupon(_engine(db_url), DrawWithCoupon(line, amount, term, key, coupon_id, method))
        emit(
            view, as_json,
            f"drew {view['principal_outstanding']} {view['currency']}: loan {view['loan_id']}, coupon saving "
            f"{view['coupon']['saving']}, APR {view['coupon']['apr_without_pct']}% -> {view['coupon']['apr_with_pct']}%",
        )  # fmt: skip

    @coupon.command("settle")
    def settle_cmd(db_url: DbOption = None, as_json: JsonOption = False) -> None:
        """Apply the savings due by the business date (end of day runs it before auto-debit)."""
        from creditline.app.coupon_benefits import settle

        view = settle(_engine(db_url))
        emit(
            view, as_json,
            f"{view['business_date']}: {view['loans']} loan(s), applied {view['applied_minor']} minor units, "
            f"forfeited {view['forfeited_minor']}, reservations released {view['reservations_released']}",
        )  # fmt: skip
