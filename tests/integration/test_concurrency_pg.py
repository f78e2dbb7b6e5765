"""Races with real threads on PostgreSQL, where row locks (SELECT ... FOR UPDATE) decide them."""

from __future__ import annotations

import pytest
from lending_fixtures import assert_books_clean, open_line
from sqlalchemy import func, select, update

from creditline.app import Draw, Repay, draw, repay, show_line, show_loan
from creditline.app.access import AccessConfig, change_operator
from creditline.app.dev_access import dev_session
from creditline.errors import Conflict
from creditline.identity.passkeys import RelyingParty
from creditline.lending.credit_line import InsufficientLimit
from creditline.store.tables_identity import identity_accounts
from shared_files import race

pytestmark = pytest.mark.postgres
ROUNDS = 5



def test_two_drawdowns_racing_on_one_line_never_exceed_the_limit(pg_engine) -> None:  # type: ignore[no-untyped-def]
    for n in range(ROUNDS):
        line_id = open_line(pg_engine, f"B{n}", limit="20000")
        results = race(
            lambda line_id=line_id, n=n: draw(pg_engine, Draw(line_id, "15000", 6, f"a{n}")),
            lambda line_id=line_id, n=n: draw(pg_engine, Draw(line_id, "15000", 6, f"b{n}")),
        )
        won = [r for r in results if isinstance(r, dict)]
        lost = [r for r in results if isinstance(r, Exception)]
        assert len(won) == 1 and len(lost) == 1, results
        assert isinstance(lost[0], InsufficientLimit)
        line = show_line(pg_engine, line_id)
        assert line["outstanding_principal"] == "15000.00" and line["available"] == "5000.00"
        assert line["loans"] == [won[0]["loan_id"]]
    assert_books_clean(pg_engine)


def test_two_repayments_racing_on_one_loan_are_both_applied_once(pg_engine) -> None:  # type: ignore[no-untyped-def]
    line_id = open_line(pg_engine, "B1", limit="20000")
    loan_id = draw(pg_engine, Draw(line_id, "10000", 6, "d"))["loan_id"]
    for n in range(ROUNDS):
        results = race(
            lambda n=n: repay(pg_engine, Repay(loan_id, "100", f"x{n}")),
            lambda n=n: repay(pg_engine, Repay(loan_id, "100", f"y{n}")),
        )
        assert all(isinstance(r, dict) for r in results), results
    loan = show_loan(pg_engine, loan_id)
    repayments = [e for e in loan["events"] if e["kind"] == "repayment"]
    assert len(repayments) == 2 * ROUNDS
    assert loan["totals"]["principal_repaid"] == f"{2 * ROUNDS * 100}.00"
    assert show_line(pg_engine, line_id)["outstanding_principal"] == f"{10000 - 2 * ROUNDS * 100}.00"
    assert_books_clean(pg_engine)


def test_the_same_key_racing_itself_applies_once(pg_engine) -> None:  # type: ignore[no-untyped-def]
    line_id = open_line(pg_engine, "B1", limit="20000")
    results = race(*(lambda: draw(pg_engine, Draw(line_id, "1000", 6, "same")) for _ in range(3)))
    assert all(isinstance(r, dict) for r in results), results
    assert len({r["loan_id"] for r in results}) == 1
    assert show_line(pg_engine, line_id)["outstanding_principal"] == "1000.00"
    assert_books_clean(pg_engine)


def test_the_same_refund_key_racing_itself_refunds_once_and_answers_alike(pg_engine) -> None:  # type: ignore[no-untyped-def]
    """A refund read its key before locking the loans: a retry racing the first found no record, waited
    on the locks, then refunded again (the journal's unique key failed it with an IntegrityError) or
    was told the credit no longer covered it, instead of getting the first result."""
    from creditline.app.credit_refunds import RefundCredit, refund_credit

    line_id = open_line(pg_engine, "B1", limit="20000")
    loan_id = draw(pg_engine, Draw(line_id, "1000", 6, "d"))["loan_id"]
    assert repay(pg_engine, Repay(loan_id, "1300", "r"))["credit_balance"] == "300.00"
    for n in range(ROUNDS):
        results = race(*(lambda n=n: refund_credit(pg_engine, RefundCredit("B1", "40", f"same{n}")) for _ in range(3)))
        assert all(isinstance(r, dict) for r in results), results
        assert len({r["entry_id"] for r in results}) == 1
    assert show_loan(pg_engine, loan_id)["credit_balance"] == f"{300 - 40 * ROUNDS}.00"
    assert_books_clean(pg_engine)


ADMINS_CONFIG = AccessConfig(RelyingParty("localhost", "creditline", ("http://localhost",)))


def active_admins(engine) -> int:  # type: ignore[no-untyped-def]
    a = identity_accounts.c
    with engine.connect() as connection:
        query = select(func.count()).where(a.role == "admin", a.status == "active")
        return connection.execute(query).scalar_one()


@pytest.mark.parametrize("change", [{"role_text": "finance", "status": None}, {"role_text": None, "status": "disabled"}])
def test_two_admins_demoting_each_other_at_once_leave_one_admin(pg_engine, change) -> None:  # type: ignore[no-untyped-def]
    """Each checked that another admin remained and both went through, leaving none: the active admins'
    rows are now locked (in id order) inside the change's transaction, so the second sees the first."""
    for _ in range(ROUNDS):
        first = dev_session(pg_engine, ADMINS_CONFIG, "admin", "First")[0]["account_id"]
        second = dev_session(pg_engine, ADMINS_CONFIG, "admin", "Second")[0]["account_id"]
        assert active_admins(pg_engine) == 2
        results = race(lambda second=second: change_operator(pg_engine, second, **change),
                       lambda first=first: change_operator(pg_engine, first, **change))  # fmt: skip
        refused = [r for r in results if isinstance(r, Exception)]
        assert len(refused) == 1, results
        assert isinstance(refused[0], Conflict) and refused[0].code == "last_admin", refused
        assert active_admins(pg_engine) == 1
        with pg_engine.begin() as connection:  # the next round's pair are the only admins
            connection.execute(update(identity_accounts).where(identity_accounts.c.role == "admin").values(role="finance"))
