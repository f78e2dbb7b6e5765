"""Coupon use cases: add a campaign, enroll members, issue, list, quote, and redeem at drawdown.

Redemption at drawdown is a short saga around `app.loans.draw`, so the drawdown code stays the
lending core's own:
1. reserve — lock the coupon, check every rule (whose, used, expired, amount, term, the line's
   limit), price the saving on the schedule the drawdown will get, promise it against the budget
   with one conditional UPDATE, mark the coupon reserved for this client key; commit;
2. draw — `app.loans.draw` under the same client key; if it refuses, the reservation is released
   (budget and coupon exactly as before) and its error raised;
3. attach — the loan's own contract prices the saving again, the benefit lines (one per
   installment, due on its date) are written and the coupon marked redeemed.
A retry with the same key resumes wherever a crash left it (the drawdown's own idempotency
returns the loan); reservations whose drawdown never happened are released by `settle`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine

from creditline.app.catalogue import contract_of, product_of
from creditline.app.common import business_date, new_id
from creditline.app.errors import IdempotencyConflict, LineNotFound
from creditline.app.idempotency import check_key, first_result, remember
from creditline.app.repayment_sources import require_borrower
from creditline.errors import Conflict, DomainError
from creditline.ids import ID_PATTERN
from creditline.store import UnitOfWork
from creditline.store.promotions_repository import PromotionsRepository
from creditline.store.servicing_repository import ServicingRepository

LIST_LIMIT = 200


class CampaignExists(Conflict):
    code = "campaign_exists"


@dataclass(frozen=True, slots=True)
class IssueCoupon:
    campaign_id: str
    borrower_id: str
    key: str


@dataclass(frozen=True, slots=True)
class DrawWithCoupon:
    line_id: str
    amount: str  # major units as text
    term_months: int
    key: str
    coupon_id: str
    method: str | None = None


@lru_cache(maxsize=256)
def _parsed(content_hash: str, source_format: str, text: str) -> Any:
    from creditline.promotions import load_campaign

    campaign = load_campaign(text, source=f"campaign.{source_format}")
    assert campaign.content_hash == content_hash, "a stored campaign matches its hash"
    return campaign


def campaign_of(repo: PromotionsRepository, campaign_id: str) -> tuple[Any, dict[str, Any]]:
    from creditline.promotions import CampaignNotFound

    row = repo.campaign(campaign_id)
    if row is None:
        raise CampaignNotFound(f"no campaign {campaign_id!r}", field="campaign")
    return _parsed(row["content_hash"], row["source_format"], row["source_text"]), row


def add_campaign(engine: Engine, text: str, source: str) -> dict[str, Any]:
    """Store a campaign file; adding the same content again is a no-op, other content under its id a conflict."""
    from creditline.promotions import load_campaign

    campaign = load_campaign(text, source=source)
    source_format = "yaml" if source.lower().endswith((".yaml", ".yml")) else "toml"
    with UnitOfWork(engine) as uow:
        on = business_date(uow)
        repo = PromotionsRepository(uow.connection)
        if repo.campaign(campaign.campaign_id) is None:
            repo.add_campaign(
                {
                    "campaign_id": campaign.campaign_id, "version": campaign.version, "kind": str(campaign.kind),
                    "currency": campaign.currency.code, "budget_cap_minor": campaign.budget_cap.minor,
                    "issue_from": campaign.issue_from, "issue_until": campaign.issue_until,
                    "source_format": source_format, "source_text": text, "content_hash": campaign.content_hash,
                    "added_on": on,
                }
            )  # fmt: skip
        found = repo.campaign(campaign.campaign_id)  # ours, or one added meanwhile under the same id
        assert found is not None, "the campaign was there or has just been added"
        if found["content_hash"] != campaign.content_hash:
            raise CampaignExists(f"campaign {campaign.campaign_id} exists with other content; give it a new id", field="campaign_id")
        view = _campaign_view(campaign, found)
        uow.commit()
    return view


def show_campaign(engine: Engine, campaign_id: str) -> dict[str, Any]:
    with UnitOfWork(engine, read_only=True) as uow:
        campaign, row = campaign_of(PromotionsRepository(uow.connection), campaign_id)
    return _campaign_view(campaign, row)


def _campaign_view(campaign: Any, row: dict[str, Any]) -> dict[str, Any]:
    from creditline.money import Money

    def amount(minor: int) -> str:
        return Money(minor, campaign.currency).amount_str()

    return {
        "campaign_id": campaign.campaign_id,
        "version": campaign.version,
        "name": campaign.name,
        "kind": str(campaign.kind),
        "currency": campaign.currency.code,
        "discount_pct": None if campaign.discount_pct is None else format(campaign.discount_pct, "f"),
        "free_days": campaign.free_days,
        "issue_from": campaign.issue_from.isoformat(),
        "issue_until": campaign.issue_until.isoformat(),
        "budget_cap": amount(row.get("budget_cap_minor", campaign.budget_cap.minor)),
        "committed": amount(row.get("committed_minor", 0)),
        "spent": amount(row.get("spent_minor", 0)),
        "content_hash": campaign.content_hash,
    }


def enroll(engine: Engine, campaign_id: str, borrower_id: str) -> dict[str, Any]:
    if not re.fullmatch(ID_PATTERN, borrower_id):  # the shape the API admits; the column holds 64 characters
        raise DomainError("1 to 64 letters, digits, '-' or '_'", field="borrower", code="borrower_invalid")
    with UnitOfWork(engine) as uow:
        on = business_date(uow)
        repo = PromotionsRepository(uow.connection)
        campaign_of(repo, campaign_id)
        require_borrower(uow, borrower_id)  # a mistyped id would enroll nobody, and say it had
        added = repo.enroll(campaign_id, borrower_id, on)
        uow.commit()
    return {"campaign_id": campaign_id, "borrower_id": borrower_id, "enrolled": True, "new": added}


def issue_coupon(engine: Engine, command: IssueCoupon) -> dict[str, Any]:
    """Issue one coupon of a campaign to a borrower (marketing consent and eligibility checked), idempotent
    per client key. A borrower without an active marketing consent is refused (`marketing_consent_missing`)."""
    from creditline.app.access import now_s
    from creditline.app.consents import borrower_consents_to
    from creditline.privacy import Purpose
    from creditline.promotions import BorrowerStanding, issue

    key = check_key(command.key)
    request = {"campaign": command.campaign_id, "borrower": command.borrower_id}
    with UnitOfWork(engine) as uow:
        on = business_date(uow)
        repo = PromotionsRepository(uow.connection)
        repo.campaign(command.campaign_id, for_update=True)  # one issuer at a time per campaign: the per-borrower count holds
        # Read the key under that lock: a retry that waited on it sees the first issue's result.
        if (prior := first_result(uow, "coupon-issue", key, request)) is not None:
            return prior
        campaign, _ = campaign_of(repo, command.campaign_id)
        servicing = ServicingRepository(uow.connection)
        grade, first_opened = servicing.borrower_facts(command.borrower_id)
        if first_opened is None:
            raise LineNotFound(f"borrower {command.borrower_id!r} has no credit line", field="borrower")
        standing = BorrowerStanding(
            command.borrower_id, grade, (on - first_opened).days, repo.is_member(command.campaign_id, command.borrower_id),
            marketing_consent=borrower_consents_to(uow.connection, command.borrower_id, Purpose.MARKETING, now_s()),
            line_currencies=servicing.line_currencies(command.borrower_id),
        )
        held = repo.count_coupons(command.campaign_id, command.borrower_id)
        coupon = issue(campaign, standing, coupon_id=new_id("CP"), on=on, held=held)
        repo.add_coupon(
            {
                "coupon_id": coupon.coupon_id, "campaign_id": campaign.campaign_id, "campaign_version": campaign.version,
                "borrower_id": coupon.borrower_id, "issued_on": coupon.issued_on, "last_day": coupon.last_day,
                "status": str(coupon.status),
            }
        )  # fmt: skip
        view = _coupon_view(repo.coupon(coupon.coupon_id) or {}, campaign)
        remember(uow, "coupon-issue", key, request, view, borrower_id=command.borrower_id)
        uow.commit()
    return view


def list_coupons(engine: Engine, borrower_id: str, *, visible: bool = True, known: bool = False) -> dict[str, Any]:
    """The borrower's coupons on the business date; `visible=False` (a borrower asking about someone else)
    is the same answer with no coupons, so it neither errs nor confirms that borrower. `known=True` (an
    operator's CLI, where a mistyped id must not read as "no coupons") refuses a borrower with no line."""
    with UnitOfWork(engine, read_only=True) as uow:
        on = business_date(uow)
        if known:
            require_borrower(uow, borrower_id)
        repo = PromotionsRepository(uow.connection)
        rows = repo.coupons_of(borrower_id, LIST_LIMIT) if visible else []
        views = [_coupon_view(row, campaign_of(repo, row["campaign_id"])[0], on) for row in rows]
    return {"borrower_id": borrower_id, "business_date": on.isoformat(), "coupons": views}


def _coupon_view(row: dict[str, Any], campaign: Any, on: date | None = None) -> dict[str, Any]:
    from creditline.money import Money

    status = row["status"]
    if on is not None and status == "issued" and on > row["last_day"]:
        status = "expired"
    return {
        "coupon_id": row["coupon_id"],
        "campaign_id": row["campaign_id"],
        "borrower_id": row["borrower_id"],
        "kind": str(campaign.kind),
        "name": campaign.name,
        "issued_on": row["issued_on"].isoformat(),
        "last_day": row["last_day"].isoformat(),
        "status": status,
        "loan_id": row.get("loan_id"),
        "saving": Money(row.get("saving_minor") or 0, campaign.currency).amount_str(),
        "applied": Money(row.get("applied_minor") or 0, campaign.currency).amount_str(),
    }


def quote_coupon(engine: Engine, command: DrawWithCoupon) -> dict[str, Any]:
    """What the coupon would save on this drawdown, with the APR shown with and without it; changes nothing."""
    with UnitOfWork(engine, read_only=True) as uow:
        checked = _checked(uow, command)
    return {"coupon_id": command.coupon_id, **checked["benefit"].to_json()}


def _checked(uow: UnitOfWork, command: DrawWithCoupon, *, for_update: bool = False) -> dict[str, Any]:
    """Every rule of the coupon and of the drawdown, and the saving priced on the drawdown's schedule."""
    from creditline.lending.schedule import build_schedule
    from creditline.money import Money
    from creditline.promotions import Coupon, CouponNotFound, check_redeemable, coupon_benefit

    on = business_date(uow)
    record = uow.lines.get(command.line_id)
    if record is None:
        raise LineNotFound(f"no credit line {command.line_id!r}", field="line")
    line = record.line
    repo = PromotionsRepository(uow.connection)
    row = repo.coupon(command.coupon_id, for_update=for_update)
    if row is None:
        raise CouponNotFound(f"no coupon {command.coupon_id!r}", field="coupon")
    product = product_of(uow, line.product_id, record.product_version)
    amount = Money.parse(command.amount, line.limit.currency, field="amount")
    method = command.method or str(product.methods[0])
    campaign, _ = campaign_of(repo, row["campaign_id"])
    coupon = Coupon(
        row["coupon_id"], row["campaign_id"], row["campaign_version"], row["borrower_id"], row["issued_on"],
        row["last_day"], row["status"], row["loan_id"], row["redeemed_on"],
    )  # fmt: skip
    check_redeemable(coupon, campaign, borrower_id=line.borrower_id, on=on, amount=amount, term_months=command.term_months)
    line.reserve(amount, on)  # the limit and the line's status, as the drawdown will check them
    schedule = build_schedule(product.schedule_terms(amount, command.term_months, method, line.rate_daily, on))
    return {"on": on, "row": row, "campaign": campaign, "benefit": coupon_benefit(schedule, campaign), "repo": repo}


def draw_with_coupon(engine: Engine, command: DrawWithCoupon) -> dict[str, Any]:
    """Draw and redeem a coupon on the new loan: both happen, or neither (see the module's saga)."""
    from creditline.app.loans import Draw, draw

    key = check_key(command.key)
    _reserve(engine, command, key)
    try:
        result = draw(engine, Draw(command.line_id, command.amount, command.term_months, key, command.method))
    except DomainError:
        release_reservation(engine, command.coupon_id, key)
        raise
    return result | {"coupon": _attach(engine, command.coupon_id, key, result["loan_id"])}


def _reserve(engine: Engine, command: DrawWithCoupon, key: str) -> None:
    from creditline.promotions import BudgetExhausted

    with UnitOfWork(engine) as uow:
        repo = PromotionsRepository(uow.connection)
        # The line first: a concurrent reservation or drawdown on it finishes before this one reads anything.
        record = uow.lines.get(command.line_id, for_update=True)
        row = repo.coupon(command.coupon_id, for_update=True)
        owner = None if record is None else record.line.borrower_id
        if row is not None and row["draw_key"] == key and row["status"] in ("reserved", "redeemed") and owner == row["borrower_id"]:
            if row["status"] == "redeemed" or uow.idempotency.get("draw", key) is not None:
                return  # the owner's retry: the saga resumes with the drawdown's own idempotent replay
            # Reserved, never drawn: this request is the drawdown, checked and priced afresh (today, these terms).
            repo.release_budget(row["campaign_id"], row["saving_minor"])
            repo.update_coupon(command.coupon_id, status="issued", draw_key=None, reserved_on=None, saving_minor=0)
        _check_key_free(uow, repo, owner, command.coupon_id, key)
        checked = _checked(uow, command, for_update=True)
        saving = checked["benefit"].total_saving.minor
        if not repo.commit_budget(checked["campaign"].campaign_id, saving):
            raise BudgetExhausted(f"campaign {checked['campaign'].campaign_id} has no budget left for this coupon", field="coupon")
        repo.update_coupon(command.coupon_id, status="reserved", draw_key=key, reserved_on=checked["on"], saving_minor=saving)
        uow.commit()


def _check_key_free(uow: UnitOfWork, repo: PromotionsRepository, borrower_id: str | None, coupon_id: str, key: str) -> None:
    """One key, one drawdown, at most one coupon: refuse a key that has drawn already (the replayed loan
    would take a second coupon) or that another of the borrower's coupons is reserved under."""
    holders = [] if borrower_id is None else repo.coupons_with_key(borrower_id, key)
    if any(held != coupon_id for held in holders) or uow.idempotency.get("draw", key) is not None:
        raise IdempotencyConflict(f"{key!r} was already used for a drawdown without this coupon", field="key")


def release_reservation(engine: Engine, coupon_id: str, key: str, *, reserved_before: date | None = None) -> int:
    """Undo a reservation whose drawdown did not happen: the coupon and budget exactly as before (1 if undone).
    `reserved_before`: only one made before that date (a stale one, not one a retry has just renewed)."""
    with UnitOfWork(engine) as uow:
        repo = PromotionsRepository(uow.connection)
        row = repo.coupon(coupon_id, for_update=True)
        if row is None or row["status"] != "reserved" or row["draw_key"] != key:
            return 0
        if reserved_before is not None and row["reserved_on"] >= reserved_before:
            return 0
        if uow.idempotency.get("draw", key) is not None:  # the loan exists: the coupon is attached on a retry, not released
            return 0
        repo.release_budget(row["campaign_id"], row["saving_minor"])
        repo.update_coupon(coupon_id, status="issued", draw_key=None, reserved_on=None, saving_minor=0)
        uow.commit()
    return 1


def _attach(engine: Engine, coupon_id: str, key: str, loan_id: str) -> dict[str, Any]:
    from creditline.promotions import CouponNotApplicable, coupon_benefit

    with UnitOfWork(engine) as uow:
        repo = PromotionsRepository(uow.connection)
        row = repo.coupon(coupon_id, for_update=True)
        assert row is not None and row["draw_key"] == key, "the reservation is this drawdown's"
        campaign, _ = campaign_of(repo, row["campaign_id"])
        if row["status"] == "redeemed":
            return _redeemed_view(row, repo.benefits_of_coupon(coupon_id), campaign)
        head = uow.loans.get(loan_id)
        assert head is not None, "the drawdown just returned this loan"
        contract = contract_of(uow, head)
        # Drawn before the reservation: a loan of the key's past. Drawn on a later date is this saga's own
        # drawdown when end of day opened a new date between reserve and draw; the coupon is attached to it.
        if contract.terms.disbursed < row["reserved_on"]:
            repo.release_budget(row["campaign_id"], row["saving_minor"])
            repo.update_coupon(coupon_id, status="issued", draw_key=None, reserved_on=None, saving_minor=0)
            uow.commit()
            raise CouponNotApplicable("a coupon applies to a new drawdown, not to an earlier loan's key", field="key")
        benefit = _within(coupon_benefit(contract.schedule, campaign), row["saving_minor"])
        savings = [saving.minor for saving in benefit.savings]
        repo.release_budget(row["campaign_id"], row["saving_minor"] - sum(savings))
        on = business_date(uow)
        repo.add_benefits(
            [
                {
                    "coupon_id": coupon_id, "installment": r.n, "loan_id": loan_id, "borrower_id": head.borrower_id,
                    "currency": head.currency.code, "apply_on": r.due_date, "amount_minor": saving,
                    "status": "pending" if saving else "applied",
                }
                for r, saving in zip(contract.schedule.rows, savings, strict=True)
            ]
        )  # fmt: skip
        repo.update_coupon(coupon_id, status="redeemed", loan_id=loan_id, redeemed_on=on, saving_minor=sum(savings))
        view = _redeemed_view(repo.coupon(coupon_id) or row, repo.benefits_of_coupon(coupon_id), campaign, benefit)
        uow.commit()
    return view


def _within(benefit: Any, reserved_minor: int) -> Any:
    """The benefit with savings trimmed from the last installment back to what the budget promised."""
    from creditline.money import Money
    from creditline.promotions import with_savings

    excess = benefit.total_saving.minor - reserved_minor
    trimmed = [saving.minor for saving in benefit.savings]
    for index in range(len(trimmed) - 1, -1, -1):
        if excess <= 0:
            break
        cut = min(trimmed[index], excess)
        trimmed[index] -= cut
        excess -= cut
    currency = benefit.schedule.terms.principal.currency
    return with_savings(benefit.schedule, [Money(minor, currency) for minor in trimmed])


def _redeemed_view(row: dict[str, Any], benefits: list[dict[str, Any]], campaign: Any, benefit: Any = None) -> dict[str, Any]:
    from creditline.money import Money

    view = _coupon_view(row, campaign) | {
        "installments": [
            {
                "n": b["installment"],
                "apply_on": b["apply_on"].isoformat(),
                "saving": Money(b["amount_minor"], campaign.currency).amount_str(),
            }
            for b in benefits
        ]
    }
    if benefit is not None:
        view |= {
            "apr_without_pct": format(benefit.apr_without.apr_pct_display, "f"),
            "apr_with_pct": format(benefit.apr_with.apr_pct_display, "f"),
        }
    return view
