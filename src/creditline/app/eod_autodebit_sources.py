"""What the auto-debit stage knows of borrowers beyond their loans: linked repayment sources in
priority order, and paydays (stated, or learned from the bank's inflow history).

Read once per stage run, whole tables at a time (`Borrowers.load`): both hold a row per borrower who
linked a source or has a payday, and are empty for everyone else, so a book of a million loans with
none pays two empty reads — no query per loan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any

import numpy as np
from sqlalchemy import Engine, bindparam, select

from creditline.store import UnitOfWork

RETRY_SOURCE_OUTCOMES = ("insufficient_funds", "partial", "declined")  # the next source is asked for the rest
HARD_DECLINE = "declined"  # the mandate or account refuses: not asked again the same day (a later round)
INFLOW_WINDOW_DAYS = 120  # about four pay cycles
LARGE_INFLOW_SHARE = 2  # an inflow counts as pay when at least 1/2 of the account's largest in the window


Declined = frozenset[tuple[str, str | None]]  # (borrower, source id; None for the account on file)


def declined_before(earlier: list[dict[str, Any]], round_no: int) -> Declined:
    """The sources that declined a debit in an earlier round today (for any loan): a hard decline is the
    mandate's or the account's, so asking again the same day only collects a second decline and a bank
    fee. A decline in this round does not count yet: the round's ranks stay as they began."""
    return frozenset((row["borrower_id"], row["source_id"]) for row in earlier
                     if row["outcome"] == HARD_DECLINE and row["round"] < round_no)  # fmt: skip


@dataclass
class Borrowers:
    sources: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # borrower -> [(source, account)]
    paydays: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls, engine: Engine) -> Borrowers:
        sources, paydays = _borrower_queries()
        found = cls()
        with UnitOfWork(engine, read_only=True) as uow:
            for borrower_id, source_id, account_id in uow.connection.execute(sources):
                found.sources.setdefault(borrower_id, []).append((source_id, account_id))
            found.paydays = {b: int(d) for b, d in uow.connection.execute(paydays)}
        return found

    def source(self, borrower_id: str, rank: int, declined: Declined = frozenset()) -> tuple[str | None, str] | None:
        """The borrower's `rank`-th source (1 first) as (source id, bank account), or None. A borrower
        without linked sources has one: the account on file (no source id, debited as the borrower).
        Sources in `declined` (borrower, source id) are passed over: the next one takes their rank."""
        linked: list[tuple[str | None, str]] = list(self.sources.get(borrower_id) or [(None, borrower_id)])
        usable = [s for s in linked if (borrower_id, s[0]) not in declined] if declined else linked
        return usable[rank - 1] if rank <= len(usable) else None

    def ranks_max(self) -> int:
        return max((len(v) for v in self.sources.values()), default=1)

    def payday_array(self, borrower_ids: list[str]) -> np.ndarray:
        return np.fromiter(
            (self.paydays.get(b, 0) for b in borrower_ids), dtype=np.int64, count=len(borrower_ids)
        )


@cache
def _borrower_queries() -> tuple[Any, Any]:
    """Active sources in priority order, and paydays (built once: the stage reads them every day)."""
    from creditline.store.tables_repayment_sources import borrower_paydays, repayment_sources

    s, p = repayment_sources.c, borrower_paydays.c
    sources = select(s.borrower_id, s.source_id, s.bank_account_id).where(s.status == "active")
    return sources.order_by(s.borrower_id, s.priority), select(p.borrower_id, p.payday)


@cache
def _inflows_of_day() -> Any:
    from creditline.store.tables_repayment_sources import sim_bank_inflows

    i = sim_bank_inflows.c
    return select(i.account_id).where(i.business_date == bindparam("day"))


def wanted_today(policy: Any, business_date: date, days: np.ndarray, paydays: np.ndarray) -> np.ndarray:
    """Which loans (this many days past due, these paydays, 0 unknown) are asked today: by payday timing
    inside grace where the payday is known, by the policy's rule everywhere else."""
    from creditline.servicing.debit_timing import attempt_day_mask

    by_rule = policy.attempt_mask(days)
    if policy.timing != "payday" or not paydays.any():
        return by_rule
    timed = (paydays > 0) & (days <= policy.grace_days)
    by_payday = attempt_day_mask(business_date, days, paydays, policy.grace_days, policy.attempts_in_grace)
    return np.where(timed, by_payday, by_rule)


def leg_candidates(engine: Engine, business_date: date, round_no: int, rank: int) -> set[str] | None:
    """Loans the previous source of this round could not settle (rank > 1), or None for the first."""
    from creditline.store.tables_servicing import debit_attempts

    if rank == 1:
        return None
    a = debit_attempts.c
    query = select(a.loan_id).where(a.business_date == business_date, a.round == round_no, a.source_rank == rank - 1,
                                    a.outcome.in_(RETRY_SOURCE_OUTCOMES))  # fmt: skip
    with UnitOfWork(engine, read_only=True) as uow:
        return set(uow.connection.execute(query).scalars())


def leg_planned(engine: Engine, business_date: date, round_no: int, rank: int) -> bool:
    from creditline.store.tables_servicing_debits import DebitAttemptRepository

    with UnitOfWork(engine, read_only=True) as uow:
        return DebitAttemptRepository(uow.connection).leg_planned(business_date, round_no, rank)


def bank_accounts(engine: Engine, source_ids: list[str]) -> dict[str, str]:
    from creditline.store.tables_repayment_sources import repayment_sources
    from creditline.store.tables_servicing import chunks

    s = repayment_sources.c
    found: dict[str, str] = {}
    with UnitOfWork(engine, read_only=True) as uow:
        for part in chunks(sorted(set(source_ids))):
            found.update(
                uow.connection.execute(
                    select(s.source_id, s.bank_account_id).where(s.source_id.in_(part))
                ).all()
            )
    return found


def learn_paydays(engine: Engine, business_date: date) -> int:
    """Re-learn the payday of every borrower whose accounts received money today, from the last
    `INFLOW_WINDOW_DAYS` of inflows; a stated payday is kept. Returns how many were (re)learned."""
    from creditline.servicing.debit_timing import learn_payday
    from creditline.store.tables_repayment_sources import (
        borrower_paydays,
        repayment_sources,
        save_payday,
        sim_bank_inflows,
    )

    i, s, p = sim_bank_inflows.c, repayment_sources.c, borrower_paydays.c
    with UnitOfWork(engine) as uow:
        connection = uow.connection
        today = set(connection.execute(_inflows_of_day(), {"day": business_date}).scalars())
        if not today:
            return 0
        since = business_date - timedelta(days=INFLOW_WINDOW_DAYS)
        history = connection.execute(select(i.account_id, i.business_date, i.amount_minor)
                                     .where(i.business_date > since, i.business_date <= business_date)).all()  # fmt: skip
        owner = dict(connection.execute(select(s.bank_account_id, s.borrower_id)).all())
        stated = set(connection.execute(select(p.borrower_id).where(p.basis == "stated")).scalars())
        paid_today = {owner.get(a, a) for a in today}  # an account on file is debited as its borrower
        by_borrower: dict[str, list[tuple[date, int]]] = {}
        for account, day, minor in history:
            borrower_id = owner.get(account, account)
            if borrower_id in paid_today:
                by_borrower.setdefault(borrower_id, []).append((day, int(minor)))
        learned = 0
        for borrower_id, inflows in sorted(by_borrower.items()):
            largest = max(m for _, m in inflows)
            payday = learn_payday([d for d, m in inflows if LARGE_INFLOW_SHARE * m >= largest])
            if payday is not None and borrower_id not in stated:
                save_payday(connection, borrower_id, payday, "inflows", business_date)
                learned += 1
        uow.commit()
    return learned
