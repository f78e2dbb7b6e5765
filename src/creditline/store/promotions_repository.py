"""The promotions repository: campaigns and their budget counters, members, coupons, benefit lines."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, update

from creditline.store.tables_promotions import (
    coupon_benefits,
    coupons,
    promotion_campaigns,
    promotion_members,
)
from creditline.store.upsert import dialect_insert

_camp = promotion_campaigns.c
_coup = coupons.c
_ben = coupon_benefits.c


class PromotionsRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # -- campaigns and their budget ----------------------------------------------------------------
    def add_campaign(self, row: dict[str, Any]) -> None:
        """Add a campaign unless its id is taken (a concurrent add of it is waited for, not a key violation;
        the caller reads back whichever was stored)."""
        statement = dialect_insert(self.connection, promotion_campaigns).values(committed_minor=0, spent_minor=0, **row)
        self.connection.execute(statement.on_conflict_do_nothing())

    def campaign(self, campaign_id: str, *, for_update: bool = False) -> dict[str, Any] | None:
        query = select(promotion_campaigns).where(_camp.campaign_id == campaign_id)
        if for_update:
            query = query.with_for_update()
        row = self.connection.execute(query).mappings().first()
        return None if row is None else dict(row)

    def campaigns(self, limit: int) -> list[dict[str, Any]]:
        query = select(promotion_campaigns).order_by(_camp.campaign_id).limit(limit)
        return [dict(row) for row in self.connection.execute(query).mappings()]

    def commit_budget(self, campaign_id: str, amount_minor: int) -> bool:
        """Promise `amount_minor` more of the budget, in one conditional UPDATE; False when it would exceed the cap.

        On PostgreSQL a concurrent redemption waits for this row's lock and then re-evaluates the
        WHERE clause against the committed value, so the cap holds without a lost update.
        """
        assert amount_minor >= 0, "a commitment is never negative"
        result = self.connection.execute(
            update(promotion_campaigns)
            .where(
                _camp.campaign_id == campaign_id,
                _camp.committed_minor + amount_minor <= _camp.budget_cap_minor,
            )
            .values(committed_minor=_camp.committed_minor + amount_minor)
        )
        return result.rowcount == 1

    def release_budget(self, campaign_id: str, amount_minor: int) -> None:
        assert amount_minor >= 0, "a release is never negative"
        self.connection.execute(
            update(promotion_campaigns)
            .where(_camp.campaign_id == campaign_id)
            .values(committed_minor=_camp.committed_minor - amount_minor)
        )

    def spend(self, campaign_id: str, amount_minor: int) -> None:
        self.connection.execute(
            update(promotion_campaigns)
            .where(_camp.campaign_id == campaign_id)
            .values(spent_minor=_camp.spent_minor + amount_minor)
        )

    # -- members ------------------------------------------------------------------------------------
    def enroll(self, campaign_id: str, borrower_id: str, on: date) -> bool:
        """Enroll a borrower; False if they already were (the row is not touched)."""
        statement = dialect_insert(self.connection, promotion_members).values(campaign_id=campaign_id, borrower_id=borrower_id, enrolled_on=on)
        # RETURNING, not rowcount: on PostgreSQL the rowcount of this INSERT ... ON CONFLICT DO NOTHING read -1
        added = self.connection.execute(statement.on_conflict_do_nothing().returning(promotion_members.c.borrower_id))
        return added.first() is not None

    def is_member(self, campaign_id: str, borrower_id: str) -> bool:
        m = promotion_members.c
        query = select(func.count()).where(m.campaign_id == campaign_id, m.borrower_id == borrower_id)
        return bool(self.connection.execute(query).scalar_one())

    # -- coupons ------------------------------------------------------------------------------------
    def add_coupon(self, row: dict[str, Any]) -> None:
        self.connection.execute(insert(coupons).values(saving_minor=0, applied_minor=0, released_minor=0, **row))

    def coupon(self, coupon_id: str, *, for_update: bool = False) -> dict[str, Any] | None:
        query = select(coupons).where(_coup.coupon_id == coupon_id)
        if for_update:
            query = query.with_for_update()
        row = self.connection.execute(query).mappings().first()
        return None if row is None else dict(row)

    def update_coupon(self, coupon_id: str, **values: Any) -> None:
        self.connection.execute(update(coupons).where(_coup.coupon_id == coupon_id).values(**values))

    def count_coupons(self, campaign_id: str, borrower_id: str) -> int:
        query = select(func.count()).where(_coup.campaign_id == campaign_id, _coup.borrower_id == borrower_id)
        return int(self.connection.execute(query).scalar_one())

    def coupons_with_key(self, borrower_id: str, draw_key: str) -> list[str]:
        """The borrower's coupons reserved or redeemed under a drawdown key (one, or a bug: at most two read)."""
        query = select(_coup.coupon_id).where(_coup.borrower_id == borrower_id, _coup.draw_key == draw_key).limit(2)
        return list(self.connection.execute(query).scalars())

    def coupons_of(self, borrower_id: str, limit: int) -> list[dict[str, Any]]:
        query = select(coupons).where(_coup.borrower_id == borrower_id).order_by(_coup.issued_on, _coup.coupon_id)
        return [dict(row) for row in self.connection.execute(query.limit(limit)).mappings()]

    def stale_reservations(self, before: date, limit: int) -> list[dict[str, Any]]:
        query = (
            select(coupons)
            .where(_coup.status == "reserved", _coup.reserved_on < before)
            .order_by(_coup.reserved_on, _coup.coupon_id)
            .limit(limit)
        )
        return [dict(row) for row in self.connection.execute(query).mappings()]

    # -- benefit lines ------------------------------------------------------------------------------
    def add_benefits(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.connection.execute(insert(coupon_benefits), [{"applied_minor": 0, **row} for row in rows])

    def loans_with_benefits_due(self, on: date, limit: int, after: str = "") -> list[str]:
        """Loans with savings pending and due by `on`, in loan id order from after `after` (a page)."""
        query = (
            select(_ben.loan_id)
            .where(and_(_ben.status == "pending", _ben.apply_on <= on, _ben.loan_id > after))
            .group_by(_ben.loan_id)
            .order_by(_ben.loan_id)
            .limit(limit)
        )
        return [str(loan_id) for loan_id in self.connection.execute(query).scalars()]

    def benefits_of_loan(self, loan_id: str) -> list[dict[str, Any]]:
        query = select(coupon_benefits).where(_ben.loan_id == loan_id).order_by(_ben.apply_on, _ben.coupon_id, _ben.installment)
        return [dict(row) for row in self.connection.execute(query).mappings()]

    def benefits_of_coupon(self, coupon_id: str) -> list[dict[str, Any]]:
        query = select(coupon_benefits).where(_ben.coupon_id == coupon_id).order_by(_ben.installment)
        return [dict(row) for row in self.connection.execute(query).mappings()]

    def update_benefit(self, coupon_id: str, installment: int, *, applied_minor: int, status: str) -> None:
        self.connection.execute(
            update(coupon_benefits)
            .where(_ben.coupon_id == coupon_id, _ben.installment == installment)
            .values(applied_minor=applied_minor, status=status)
        )
