"""`reconcile_debits(engine, day)`: the day's auto-debit attempts against the simulated bank's statement.

Set-based: the candidates come from two outer joins in SQL that keep only keys whose two sides could
disagree (a clean book of a million attempts returns no rows); `servicing.debit_reconciliation`
names each break. The simulated bank keeps its books in this database (`sim_bank_debits`); a real
bank's statement file would be loaded into the same shape.

`book_returns(engine, day)`: the debits the bank returned on `day` (R01, days after it took the money)
are taken off the loans: each returned debit's repayment event is reversed under the key
`return:<debit key>` (one balanced journal entry taking the repayment back; a rerun books nothing
twice), and a return with no repayment to reverse is a break.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Date, Engine, and_, bindparam, func, literal, or_, select

from creditline.store import UnitOfWork

BREAKS_SHOWN_MAX = 1_000  # a report lists at most this many; the count is always exact
RETURN_KEY_PREFIX = "return:"  # a returned debit's reversal: this and the debit's key, so a rerun books it once


def book_returns(engine: Engine, day: date) -> dict[str, Any]:
    """Reverse the repayment of every debit the bank returned on `day`; the reversals and the breaks."""
    from creditline.app.loans import Reverse, reverse
    from creditline.errors import DomainError
    from creditline.servicing.debit_reconciliation import Break, return_of
    from creditline.store.tables_servicing import debit_attempts
    from creditline.store.tables_servicing_bank import bank_returns

    a = debit_attempts.c
    with UnitOfWork(engine, read_only=True) as uow:
        lines = bank_returns(uow.connection, day)
        keys = [line["debit_key"] for line in lines]
        query = select(a.attempt_key, a.loan_id, a.debited_minor, a.currency, a.applied_path, a.event_id, a.outcome,
                       a.requested_minor).where(a.attempt_key.in_(keys))  # fmt: skip
        ours = {row["attempt_key"]: dict(row) for row in uow.connection.execute(query).mappings()} if keys else {}
    booked, found_breaks = [], []
    for line in lines:
        found = return_of(ours.get(line["debit_key"]), line)
        if isinstance(found, Break):
            found_breaks.append(found)
            continue
        try:
            view = reverse(engine, Reverse(found.loan_id, found.event_id, RETURN_KEY_PREFIX + found.key, day))
        except DomainError as refused:  # e.g. a refund of the credit it paid for: an operator's decision
            found_breaks.append(Break(found.key, "return_not_booked", f"{refused.code}: {refused.message}", found.theirs))
            continue
        booked.append({"key": found.key, "loan_id": found.loan_id, "reverses": found.event_id,
                       "reversal_event_id": view["event_id"], "returned_minor": found.returned_minor,
                       "currency": found.currency, "reason": found.reason, "loan_status": view["status"]})  # fmt: skip
    return {"returns": booked, "return_breaks": [b.as_dict() for b in found_breaks]}


def reconcile_and_book_returns(engine: Engine, day: date) -> dict[str, Any]:
    """`creditline autodebit reconcile`: the day's returns booked first (their reversals are part of the
    day's books), then the day's attempts against the statement; a return not booked is a break too."""
    returned = book_returns(engine, day)
    report = reconcile_debits(engine, day)
    report["returns"] = returned["returns"]
    report["breaks"] = (report["breaks"] + returned["return_breaks"])[:BREAKS_SHOWN_MAX]
    report["breaks_total"] += len(returned["return_breaks"])
    for found in returned["return_breaks"]:
        report["break_kinds"][found["kind"]] = report["break_kinds"].get(found["kind"], 0) + 1
    return report


def reconcile_debits(engine: Engine, day: date) -> dict[str, Any]:
    from creditline.servicing.debit_reconciliation import break_of

    ours_side, theirs_only, attempts_count, lines_count = _statements()
    params = {"day": day}
    with UnitOfWork(engine, read_only=True) as uow:
        connection = uow.connection
        found = []
        for row in connection.execute(ours_side, params).mappings():
            found.append(break_of(_ours(row), _theirs(row) if row["debit_key"] is not None else None))
        for row in connection.execute(theirs_only, params).mappings():
            found.append(break_of(None, _theirs(row)))
        attempts = connection.execute(attempts_count, params).scalar_one()
        lines = connection.execute(lines_count, params).scalar_one()
    real = sorted((x for x in found if x is not None), key=lambda x: x.key)
    kinds: dict[str, int] = {}
    for item in real:
        kinds[item.kind] = kinds.get(item.kind, 0) + 1
    return {"business_date": day.isoformat(), "attempts": int(attempts), "statement_lines": int(lines),
            "break_kinds": kinds, "breaks": [x.as_dict() for x in real[:BREAKS_SHOWN_MAX]],
            "breaks_total": len(real)}  # fmt: skip


@cache
def _statements() -> tuple[Any, Any, Any, Any]:
    """The day's two sides, and its counts (built once; the day is the `day` parameter)."""
    from creditline.store.tables_servicing import debit_attempts, sim_bank_debits

    a, b = debit_attempts.c, sim_bank_debits.c
    day = bindparam("day", type_=Date)
    ours_cols = (a.attempt_key, a.outcome, a.requested_minor, a.debited_minor, a.currency, a.applied, a.applied_path)
    theirs_cols = (b.debit_key, b.account_id, b.outcome, b.requested_minor.label("b_requested"),
                   b.debited_minor.label("b_debited"), b.currency.label("b_currency"))  # fmt: skip
    disagree = or_(
        b.debit_key.is_(None), a.outcome != b.outcome, a.debited_minor != b.debited_minor,
        a.requested_minor != b.requested_minor, a.currency != b.currency, a.outcome.in_(("pending", "unknown")),
        and_(a.outcome.in_(("succeeded", "partial")), or_(a.applied == 0, a.applied_path == "refund")),
    )  # fmt: skip
    ours_side = (select(*ours_cols, *theirs_cols)
                 .select_from(debit_attempts.outerjoin(sim_bank_debits, b.debit_key == a.attempt_key))
                 .where(a.business_date == day, disagree))  # fmt: skip
    theirs_only = (select(*theirs_cols)
                   .select_from(sim_bank_debits.outerjoin(debit_attempts, a.attempt_key == b.debit_key))
                   .where(b.business_date == day, a.attempt_key.is_(None), b.executed == literal(1)))  # fmt: skip
    attempts = select(func.count()).where(a.business_date == day)
    lines = select(func.count()).where(b.business_date == day)
    return ours_side, theirs_only, attempts, lines


def _ours(row: Any) -> dict[str, Any]:
    return {
        k: row[k]
        for k in ("attempt_key", "outcome", "requested_minor", "debited_minor", "currency", "applied", "applied_path")
    }


def _theirs(row: Any) -> dict[str, Any]:
    return {"debit_key": row["debit_key"], "account_id": row["account_id"], "outcome": row["outcome"],
            "requested_minor": row["b_requested"], "debited_minor": row["b_debited"], "currency": row["b_currency"]}  # fmt: skip
