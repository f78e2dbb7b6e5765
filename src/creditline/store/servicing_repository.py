"""The borrower-servicing repository: plan recommendation records, monitoring profiles and outcomes."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from creditline.store.tables_borrower_servicing import (
    monitoring_outcomes,
    monitoring_profiles,
    plan_recommendations,
)
from creditline.store.tables_origination import origination_decisions
from creditline.store.upsert import dialect_insert

_prof = monitoring_profiles.c
_out = monitoring_outcomes.c
# Built once: the monitoring path runs on every drawdown and must stay well inside its 5 ms.
_PROFILE = select(_prof.profile_json, _prof.version).where(_prof.borrower_id == bindparam("k_borrower"))
_PROFILE_FOR_UPDATE = _PROFILE.with_for_update()
_SAVE_PROFILE = (
    update(monitoring_profiles)
    .where(_prof.borrower_id == bindparam("k_borrower"), _prof.version == bindparam("k_version"))
    .values(profile_json=bindparam("profile_json"), version=bindparam("version"), updated_at_s=bindparam("updated_at_s"))
)
_INSERT_OUTCOME = insert(monitoring_outcomes)


class ServicingRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # -- plan recommendations -----------------------------------------------------------------------
    def add_recommendation(self, row: dict[str, Any]) -> None:
        self.connection.execute(insert(plan_recommendations).values(**row))

    def recommendation(self, recommendation_id: str) -> dict[str, Any] | None:
        query = select(plan_recommendations).where(plan_recommendations.c.recommendation_id == recommendation_id)
        row = self.connection.execute(query).mappings().first()
        return None if row is None else dict(row)

    def origination_record_of_line(self, line_id: str) -> dict[str, Any] | None:
        """The decision record that opened a line (for the income and obligations it was assessed on)."""
        d = origination_decisions.c
        query = select(d.record_json).where(d.line_id == line_id).order_by(d.business_date.desc()).limit(1)
        text = self.connection.execute(query).scalar()
        return None if text is None else json.loads(text)

    def borrower_facts(self, borrower_id: str) -> tuple[str | None, date | None]:
        """(risk grade of the latest approval, the day the borrower's first line opened), None where unknown."""
        from creditline.store.tables import credit_lines

        d = origination_decisions.c
        query = (
            select(d.record_json)
            .where(d.borrower_id == borrower_id, d.outcome == "approve")
            .order_by(d.business_date.desc())
            .limit(1)
        )
        text = self.connection.execute(query).scalar()
        grade = None
        if text is not None:
            grade = (json.loads(text).get("assigned") or {}).get("band")
        first = select(func.min(credit_lines.c.opened_on)).where(credit_lines.c.borrower_id == borrower_id)
        return grade, self.connection.execute(first).scalar()

    def line_currencies(self, borrower_id: str) -> frozenset[str]:
        """The currencies the borrower has a credit line in (empty for an unknown borrower)."""
        from creditline.store.tables import credit_lines

        query = select(credit_lines.c.currency).where(credit_lines.c.borrower_id == borrower_id).distinct()
        return frozenset(self.connection.execute(query).scalars())

    # -- monitoring profiles ------------------------------------------------------------------------
    def profile(self, borrower_id: str, *, for_update: bool = False) -> tuple[str, int] | None:
        """(profile JSON, version) for a borrower; with `for_update`, locked (created empty first if absent)."""
        if not for_update:
            row = self.connection.execute(_PROFILE, {"k_borrower": borrower_id}).first()
            return None if row is None else (row[0], row[1])
        row = self.connection.execute(_PROFILE_FOR_UPDATE, {"k_borrower": borrower_id}).first()
        if row is None:
            empty = dialect_insert(self.connection, monitoring_profiles).values(
                borrower_id=borrower_id, profile_json="", version=0, updated_at_s=0
            )
            self.connection.execute(empty.on_conflict_do_nothing())
            row = self.connection.execute(_PROFILE_FOR_UPDATE, {"k_borrower": borrower_id}).first()
        assert row is not None, "the profile row exists once inserted"
        return row[0], row[1]

    def forget_profile(self, borrower_id: str) -> None:
        """Erasure: the profile holds the keyed hashes of the borrower's devices and accounts."""
        self.connection.execute(delete(monitoring_profiles).where(_prof.borrower_id == borrower_id))

    def save_profile(self, borrower_id: str, profile_json: str, read_version: int, at_s: int) -> None:
        params = {
            "k_borrower": borrower_id,
            "k_version": read_version,
            "profile_json": profile_json,
            "version": read_version + 1,
            "updated_at_s": at_s,
        }
        result = self.connection.execute(_SAVE_PROFILE, params)
        assert result.rowcount == 1, f"monitoring profile of {borrower_id} changed under us"

    # -- outcomes -----------------------------------------------------------------------------------
    def add_outcome(self, row: dict[str, Any]) -> None:
        self.connection.execute(_INSERT_OUTCOME, row)

    def outcome(self, outcome_id: str, *, for_update: bool = False) -> dict[str, Any] | None:
        query = select(monitoring_outcomes).where(_out.outcome_id == outcome_id)
        if for_update:
            query = query.with_for_update()
        row = self.connection.execute(query).mappings().first()
        return None if row is None else dict(row)

    def outcomes(self, *, borrower_id: str | None = None, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        query = select(monitoring_outcomes).order_by(_out.at_s.desc(), _out.outcome_id).limit(limit)
        if borrower_id is not None:
            query = query.where(_out.borrower_id == borrower_id)
        if status is not None:
            query = query.where(_out.status == status)
        return [dict(row) for row in self.connection.execute(query).mappings()]

    def resolve_outcome(self, outcome_id: str, status: str, resolver: str, on: date) -> None:
        self.connection.execute(
            update(monitoring_outcomes)
            .where(_out.outcome_id == outcome_id)
            .values(status=status, resolver=resolver, resolved_on=on)
        )
