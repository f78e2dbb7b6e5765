"""The simulated bank's own books (`sim_bank_*`), behind `servicing.bank_simulator.BankBook`."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, insert, select, update

from creditline.store.tables_servicing import (
    chunks,
    sim_bank_accounts,
    sim_bank_debits,
)
from creditline.store.upsert import add_to_counters

# -- the simulated bank's books ---------------------------------------------------------------------

class SqlBankBook:
    """`servicing.bank_simulator.BankBook` in `sim_bank_*`, on the bank's own connections: what the
    bank did stays done whether or not the caller's transaction commits (it is another system)."""

    def __init__(self, engine: Engine, *, latency_s: float = 0.0) -> None:
        self.engine = engine
        self.latency_s = latency_s  # a simulated round trip to the bank, per call

    @contextmanager
    def session(self) -> Iterator[SqlBankSession]:
        if self.latency_s:
            time.sleep(self.latency_s)
        with self.engine.begin() as connection:
            yield SqlBankSession(connection)

    def deposit(self, amounts: Sequence[tuple[str, str, int]]) -> None:
        """Add (account, currency, minor) to funded accounts, opening them on first use."""
        if not amounts:
            return
        with self.engine.begin() as connection:
            add_to_counters(
                connection, sim_bank_accounts, ("account_id",), ("balance_minor",),
                [{"account_id": a, "currency": c, "balance_minor": m} for a, c, m in sorted(amounts)],
            )  # fmt: skip

    def balances(self, account_ids: Sequence[str]) -> dict[str, int]:
        with self.engine.connect() as connection:
            return SqlBankSession(connection).balances(account_ids)


class SqlBankSession:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._known: set[str] = set()

    def debits(self, keys: Sequence[str]) -> dict[str, Any]:
        from creditline.servicing.bank_simulator import BankDebit

        found = {}
        for part in chunks(list(keys)):
            for row in self.connection.execute(_debits_query(), {"keys": list(part)}).mappings():
                found[row["debit_key"]] = BankDebit(
                    row["debit_key"], row["account_id"], row["business_date"], row["currency"], row["requested_minor"],
                    row["debited_minor"], row["outcome"], row["calls"], row["reference"], row["returned_on"],
                    row["return_reason"],
                )  # fmt: skip
        self._known.update(found)
        return found

    def balances(self, account_ids: Sequence[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for part in chunks(list(account_ids)):
            found.update(self.connection.execute(_balances_query(), {"ids": list(part)}).all())
        return found

    def debited_on(self, account_ids: Sequence[str], day: date) -> dict[str, int]:
        found: dict[str, int] = {}
        for part in chunks(list(account_ids)):
            rows = self.connection.execute(_debited_query(), {"day": day, "ids": list(part)})
            found.update({account: int(total) for account, total in rows})
        return found

    def save(self, debits: Sequence[Any], balances: Mapping[str, int]) -> None:
        rows = [
            {"debit_key": x.key, "account_id": x.account_id, "business_date": x.business_date, "currency": x.currency,
             "requested_minor": x.requested_minor, "debited_minor": x.debited_minor, "outcome": x.outcome,
             "executed": int(x.executed), "calls": x.calls, "reference": x.reference, "returned_on": x.returned_on,
             "return_reason": x.return_reason}
            for x in debits
        ]  # fmt: skip
        new = [r for r in rows if r["debit_key"] not in self._known]
        again = [r for r in rows if r["debit_key"] in self._known]
        if new:
            self.connection.execute(insert(sim_bank_debits), new)
        d = sim_bank_debits.c
        for row in again:
            self.connection.execute(update(sim_bank_debits).where(d.debit_key == row["debit_key"]).values(row))
        if balances:
            a = sim_bank_accounts.c
            self.connection.execute(
                update(sim_bank_accounts).where(a.account_id == bindparam("k_account")).values(balance_minor=bindparam("v")),
                [{"k_account": k, "v": v} for k, v in sorted(balances.items())],
            )


def bank_returns(connection: Connection, day: date) -> list[dict[str, Any]]:
    """The debits the simulated bank returned on `day` (`InMemoryBankBook.returns`' shape), in key order."""
    d = sim_bank_debits.c
    query = (
        select(d.debit_key, d.account_id, d.business_date, d.returned_on, d.currency,
               d.debited_minor.label("returned_minor"), d.return_reason.label("reason"))
        .where(d.returned_on == day)
        .order_by(d.debit_key)
    )  # fmt: skip
    return [dict(row) for row in connection.execute(query).mappings()]


# The session's reads, built once (a Core statement costs more to build than to run on a day's page).


@cache
def _debits_query() -> Any:
    return select(sim_bank_debits).where(sim_bank_debits.c.debit_key.in_(bindparam("keys", expanding=True)))


@cache
def _balances_query() -> Any:
    a = sim_bank_accounts.c
    return select(a.account_id, a.balance_minor).where(a.account_id.in_(bindparam("ids", expanding=True)))


@cache
def _debited_query() -> Any:
    d = sim_bank_debits.c
    return (
        select(d.account_id, func.sum(d.debited_minor))
        .where(d.business_date == bindparam("day"), d.account_id.in_(bindparam("ids", expanding=True)), d.executed == 1)
        .group_by(d.account_id)
    )
