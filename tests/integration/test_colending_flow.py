"""Co-lent loans through drawdown, end of day, repayment, waiver, charge-off, recovery and write-off, on
SQLite and PostgreSQL: the drawdown's entry carries the partners' parts, every later movement is
split to the cent, statements add up, and both reconciliations (the loans', the partners') are clean."""

from __future__ import annotations

from datetime import timedelta

from colending_fixtures import START, add_partners, days, line_for, partner_file
from lending_fixtures import assert_books_clean, setup_books
from sqlalchemy import select

from creditline.app import Draw, Repay, Waive, WriteOff, draw, repay, show_loan, waive, write_off
from creditline.app.colending import show_partner
from creditline.app.colending_books import partner_statement, reconcile_partners
from creditline.funding.colending import SPLIT_MOVEMENTS, FundingShares, split_totals
from creditline.money import currency
from creditline.store.tables import postings


def test_a_co_lent_loan_is_split_to_the_cent_every_step(engine) -> None:  # type: ignore[no-untyped-def]
    setup_books(engine)
    add_partners(engine, partner_file("cheap", cost="2%"), partner_file("dear", cost="4%"))
    drawn = draw(engine, Draw(line_for(engine, "B1"), "1000.01", 3, "d1"))
    funders = {f["party"]: (f["share"], f["principal"]) for f in drawn["funding"]["funders"]}
    assert funders == {"platform": ("30%", "300.00"), "cheap": ("40%", "400.01"), "dear": ("30%", "300.00")}
    assert _entry(engine, drawn["entry_id"]) == {
        "loans_principal": 100_001, "settlement_cash": -30_000, "partner_funding": -70_001,
    }  # fmt: skip
    loan_id = drawn["loan_id"]
    today = days(engine, START, 12)
    waive(engine, Waive(loan_id, "0.50", "interest", "w1"))
    repay(engine, Repay(loan_id, "200.00", "r1"))
    today = days(engine, today, 3)
    _check_partners_hold_their_split(engine, loan_id, {"cheap": 4000, "dear": 3000})
    assert reconcile_partners(engine)["clean"]
    assert_books_clean(engine)
    statement = partner_statement(engine, "cheap", START, today - timedelta(days=1))
    assert statement["disbursements"] == "400.01"
    assert statement["collections"]["total"] == "80.00"  # 40% of the 200.00 repayment
    again = partner_statement(engine, "cheap", START, today - timedelta(days=1))
    assert again == statement  # stored on first request, returned unchanged
    position = next(p for p in reconcile_partners(engine, "cheap")["partners"])["accounts"]
    assert statement["closing_exposure"]["total"] == position["partner_funding"]  # the statement is the books
    assert statement["payable"]["closing"] == position["partner_payable"] == "80.00"
    assert show_partner(engine, "cheap")["principal_outstanding"] == _principal_part(engine, loan_id, 4000)


def test_charge_off_recovery_and_write_off_are_split_as_losses_and_recoveries(engine) -> None:  # type: ignore[no-untyped-def]
    from eod_support import short_product

    from creditline.app import OpenLine, open_line

    setup_books(engine)
    product = short_product(engine, charge_off_days=5)
    add_partners(engine, partner_file("bank", share_max="70%"))
    line = open_line(engine, OpenLine("B9", product, "50000", "0.05", "approved"))["line_id"]
    loan_id = draw(engine, Draw(line, "900.00", 3, "d9"))["loan_id"]
    today = days(engine, START, 40)  # the first installment is due a month in; 5 days late it is charged off
    assert show_loan(engine, loan_id)["status"] == "charged-off"
    repay(engine, Repay(loan_id, "100.00", "late"))  # money on a charged-off loan: a recovery
    today = days(engine, today, 1)
    write_off(engine, WriteOff(loan_id, "wo"))
    today = days(engine, today, 1)
    assert show_loan(engine, loan_id)["status"] == "written-off"
    statement = partner_statement(engine, "bank", START, today - timedelta(days=1))
    assert statement["recoveries"]["total"] == "70.00" and statement["collections"]["total"] == "0.00"
    assert statement["closing_exposure"]["total"] == "0.00"  # written off: the partner is owed nothing more
    assert statement["losses"]["principal"] == _part(engine, loan_id, "principal_written_off", 7000)
    report = reconcile_partners(engine, "bank")
    assert report["clean"], report
    accounts = report["partners"][0]["accounts"]
    assert accounts["partner_funding"] == "0.00" and accounts["partner_payable"] == "70.00"
    assert_books_clean(engine)


def test_appetite_and_concentration_hold_at_every_drawdown(engine) -> None:  # type: ignore[no-untyped-def]
    setup_books(engine)
    add_partners(engine, partner_file("small", cost="1%", balance_max="500.00", share_min="10%"),
                 partner_file("wary", cost="2%", concentration="20%", share_min="1%", share_max="70%"))  # fmt: skip
    principal = {"small": 0, "wary": 0}
    book = 0
    for n, amount in enumerate(("1000.00", "800.00", "600.00", "2000.00", "500.00")):
        drawn = draw(engine, Draw(line_for(engine, f"C{n}"), amount, 6, f"c{n}"))
        book += int(amount.replace(".", ""))
        for funder in drawn.get("funding", {}).get("funders", [])[1:]:
            principal[funder["party"]] += int(funder["principal"].replace(".", ""))
        assert principal["small"] <= 50_000
        assert principal["wary"] * 100 <= 20 * book
        for partner_id, minor in principal.items():
            assert (
                show_partner(engine, partner_id)["principal_outstanding"]
                == f"{minor // 100}.{minor % 100:02d}"
            )
    assert principal["small"] == 50_000  # filled to the cent, never past it
    assert reconcile_partners(engine)["clean"]


def test_a_retried_drawdown_posts_the_partners_once(engine) -> None:  # type: ignore[no-untyped-def]
    from colending_fixtures import partner_lines

    setup_books(engine)
    add_partners(engine, partner_file("bank"))
    line = line_for(engine, "B1")
    first = draw(engine, Draw(line, "500.00", 3, "same"))
    lines = partner_lines(engine)
    assert draw(engine, Draw(line, "500.00", 3, "same")) == first
    assert partner_lines(engine) == lines == [("bank", "disbursed", False, 20_000, START)]


def _entry(engine, entry_id: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    p = postings.c
    with engine.connect() as connection:
        rows = connection.execute(select(p.account, p.amount_minor).where(p.entry_id == entry_id)).all()
    return {account: minor for account, minor in rows}


def _split(engine, loan_id: str, shares: dict[str, int]) -> dict[str, dict[str, int]]:  # type: ignore[no-untyped-def]
    from creditline.store import UnitOfWork

    with UnitOfWork(engine, read_only=True) as uow:
        totals = uow.loans.get(loan_id).totals.as_minor()  # type: ignore[union-attr]
    funding = FundingShares.of(shares)
    parts = split_totals(totals, funding.weights, currency("CNY"))
    return dict(zip(funding.parties, parts, strict=True))


def _part(engine, loan_id: str, movement: str, bp: int) -> str:  # type: ignore[no-untyped-def]
    minor = _split(engine, loan_id, {"bank": bp})["bank"][movement]
    return f"{minor // 100}.{minor % 100:02d}"


def _principal_part(engine, loan_id: str, bp: int) -> str:  # type: ignore[no-untyped-def]
    parts = _split(engine, loan_id, {"cheap": bp, "dear": 3000})["cheap"]
    minor = parts["disbursed"] - parts["principal_repaid"] - parts["principal_written_off"]
    return f"{minor // 100}.{minor % 100:02d}"


def _check_partners_hold_their_split(engine, loan_id: str, shares: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    from colending_fixtures import partner_lines

    expected = _split(engine, loan_id, shares)
    posted: dict[str, dict[str, int]] = {p: dict.fromkeys(SPLIT_MOVEMENTS, 0) for p in shares}
    for partner_id, movement, _, minor, _ in partner_lines(engine):
        posted[partner_id][movement] += minor
    for partner_id in shares:
        assert posted[partner_id] == expected[partner_id]
    whole = {m: sum(expected[p][m] for p in expected) for m in SPLIT_MOVEMENTS}
    assert whole == {m: _split(engine, loan_id, {})["platform"][m] for m in SPLIT_MOVEMENTS}


def test_the_end_of_day_catches_up_what_other_paths_changed(engine) -> None:  # type: ignore[no-untyped-def]
    setup_books(engine)
    add_partners(engine, partner_file("bank"))
    draw(engine, Draw(line_for(engine, "B1"), "1000.00", 3, "d1"))
    today = days(engine, START, 3, stages=frozenset({"accrue"}))  # accrual without the co-lending stage
    behind = reconcile_partners(engine)
    assert not behind["clean"]
    assert [d["movement"] for d in behind["partners"][0]["differences"]] == ["interest_accrued"]
    days(engine, today, 1)
    assert reconcile_partners(engine)["clean"]


def test_run_eods_default_books_the_partners_part_of_each_days_interest_on_that_day(engine) -> None:  # type: ignore[no-untyped-def]
    """`run_eod`'s default ran the accrual alone: the partners' parts of its interest waited for a later run
    with the co-lending stage, and were booked dated that later day. It runs the co-lending stage too."""
    from colending_fixtures import partner_lines

    from creditline.app import run_eod

    setup_books(engine)
    add_partners(engine, partner_file("bank"))
    drawn = draw(engine, Draw(line_for(engine, "B1"), "1000.00", 3, "d1"))
    assert {f["party"]: f["share"] for f in drawn["funding"]["funders"]} == {"platform": "60%", "bank": "40%"}
    run_eod(engine, START + timedelta(days=2), catch_up=True)  # closes START and the day after
    assert show_loan(engine, drawn["loan_id"])["totals"]["interest_accrued"] == "1.00"  # 0.50 a day, 0.05% of 1,000.00
    interest = [line for line in partner_lines(engine) if line[1] == "interest_accrued"]
    assert interest == [("bank", "interest_accrued", False, 20, START),  # 40% of each day's 0.50, on its day
                        ("bank", "interest_accrued", False, 20, START + timedelta(days=1))]  # fmt: skip
    assert reconcile_partners(engine)["clean"]
    assert_books_clean(engine)


def test_an_auto_debit_booked_by_end_of_day_is_split_there(engine) -> None:  # type: ignore[no-untyped-def]
    from eod_support import hostile_bank

    from creditline.app.eod_pipeline import run_pipeline

    setup_books(engine)
    add_partners(engine, partner_file("bank"))
    loan_id = draw(engine, Draw(line_for(engine, "B1"), "1000.00", 3, "d1"))["loan_id"]
    today = days(engine, START, 31)  # to the first due date
    bank = hostile_bank(engine, short_rate="0", timeout_rate="0", declined_rate="0")
    run_pipeline(engine, today + timedelta(days=1), gateway=bank, only=frozenset({"auto-debit", "accrue", "colending"}))
    assert show_loan(engine, loan_id)["totals"]["principal_repaid"] != "0.00"  # collected outside app.loans
    _check_partners_hold_their_split(engine, loan_id, {"bank": 4000})
    assert reconcile_partners(engine)["clean"]
    assert_books_clean(engine)
