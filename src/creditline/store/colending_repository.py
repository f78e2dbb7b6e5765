"""The co-lending repository: partners, loan funding shares and basis, the partner sub-ledger, positions
and statements (tables in `creditline.store.tables_colending`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, bindparam, case, func, insert, select, true, update

from creditline.store import tables as t
from creditline.store.driver_sql import execute
from creditline.store.tables_colending import (
    funding_partner_versions,
    funding_partners,
    loan_funding,
    loan_funding_shares,
    partner_ledger,
    partner_positions,
    partner_statements,
)
from creditline.store.upsert import add_to_counters

PAGE_SIZE = 2_000
PARTNERS_LISTED_MAX = 1_000

_p, _v, _f, _s, _l = (
    funding_partners.c,
    funding_partner_versions.c,
    loan_funding.c,
    loan_funding_shares.c,
    partner_ledger.c,
)


def _partners_where(condition: Any) -> Any:
    return (
        select(funding_partners, _v.source_text, _v.source_format, _v.content_hash)
        .join(funding_partner_versions, and_(_v.partner_id == _p.partner_id, _v.version == _p.version))
        .where(condition)
        .order_by(_p.partner_id)
        .limit(PARTNERS_LISTED_MAX)
    )


_ACTIVE_PARTNERS = _partners_where(and_(_p.currency == bindparam("currency"), _p.active.is_(True)))
_PARTNER_COLUMNS = tuple(column.key for column in _ACTIVE_PARTNERS.selected_columns)


class ColendingRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # -- partners -----------------------------------------------------------------------------------
    def partner(self, partner_id: str) -> dict[str, Any] | None:
        """The partner's row with its current version's file."""
        rows = self._partners(_p.partner_id == partner_id)
        return rows[0] if rows else None

    def partners(self, *, currency: str | None = None, active_only: bool = False) -> list[dict[str, Any]]:
        if currency is not None and active_only:  # every drawdown asks this: built once, run on the driver's cursor
            rows = execute(self.connection, _ACTIVE_PARTNERS, {"currency": currency}).all()
            return [dict(zip(_PARTNER_COLUMNS, row, strict=True)) for row in rows]
        condition = true()
        if currency is not None:
            condition = and_(condition, _p.currency == currency)
        if active_only:
            condition = and_(condition, _p.active.is_(True))
        return self._partners(condition)

    def lock_partners(self, partner_ids: Sequence[str]) -> None:
        """Row locks on the partners a drawdown may allocate to, in id order (no deadlocks)."""
        if partner_ids:
            query = (
                select(_p.partner_id).where(_p.partner_id.in_(sorted(partner_ids))).order_by(_p.partner_id)
            )
            self.connection.execute(query.with_for_update()).all()

    def version_hashes(self, partner_id: str) -> dict[int, str]:
        query = select(_v.version, _v.content_hash).where(_v.partner_id == partner_id)
        return {version: digest for version, digest in self.connection.execute(query)}

    def add_partner(self, row: dict[str, Any]) -> None:
        self.connection.execute(insert(funding_partners).values(**row))

    def update_partner(self, partner_id: str, values: dict[str, Any]) -> None:
        self.connection.execute(update(funding_partners).where(_p.partner_id == partner_id).values(**values))

    def add_version(self, row: dict[str, Any]) -> None:
        self.connection.execute(insert(funding_partner_versions).values(**row))

    def _partners(self, condition: Any) -> list[dict[str, Any]]:
        return [dict(row) for row in self.connection.execute(_partners_where(condition)).mappings()]

    # -- positions: principal outstanding per partner and the loan book ------------------------------
    def principal_by_partner(self, currency: str) -> dict[str, int]:
        pp = partner_positions.c
        query = (
            select(pp.partner_id, func.sum(pp.principal_minor))
            .where(pp.currency == currency)
            .group_by(pp.partner_id)
        )
        return {partner_id: int(total or 0) for partner_id, total in self.connection.execute(query)}

    def book_principal(self, currency: str) -> int:
        """Loans principal outstanding on the books (every funder's part), from the running balances."""
        b = t.account_balances.c
        query = select(func.sum(b.debit_minor - b.credit_minor)).where(
            b.account == "loans_principal", b.currency == currency
        )
        return int(self.connection.execute(query).scalar() or 0)

    def add_principal(self, rows: list[dict[str, Any]]) -> None:
        """Add (partner, shard, currency) principal changes; rows sorted by key so locks come in order."""
        add_to_counters(
            self.connection, partner_positions, ("partner_id", "shard", "currency"), ("principal_minor",),
            sorted(rows, key=lambda r: (r["partner_id"], r["shard"], r["currency"])),
        )  # fmt: skip

    # -- loan funding -------------------------------------------------------------------------------
    def add_funding(self, row: dict[str, Any], shares: list[dict[str, Any]]) -> None:
        self.connection.execute(insert(loan_funding).values(**row))
        if shares:
            self.connection.execute(insert(loan_funding_shares), shares)

    def funding(self, loan_id: str) -> dict[str, Any] | None:
        """A loan's funding row with its shares [(partner id, bp)], or None for a loan funded before co-lending."""
        row = self.connection.execute(select(loan_funding).where(_f.loan_id == loan_id)).mappings().first()
        if row is None:
            return None
        query = (
            select(_s.partner_id, _s.share_bp, _s.partner_version)
            .where(_s.loan_id == loan_id)
            .order_by(_s.partner_id)
        )
        return dict(row) | {"shares": [tuple(r) for r in self.connection.execute(query)]}

    def set_basis(self, loan_id: str, basis: dict[str, Any], version: int, charged_off: bool) -> None:
        """`basis`: the loan row's totals_json text and its two accrual figures, as the row keeps them."""
        self.connection.execute(
            update(loan_funding)
            .where(_f.loan_id == loan_id)
            .values(
                basis_totals_json=basis["totals_json"],
                basis_interest_accrued_minor=basis["interest_accrued_minor"],
                basis_penalty_accrued_minor=basis["penalty_accrued_minor"],
                basis_version=version,
                basis_charged_off=charged_off,
            )
        )

    def refresh_bases(self) -> int:
        """Every stale co-lent loan's basis becomes its row as it is now, in one statement (end of day)."""
        lo = t.loans.c
        statement = (
            update(loan_funding)
            .where(_f.loan_id == lo.loan_id, _f.co_lent.is_(True), _f.basis_version != lo.version)
            .values(
                basis_totals_json=lo.totals_json,
                basis_interest_accrued_minor=lo.interest_accrued_minor,
                basis_penalty_accrued_minor=lo.penalty_accrued_minor,
                basis_version=lo.version,
                basis_charged_off=lo.status == "charged-off",
            )
        )
        return int(self.connection.execute(statement).rowcount)

    def stale_pages(self, page_size: int = PAGE_SIZE) -> Iterator[list[dict[str, Any]]]:
        """Co-lent loans whose row changed since their partners' parts were last posted, in loan-id pages.

        `changed` is false when only the accrual columns moved; the totals texts come only when it is true.
        """
        lo = t.loans.c
        changed = lo.totals_json != _f.basis_totals_json
        columns = (
            _f.loan_id, _f.currency, _f.shard, _f.basis_charged_off, _f.basis_interest_accrued_minor,
            _f.basis_penalty_accrued_minor, lo.interest_accrued_minor, lo.penalty_accrued_minor,
            changed.label("changed"),
            case((changed, lo.totals_json), else_=None).label("totals_json"),
            case((changed, _f.basis_totals_json), else_=None).label("basis_totals_json"),
        )  # fmt: skip
        after = ""
        while True:
            query = (
                select(*columns)
                .join(t.loans, lo.loan_id == _f.loan_id)
                .where(_f.co_lent.is_(True), _f.loan_id > after, lo.version != _f.basis_version)
                .order_by(_f.loan_id)
                .limit(page_size)
            )
            rows = [dict(r) for r in self.connection.execute(query).mappings()]
            if not rows:
                return
            shares = self.shares_of([r["loan_id"] for r in rows])
            yield [r | {"shares": shares.get(r["loan_id"], [])} for r in rows]
            after = rows[-1]["loan_id"]

    def co_lent_pages(self, page_size: int = PAGE_SIZE) -> Iterator[list[dict[str, Any]]]:
        """Every co-lent loan's current totals and shares (reconciliation), in loan-id pages."""
        lo = t.loans.c
        after = ""
        while True:
            query = (
                select(
                    _f.loan_id,
                    _f.currency,
                    lo.totals_json,
                    lo.interest_accrued_minor,
                    lo.penalty_accrued_minor,
                )
                .join(t.loans, lo.loan_id == _f.loan_id)
                .where(_f.co_lent.is_(True), _f.loan_id > after)
                .order_by(_f.loan_id)
                .limit(page_size)
            )
            rows = [dict(r) for r in self.connection.execute(query).mappings()]
            if not rows:
                return
            shares = self.shares_of([r["loan_id"] for r in rows])
            yield [r | {"shares": shares.get(r["loan_id"], [])} for r in rows]
            after = rows[-1]["loan_id"]

    def shares_of(self, loan_ids: list[str]) -> dict[str, list[tuple[str, int]]]:
        query = select(_s.loan_id, _s.partner_id, _s.share_bp).where(_s.loan_id.in_(loan_ids))
        shares: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for loan_id, partner_id, share_bp in self.connection.execute(query):
            shares[loan_id].append((partner_id, share_bp))
        return {loan_id: sorted(items) for loan_id, items in shares.items()}

    def loans_of_partner(self, partner_id: str) -> int:
        query = select(func.count()).select_from(loan_funding_shares).where(_s.partner_id == partner_id)
        return int(self.connection.execute(query).scalar_one())

    # -- the partner sub-ledger ------------------------------------------------------------------------
    def add_lines(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.connection.execute(insert(partner_ledger), rows)

    def line_sums(
        self,
        partner_id: str | None = None,
        *,
        before: date | None = None,
        within: tuple[date, date] | None = None,
    ) -> dict[tuple[str, str, str, bool], int]:
        """(partner, currency, movement, recovery) -> sum of the sub-ledger lines (optionally by date)."""
        query = select(_l.partner_id, _l.currency, _l.movement, _l.recovery, func.sum(_l.amount_minor))
        if partner_id is not None:
            query = query.where(_l.partner_id == partner_id)
        if before is not None:
            query = query.where(_l.business_date < before)
        if within is not None:
            query = query.where(_l.business_date >= within[0], _l.business_date <= within[1])
        query = query.group_by(_l.partner_id, _l.currency, _l.movement, _l.recovery)
        return {(p, c, m, bool(r)): int(s) for p, c, m, r, s in self.connection.execute(query)}

    def gl_partner_sums(self, accounts: Sequence[str]) -> dict[tuple[str, str], int]:
        """(account, currency) -> debit-positive sum of every posting on the partner accounts."""
        p = t.postings.c
        query = (
            select(p.account, p.currency, func.sum(p.amount_minor))
            .where(p.account.in_(list(accounts)))
            .group_by(p.account, p.currency)
        )
        return {(a, c): int(s) for a, c, s in self.connection.execute(query)}

    def entries_disagreeing(
        self, accounts: Sequence[str], rules: dict[str, tuple[str, str]], limit: int = 100
    ) -> list[str]:
        """Entries whose partner-account postings differ from their sub-ledger lines (should be none)."""
        p = t.postings.c
        gl = (
            select(p.entry_id, p.account, func.sum(p.amount_minor).label("gl"))
            .where(p.account.in_(list(accounts)))
            .group_by(p.entry_id, p.account)
        )
        from_gl = {(e, a): int(s) for e, a, s in self.connection.execute(gl)}
        sub: dict[tuple[str, str], int] = defaultdict(int)
        query = select(_l.entry_id, _l.movement, func.sum(_l.amount_minor)).group_by(_l.entry_id, _l.movement)
        for entry_id, movement, minor in self.connection.execute(query):
            debit_account, credit_account = rules[movement]
            if debit_account in accounts:
                sub[(entry_id, debit_account)] += int(minor)
            if credit_account in accounts:
                sub[(entry_id, credit_account)] -= int(minor)
        keys = {k for k in set(from_gl) | set(sub) if from_gl.get(k, 0) != sub.get(k, 0)}
        return sorted({entry_id for entry_id, _ in keys})[:limit]

    # -- statements -----------------------------------------------------------------------------------
    def statement(self, partner_id: str, period_from: date, period_to: date) -> dict[str, Any] | None:
        s = partner_statements.c
        query = select(partner_statements).where(
            s.partner_id == partner_id, s.period_from == period_from, s.period_to == period_to
        )
        row = self.connection.execute(query).mappings().first()
        return None if row is None else dict(row)

    def add_statement(self, row: dict[str, Any]) -> None:
        self.connection.execute(insert(partner_statements).values(**row))
