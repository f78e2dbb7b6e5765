"""Builders for coupon tests: campaign files and a borrower with a line and a coupon."""

from __future__ import annotations

from typing import Any

from lending_fixtures import open_line

from creditline.app.coupons import IssueCoupon, add_campaign, issue_coupon

RATE_DISCOUNT = """
campaign_id = "{campaign_id}"
version = 1
name = "20% off interest"
kind = "rate-discount"
currency = "CNY"
budget_cap = "{budget}"
issue_from = 2025-01-01
issue_until = 2025-12-31
valid_days = {valid_days}
discount_pct = "20"
"""

FREE_DAYS = """
campaign_id = "{campaign_id}"
version = 1
name = "45 days interest-free"
kind = "interest-free-days"
currency = "CNY"
budget_cap = "{budget}"
issue_from = 2025-01-01
issue_until = 2025-12-31
valid_days = {valid_days}
free_days = 45
"""


def campaign(engine: Any, template: str = RATE_DISCOUNT, *, campaign_id: str = "spring", budget: str = "1000",
             valid_days: int = 30) -> str:  # fmt: skip
    text = template.format(campaign_id=campaign_id, budget=budget, valid_days=valid_days)
    return add_campaign(engine, text, f"{campaign_id}.toml")["campaign_id"]


def consent_to_marketing(engine: Any, borrower: str) -> str:
    """The borrower's account (made here) with an active consent to marketing, which a coupon needs; its id."""
    from creditline.app.access import AccessConfig
    from creditline.app.consents import grant
    from creditline.app.dev_access import dev_session
    from creditline.identity.passkeys import RelyingParty

    config = AccessConfig(RelyingParty("localhost", "creditline", ("http://localhost",)))
    account, _ = dev_session(engine, config, "borrower", borrower, borrower_id=borrower)
    grant(engine, account["account_id"], "marketing", "marketing", "v1", None)
    return account["account_id"]


def borrower_with_coupon(engine: Any, borrower: str, campaign_id: str, limit: str = "20000") -> tuple[str, str]:
    """(line id, coupon id) for a new borrower, consenting to marketing, holding one coupon of `campaign_id`."""
    line = open_line(engine, borrower, limit=limit, rate_pct="0.05")
    consent_to_marketing(engine, borrower)
    coupon = issue_coupon(engine, IssueCoupon(campaign_id, borrower, f"issue-{borrower}"))["coupon_id"]
    return line, coupon
