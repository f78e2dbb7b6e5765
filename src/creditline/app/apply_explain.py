"""An explanation a borrower can read: why this outcome, what set the limit, what the price is made of."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from creditline.money import Money

REASON_TEXT = {
    "age_below_minimum": "You are younger than this product's minimum age.",
    "age_above_maximum": "You are older than this product's maximum age.",
    "blacklisted": "Your identity is on the lender's internal exclusion list.",
    "court_dishonest_debtor": "The courts list you as a judgment debtor who has not paid.",
    "identity_not_confirmed": "Your mobile carrier's real-name record did not match your name and ID number.",
    "liveness_failed": "The selfie did not pass the liveness check.",
    "face_match_weak": "Your selfie matched your ID photo only weakly; a person will check it.",
    "fraud_suspected": "The application matches known fraud patterns (shared devices, contacts or cards).",
    "fraud_review": "Some signals resemble fraud patterns; a person will check the application.",
    "bureau_delinquencies": "Your credit report shows three or more late payments in the last 24 months.",
    "bureau_delinquency_review": "Your credit report shows a late payment in the last 24 months.",
    "many_recent_inquiries": "Many lenders looked at your credit report in the last three months.",
    "debt_to_income_too_high": "Your existing repayments take too large a share of your income.",
    "debt_to_income_review": "Your existing repayments take a large share of your income.",
    "income_below_minimum": "Your income is below this product's minimum.",
    "pd_above_cutoff": "Our estimate of the chance of repayment difficulties is above our limit.",
    "risk_price_above_cap": "Lending to you at a price under the legal rate cap would not cover the expected loss.",
    "line_exists": "You already have a credit line of this product.",
}
LIMIT_TEXT = {
    "band_income_multiple": "a multiple of your monthly income for your risk band",
    "affordability": "what your income can repay after your existing debts",
    "initial_limit_max": "the cap on a first limit (limits grow with good repayment)",
    "jurisdiction_balance_cap": "the regulatory cap on online micro-loan balances per person",
    "jurisdiction_income_cap": "the regulatory cap of one third of your average annual income",
    "limit_min": "the smallest limit we open",
}


CONSENT_MISSING_TEXT = "You have not consented to %(use)s, which assessing credit needs."
NO_LIMIT_TEXT = "No limit could be offered: %(what)s leaves nothing."
PRICE_MADE_OF = "cost of funds + expected loss (PD x LGD) + operating cost + capital charge + margin"


def reason_text(code: str, words: Callable[[str], str] = str) -> str:
    """A decision reason's sentence; `words` (a gettext) gives it in the reader's language (`str`, the
    identity, keeps the English)."""
    if code.startswith("consent_missing:"):
        return words(CONSENT_MISSING_TEXT) % {"use": words(code.split(":", 1)[1].replace("_", " "))}
    if code.startswith("limit_"):
        return words(NO_LIMIT_TEXT) % {"what": words(LIMIT_TEXT.get(code[6:], code[6:]))}
    return words(REASON_TEXT.get(code, code.replace("_", " ")))


def in_words(explained: dict[str, Any], words: Callable[[str], str], language: str = "") -> dict[str, Any]:
    """An explanation (`explanation`) with every sentence in the reader's language: the reasons, the
    model's factors (their template and feature label; `risk.models.reasons.reworded` — a label in the
    lender's own words for `language` where the decision kept them, else the catalogue's), what set the
    limit, and the price and what it is made of. A text with no translation stays in English."""
    from creditline.risk.models.reasons import reworded
    from creditline.risk.pricing.price import DISPLAY, DISPLAY_RE

    out = dict(explained)
    out["reasons"] = [{"code": r["code"], "text": reason_text(r["code"], words)} for r in explained["reasons"]]
    labels = explained.get("label_words", {}).get(language, {})
    factor_words = (lambda text: labels.get(text) or words(text)) if labels else words
    factors = explained.get("factors", [])
    # each sentence translated once: the factors as data carry the same sentences as `model_factors`
    translated = {text: reworded(text, factor_words) for text in {*explained["model_factors"], *(f["text"] for f in factors)}}
    out["model_factors"] = [translated[text] for text in explained["model_factors"]]
    out["factors"] = [factor | {"text": translated[factor["text"]]} for factor in factors]
    if "limit" in out:
        out["limit"] = out["limit"] | {"set_by": words(out["limit"]["set_by"])}
    if "price" in out:
        shown = DISPLAY_RE.match(out["price"]["display"])
        display = words(DISPLAY) % shown.groupdict() if shown else out["price"]["display"]
        out["price"] = out["price"] | {"display": display, "made_of": words(out["price"]["made_of"])}
    return out


def offered(outcome: str) -> bool:
    """Whether a decision offers its limit and price: a decline offers neither (one declined for
    line_exists, limit_min or the price cap showed the limit and rate it was not given); the record
    keeps what the strategy computed. The decision view and the explanation both ask this."""
    from creditline.risk.policy import Outcome

    return outcome != str(Outcome.DECLINE)


def explanation(record: dict[str, Any]) -> dict[str, Any]:
    given = offered(record["outcome"])
    limit = record.get("limit") if given else None
    price = record.get("price") if given else None
    result: dict[str, Any] = {
        "decision_id": record["decision_id"],
        "outcome": record["outcome"],
        "reasons": [{"code": code, "text": reason_text(code)} for code in record["reasons"]],
        "model_factors": (record.get("pd") or {}).get("reasons", []),
        # the same factors as data (records before them: none): field, the applicant's value, impact
        "factors": (record.get("pd") or {}).get("factors", []),
        "label_words": (record.get("pd") or {}).get("label_words", {}),  # the lender's, per language
        "automated": True,
        "your_rights": (
            "This decision was made automatically. You may ask for a person to review it "
            f"(`creditline decision review {record['decision_id']} --reason ...`) and for this explanation."
        ),
    }
    if limit is not None:
        result["limit"] = {
            "amount": Money.of_minor(limit["limit_minor"], limit["currency"]).amount_str(),
            "currency": limit["currency"],
            "set_by": LIMIT_TEXT.get(limit["binding"], limit["binding"]),
        }
    if price is not None:
        result["price"] = {
            "display": price["display"],
            "made_of": PRICE_MADE_OF,
            "expected_loss_annual_pct": _pct(price["expected_loss_annual"]),
            "capped": price["clipped_by_cap"],
        }
    return result


def _pct(fraction: str) -> str:
    return format((Decimal(fraction) * 100).quantize(Decimal("0.01")), "f")
