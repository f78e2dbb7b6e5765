"""Settling with co-lending partners on SQLite and PostgreSQL: a remittance pays out exactly what partner
payable holds for the partner through the date (later collections stay), shows in its statement, keeps the
partner reconciliation clean, happens once per date; bad dates change nothing; the partner's share of the
loss allowance is recorded at end of day and shown in its statement as a memo."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lending_fixtures import assert_books_clean
from securitisation_fixtures import START, book, counts, days, gl

from creditline.app import Repay, repay
from creditline.app.colending_books import partner_statement, reconcile_partners
from creditline.app.partner_settlement import partner_funding, remit_partner


def test_a_remittance_empties_the_payable_of_the_days_it_covers(engine) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.securitisation_errors import RemittanceOutOfOrder
    from creditline.funding.colending import UnknownPartner
    from creditline.money import InvalidDate

    loans = book(engine)
    today = days(engine, START, 3)
    repay(engine, Repay(loans[0], "300.00", "r0"))
    repay(engine, Repay(loans[1], "120.50", "r1"))
    held_then = -gl(engine, "partner_payable")
    today = days(engine, today, 2)
    repay(engine, Repay(loans[2], "200.00", "r2"))  # after the date remitted: stays held
    held_now = -gl(engine, "partner_payable")
    remitted = remit_partner(engine, "bank", today - timedelta(days=1))
    assert remitted["amount"] == f"{held_then / 100:.2f}" and held_then > 0
    assert -gl(engine, "partner_payable") == held_now - held_then
    before = counts(engine)
    assert remit_partner(engine, "bank", today - timedelta(days=1)) == remitted, "once per (partner, date)"
    for error, day in ((InvalidDate, today), (RemittanceOutOfOrder, today - timedelta(days=2))):
        with pytest.raises(error):
            remit_partner(engine, "bank", day)
    with pytest.raises(UnknownPartner):
        remit_partner(engine, "nobody", today - timedelta(days=1))
    assert counts(engine) == before
    today = days(engine, today, 1)
    second = remit_partner(engine, "bank", today - timedelta(days=1))
    assert second["amount"] == f"{(held_now - held_then) / 100:.2f}" and gl(engine, "partner_payable") == 0
    assert reconcile_partners(engine)["clean"]


def test_statements_show_remittances_and_reconcile(engine) -> None:  # type: ignore[no-untyped-def]
    loans = book(engine)
    today = days(engine, START, 2)
    repay(engine, Repay(loans[0], "300.00", "r0"))
    today = days(engine, today, 1)
    paid = remit_partner(engine, "bank", today - timedelta(days=1))
    today = days(engine, today, 1)
    statement = partner_statement(engine, "bank", START, today - timedelta(days=1))
    payable = statement["payable"]
    assert payable["collected"] == payable["remitted"] == paid["amount"] and payable["closing"] == "0.00"
    report = reconcile_partners(engine)
    assert report["clean"], report
    position = report["partners"][0]["accounts"]
    assert position["partner_payable"] == payable["closing"] == "0.00"
    empty = remit_partner(engine, "bank", today - timedelta(days=1))
    assert empty["amount"] == "0.00" and empty["entry_id"] is None, "nothing held: nothing paid, nothing posted"
    assert_books_clean(engine)


def test_the_partners_share_of_the_allowance_is_a_memo_of_its_statement(engine) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    from creditline.servicing.provisioning import allowance, builtin_provisioning_policy
    from creditline.store.tables_servicing_snapshots import read_snapshots

    book(engine)
    today = days(engine, START, 2)
    policy = builtin_provisioning_policy()
    with engine.connect() as connection:
        frame = read_snapshots(connection, [today])
    expected = 0
    for row in frame.filter(frame["status"].is_in(["active", "overdue"])).iter_rows(named=True):
        whole = allowance(frame.filter(frame["loan_id"] == row["loan_id"]), np.zeros(1, dtype=np.int64), policy).total_minor
        drawn = row["principal_minor"] + row["interest_minor"] + row["penalty_minor"]
        ead = drawn + float(policy.ccf) * row["undrawn_minor"]
        on_drawn = int(np.floor(whole * drawn / ead + 0.5))
        expected += on_drawn // 2  # the bank funds half; the remainder unit goes to the platform first
    share = partner_funding(engine)[0]["allowance_share"]
    assert round(float(share) * 100) == expected > 0
    statement = partner_statement(engine, "bank", START, today - timedelta(days=1))
    assert statement["allowance_share"] == {"amount": share, "as_of": today.isoformat()}
