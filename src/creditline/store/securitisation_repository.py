"""The securitisation repository: the books as a loan tape, deals and the loans sold into them, the
trust sub-ledger and collection periods, partner remittances and allowance shares (tables in
`creditline.store.tables_securitisation`)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, func, insert, or_, select, update

from creditline.store import tables as t
from creditline.store.tables_colending import loan_funding, loan_funding_shares
from creditline.store.tables_securitisation import (
    partner_allowance_shares,
    partner_remittances,
    trust_deals,
    trust_ledger,
    trust_loans,
    trust_periods,
)
from creditline.store.tables_servicing import chunks, loan_snapshots, snapshot_dates

PAGE_SIZE = 2_000
DEALS_LISTED_MAX = 500
ON_BOOK = ("active", "overdue", "charged-off")
DEFAULTED = ("charged-off", "written-off")

_d, _tl, _lg, _p = trust_deals.c, trust_loans.c, trust_ledger.c, trust_periods.c


class SecuritisationRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # -- the books as a tape ----------------------------------------------------------------------------
    def book_loans(self) -> list[dict[str, Any]]:
        """Loans on the books with principal outstanding that no trust owns, in loan-id order."""
        lo = t.loans.c
        query = (
            select(
                lo.loan_id, lo.borrower_id, lo.line_id, lo.currency, lo.terms_json, lo.disbursed_on, lo.status,
                lo.days_past_due, lo.principal_outstanding_minor, lo.totals_json, lo.row_count, lo.version,
            )
            .outerjoin(trust_loans, _tl.loan_id == lo.loan_id)
            .where(lo.status.in_(ON_BOOK), lo.principal_outstanding_minor > 0, _tl.loan_id.is_(None))
            .order_by(lo.loan_id)
        )  # fmt: skip
        return [dict(row) for row in self.connection.execute(query).mappings()]

    def loans_by_id(self, loan_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The loan rows named (any status), with the deal that owns each (None when the platform does)."""
        lo = t.loans.c
        found: dict[str, dict[str, Any]] = {}
        for part in chunks(sorted(set(loan_ids))):
            query = (
                select(
                    lo.loan_id, lo.borrower_id, lo.line_id, lo.currency, lo.terms_json, lo.disbursed_on, lo.status,
                    lo.days_past_due, lo.principal_outstanding_minor, lo.totals_json, lo.row_count, lo.version,
                    _tl.deal_id,
                )
                .outerjoin(trust_loans, _tl.loan_id == lo.loan_id)
                .where(lo.loan_id.in_(part))
            )  # fmt: skip
            found.update({row["loan_id"]: dict(row) for row in self.connection.execute(query).mappings()})
        return found

    def funding_weights(self, loan_ids: Sequence[str]) -> dict[str, tuple[int, ...]]:
        """Split weights (platform first, partners by id) of the co-lent loans among `loan_ids`."""
        f, s = loan_funding.c, loan_funding_shares.c
        weights: dict[str, tuple[int, ...]] = {}
        for part in chunks(sorted(set(loan_ids))):
            query = (
                select(f.loan_id, f.platform_share_bp, s.partner_id, s.share_bp)
                .join(loan_funding_shares, s.loan_id == f.loan_id)
                .where(f.loan_id.in_(part), f.co_lent.is_(True))
                .order_by(f.loan_id, s.partner_id)
            )
            partners: dict[str, list[int]] = defaultdict(list)
            platform: dict[str, int] = {}
            for loan_id, platform_bp, _, share_bp in self.connection.execute(query):
                platform[loan_id] = platform_bp
                partners[loan_id].append(share_bp)
            weights.update({loan_id: (platform[loan_id], *partners[loan_id]) for loan_id in platform})
        return weights

    def co_lent_shares(self) -> dict[str, tuple[tuple[str, ...], tuple[int, ...]]]:
        """Every co-lent loan: (its partners in id order, split weights with the platform first)."""
        f, s = loan_funding.c, loan_funding_shares.c
        query = (
            select(f.loan_id, f.platform_share_bp, s.partner_id, s.share_bp)
            .join(loan_funding_shares, s.loan_id == f.loan_id)
            .where(f.co_lent.is_(True))
            .order_by(f.loan_id, s.partner_id)
        )
        partners: dict[str, list[tuple[str, int]]] = defaultdict(list)
        platform: dict[str, int] = {}
        for loan_id, platform_bp, partner_id, share_bp in self.connection.execute(query):
            platform[loan_id] = platform_bp
            partners[loan_id].append((partner_id, share_bp))
        return {
            loan_id: (tuple(p for p, _ in partners[loan_id]), (bp, *(w for _, w in partners[loan_id])))
            for loan_id, bp in platform.items()
        }

    def line_decisions(self, line_ids: Sequence[str]) -> dict[str, tuple[str | None, str]]:
        """(PD text, decision record JSON) of the latest decision that opened each line, where one did."""
        from creditline.store.tables_origination import origination_decisions

        d = origination_decisions.c
        found: dict[str, tuple[str | None, str]] = {}
        for part in chunks(sorted(set(line_ids))):
            query = select(d.line_id, d.pd, d.record_json).where(d.line_id.in_(part)).order_by(d.business_date)
            found.update({line_id: (pd, record) for line_id, pd, record in self.connection.execute(query)})
        return found

    def snapshot_date_on_or_before(self, day: date) -> date | None:
        s = snapshot_dates.c
        return self.connection.execute(select(func.max(s.as_of)).where(s.as_of <= day)).scalar()

    def snapshot_dates(self) -> list[date]:
        s = snapshot_dates.c
        return [row[0] for row in self.connection.execute(select(s.as_of).order_by(s.as_of))]

    def snapshot_pds(self, as_of: date, loan_ids: Sequence[str]) -> dict[str, float]:
        s = loan_snapshots.c
        found: dict[str, float] = {}
        for part in chunks(sorted(set(loan_ids))):
            query = select(s.loan_id, s.pd_12m).where(s.as_of == as_of, s.loan_id.in_(part))
            found.update({loan_id: float(pd) for loan_id, pd in self.connection.execute(query)})
        return found

    def snapshot_loans(self, as_of: date) -> list[dict[str, Any]]:
        """The snapshot rows of `as_of` that are loans on book, with each loan's terms and line."""
        s, lo = loan_snapshots.c, t.loans.c
        query = (
            select(
                s.loan_id, s.borrower_id, s.currency, s.principal_minor, s.days_past_due, s.status,
                s.remaining_term_months, s.pd_12m, s.origination_date, lo.line_id, lo.terms_json,
            )
            .join(t.loans, lo.loan_id == s.loan_id)
            .where(s.as_of == as_of, s.status.in_(("active", "overdue", "charged_off")), s.principal_minor > 0)
            .order_by(s.loan_id)
        )  # fmt: skip
        return [dict(row) for row in self.connection.execute(query).mappings()]

    def sold_before(self, day: date) -> set[str]:
        """Loans sold to a trust on a business date before `day`."""
        query = select(_tl.loan_id).join(trust_deals, _d.deal_id == _tl.deal_id).where(_d.sold_on < day)
        return {row[0] for row in self.connection.execute(query)}

    # -- deals and sold loans -----------------------------------------------------------------------------
    def add_deal(self, row: dict[str, Any], loans: list[dict[str, Any]]) -> None:
        self.connection.execute(insert(trust_deals).values(**row))
        for part in chunks(loans):
            self.connection.execute(insert(trust_loans), list(part))

    def deal(self, deal_id: str) -> dict[str, Any] | None:
        row = self.connection.execute(select(trust_deals).where(_d.deal_id == deal_id)).mappings().first()
        return None if row is None else dict(row)

    def deals(self) -> list[dict[str, Any]]:
        """The latest deals sold, oldest first (at most DEALS_LISTED_MAX)."""
        query = select(trust_deals).order_by(_d.sold_on.desc(), _d.deal_id.desc()).limit(DEALS_LISTED_MAX)
        return list(reversed([dict(row) for row in self.connection.execute(query).mappings()]))

    def active_deals(self) -> list[dict[str, Any]]:
        """Every active deal (end of day services them all; no listing limit)."""
        return self.all_deals(active_only=True)

    def all_deals(self, *, active_only: bool = False) -> list[dict[str, Any]]:
        query = select(trust_deals).order_by(_d.sold_on, _d.deal_id)
        if active_only:
            query = query.where(_d.status == "active")
        return [dict(row) for row in self.connection.execute(query).mappings()]

    def set_deal_status(self, deal_id: str, status: str) -> None:
        self.connection.execute(update(trust_deals).where(_d.deal_id == deal_id).values(status=status))

    def sold_loans(self, deal_id: str) -> Iterator[list[dict[str, Any]]]:
        """The deal's loans with their current rows, in loan-id pages (reconciliation, delinquency)."""
        lo = t.loans.c
        after = ""
        while True:
            query = (
                select(trust_loans, lo.totals_json, lo.status, lo.days_past_due, lo.version)
                .join(t.loans, lo.loan_id == _tl.loan_id)
                .where(_tl.deal_id == deal_id, _tl.loan_id > after)
                .order_by(_tl.loan_id)
                .limit(PAGE_SIZE)
            )
            rows = [dict(r) for r in self.connection.execute(query).mappings()]
            if not rows:
                return
            yield rows
            after = rows[-1]["loan_id"]

    def stale_loans(self, deal_id: str) -> Iterator[list[dict[str, Any]]]:
        """Sold loans whose totals moved since the trust's parts were posted, or that defaulted unseen."""
        lo = t.loans.c
        changed = lo.totals_json != _tl.basis_totals_json
        newly_defaulted = and_(_tl.defaulted_on.is_(None), lo.status.in_(DEFAULTED))
        after = ""
        while True:
            query = (
                select(trust_loans, lo.totals_json, lo.status, lo.version)
                .join(t.loans, lo.loan_id == _tl.loan_id)
                .where(_tl.deal_id == deal_id, _tl.loan_id > after, lo.version != _tl.basis_version,
                       or_(changed, newly_defaulted))
                .order_by(_tl.loan_id)
                .limit(PAGE_SIZE)
            )  # fmt: skip
            rows = [dict(r) for r in self.connection.execute(query).mappings()]
            if not rows:
                return
            yield rows
            after = rows[-1]["loan_id"]

    def move_basis(self, rows: Sequence[dict[str, Any]]) -> None:
        """rows: loan_id, basis_totals_json, basis_version, defaulted_on, default_minor."""
        statement = (
            update(trust_loans)
            .where(_tl.loan_id == _bind("b_loan_id"))
            .values(
                basis_totals_json=_bind("b_totals"), basis_version=_bind("b_version"),
                defaulted_on=_bind("b_defaulted_on"), default_minor=_bind("b_default_minor"),
            )
        )  # fmt: skip
        for part in chunks(list(rows)):
            self.connection.execute(
                statement,
                [
                    {"b_loan_id": r["loan_id"], "b_totals": r["basis_totals_json"], "b_version": r["basis_version"],
                     "b_defaulted_on": r["defaulted_on"], "b_default_minor": r["default_minor"]}
                    for r in part
                ],
            )  # fmt: skip

    def delinquent_principal(self, deal_id: str, days: int) -> list[tuple[str, str, int]]:
        """(weights_json, totals_json, days past due) of the deal's performing loans `days`+ past due."""
        lo = t.loans.c
        query = (
            select(_tl.weights_json, lo.totals_json, lo.days_past_due)
            .join(t.loans, lo.loan_id == _tl.loan_id)
            .where(_tl.deal_id == deal_id, _tl.defaulted_on.is_(None), lo.days_past_due >= days)
        )
        return [tuple(row) for row in self.connection.execute(query)]

    # -- the trust sub-ledger ----------------------------------------------------------------------------
    def add_lines(self, rows: list[dict[str, Any]]) -> None:
        for part in chunks(rows):
            self.connection.execute(insert(trust_ledger), list(part))

    def assign_period(self, deal_id: str, period: int, through: date) -> int:
        statement = (
            update(trust_ledger)
            .where(_lg.deal_id == deal_id, _lg.period.is_(None), _lg.business_date <= through)
            .values(period=period)
        )
        return int(self.connection.execute(statement).rowcount)

    def line_sums(
        self, deal_id: str | None = None, *, period: int | None = None
    ) -> dict[tuple[str, str, str, bool], int]:
        """(deal, currency, movement, recovery) -> sum of the sub-ledger lines (one period, or all)."""
        query = select(_lg.deal_id, _lg.currency, _lg.movement, _lg.recovery, func.sum(_lg.amount_minor))
        if deal_id is not None:
            query = query.where(_lg.deal_id == deal_id)
        if period is not None:
            query = query.where(_lg.period == period)
        query = query.group_by(_lg.deal_id, _lg.currency, _lg.movement, _lg.recovery)
        return {(d, c, m, bool(r)): int(s) for d, c, m, r, s in self.connection.execute(query)}

    def gl_sums(self, accounts: Sequence[str]) -> dict[tuple[str, str], int]:
        """(account, currency) -> debit-positive sum of every posting on these accounts."""
        b = t.account_balances.c
        query = (
            select(b.account, b.currency, func.sum(b.debit_minor - b.credit_minor))
            .where(b.account.in_(list(accounts)))
            .group_by(b.account, b.currency)
        )
        return {(a, c): int(s) for a, c, s in self.connection.execute(query)}

    # -- collection periods ---------------------------------------------------------------------------------
    def periods(self, deal_id: str) -> list[dict[str, Any]]:
        query = select(trust_periods).where(_p.deal_id == deal_id).order_by(_p.period)
        return [dict(row) for row in self.connection.execute(query).mappings()]

    def add_period(self, row: dict[str, Any]) -> None:
        self.connection.execute(insert(trust_periods).values(**row))

    def update_period(self, deal_id: str, period: int, values: dict[str, Any]) -> None:
        self.connection.execute(
            update(trust_periods).where(_p.deal_id == deal_id, _p.period == period).values(**values)
        )

    # -- partner remittances and allowance shares -----------------------------------------------------------
    def remittance(self, partner_id: str, through: date) -> dict[str, Any] | None:
        r = partner_remittances.c
        query = select(partner_remittances).where(r.partner_id == partner_id, r.through_date == through)
        row = self.connection.execute(query).mappings().first()
        return None if row is None else dict(row)

    def remittances(self, partner_id: str) -> list[dict[str, Any]]:
        r = partner_remittances.c
        query = select(partner_remittances).where(r.partner_id == partner_id).order_by(r.through_date)
        return [dict(row) for row in self.connection.execute(query).mappings()]

    def add_remittance(self, row: dict[str, Any]) -> None:
        self.connection.execute(insert(partner_remittances).values(**row))

    def add_allowance_shares(self, as_of: date, rows: list[dict[str, Any]]) -> None:
        a = partner_allowance_shares.c
        self.connection.execute(partner_allowance_shares.delete().where(a.as_of == as_of))
        if rows:
            self.connection.execute(insert(partner_allowance_shares), rows)

    def allowance_share(self, partner_id: str, on_or_before: date) -> dict[str, Any] | None:
        """The partner's latest allowance share as of a date (the run of that date or the last before)."""
        a = partner_allowance_shares.c
        query = (
            select(partner_allowance_shares)
            .where(a.partner_id == partner_id, a.as_of <= on_or_before)
            .order_by(a.as_of.desc())
            .limit(1)
        )
        row = self.connection.execute(query).mappings().first()
        return None if row is None else dict(row)


def _bind(name: str) -> Any:
    from sqlalchemy import bindparam

    return bindparam(name)


def weights_of(text: str) -> tuple[int, ...]:
    return tuple(int(w) for w in json.loads(text))
