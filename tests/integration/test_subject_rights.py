"""A borrower's erasure and export requests on SQLite and PostgreSQL, through the app and `creditline
borrower erase|export`: a declined applicant past the retention period is erased at once and the books
still balance; a borrower with an open line is restricted (data kept, only legal duties and their own
requests may read it) with the date erasure is due; the export holds their lines and loans and is in
their access log; bad requests are refused naming the field, with nothing changed."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from integration_helpers import cli, dump, ok
from sqlalchemy import select, text, update
from test_origination_forms import BUSINESS_DATE, application

from creditline.app import ChangeLineStatus, Draw, OpenLine, Repay, change_line_status, draw, open_line, repay
from creditline.app.apply import ApplyForCredit, apply
from creditline.app.apply_setup import OriginationConfig
from creditline.app.books import trial_balance_now
from creditline.app.subject_rights import RequestErasure, export_subject, request_erasure
from creditline.errors import DomainError
from creditline.privacy.access import AccessPurpose
from creditline.privacy.keyring import load_keyring
from creditline.privacy.protection_errors import ProcessingRestricted
from creditline.store import UnitOfWork
from creditline.store.identity_repository import IdentityRepository
from creditline.store.personal_data import PersonalDataStore
from creditline.store.tables import business_calendar
from creditline.store.tables_audit import erasure_requests, personal_data, personal_data_access
from creditline.store.tables_origination import origination_signals

VAULT_KEYS = {
    "CREDITLINE_DATA_KEYS": "k1:" + base64.b64encode(bytes(range(32))).decode(),
    "CREDITLINE_BLIND_INDEX_KEY": base64.b64encode(bytes(range(32, 64))).decode(),
}
AT_S = 1_751_256_000  # 2025-06-30 04:00 UTC
AT = datetime.fromtimestamp(AT_S, UTC)
THREE_YEARS_ON = date(2028, 6, 30)  # the declined application's retention period ends (DEFAULT_POLICY: 3 years)


@pytest.fixture
def people(origination_books, monkeypatch):  # type: ignore[no-untyped-def]
    """A declined applicant and a customer with an open line and a loan, both with personal data stored."""
    for name, value in VAULT_KEYS.items():
        monkeypatch.setenv(name, value)
    engine = origination_books
    declined = apply(engine, ApplyForCredit("declined", application(7, born=BUSINESS_DATE.replace(year=2005)),
                                            OriginationConfig(challenger=None)))  # fmt: skip
    assert (declined["outcome"], declined["line_id"]) == ("decline", None), declined
    line = open_line(engine, OpenLine("C1", "revolving-consumer", "20000", "0.05", "approved", "L-C1"))["line_id"]
    loan = draw(engine, Draw(line, "1000", 3, "draw-c1"))["loan_id"]
    keys = load_keyring(VAULT_KEYS)
    with UnitOfWork(engine) as uow:
        vault = PersonalDataStore(uow.connection, keys)
        vault.put(declined["borrower_id"], {"name": "张伟", "phone": "13812345678"}, BUSINESS_DATE)
        vault.put("C1", {"name": "李娜", "phone": "13912345678", "bank_account": "6222020000000001"}, BUSINESS_DATE)
        uow.commit()
    return engine, declined["borrower_id"], loan


def move_business_date(engine: Any, to: date) -> None:
    with UnitOfWork(engine) as uow:
        uow.connection.execute(update(business_calendar).values(business_date=to))
        uow.commit()


def fields_of(engine: Any, borrower_id: str) -> list[str]:
    with engine.connect() as connection:
        c = personal_data.c
        return sorted(connection.execute(select(c.field).where(c.borrower_id == borrower_id)).scalars())


def access_log(engine: Any, borrower_id: str) -> list[tuple]:
    with engine.connect() as connection:
        x = personal_data_access.c
        query = select(x.actor, x.purpose, x.granted, x.basis).where(x.borrower_id == borrower_id).order_by(x.access_id)
        return [tuple(r) for r in connection.execute(query)]


def test_a_declined_applicant_past_three_years_is_erased_now_and_the_books_still_balance(people) -> None:  # type: ignore[no-untyped-def]
    engine, applicant, _ = people
    before = trial_balance_now(engine)
    assert before.balanced and before.totals()
    with engine.connect() as connection:
        signals = connection.execute(text("SELECT count(*) FROM origination_signals")).scalar_one()
    move_business_date(engine, THREE_YEARS_ON)
    with UnitOfWork(engine) as uow:  # an account refused for naming the applicant's ID number, lately
        IdentityRepository(uow.connection).add_claim_refusal("AC-prober", "identity_claimed", AT_S, 0, applicant)
        uow.commit()

    result = request_erasure(engine, RequestErasure(applicant, "operator-1"), at_s=AT_S)
    assert (result["outcome"], result["erased_on"], result["fields_erased"], result["already"]) == (
        "erased", "2028-06-30", 2, False)
    assert result["erase_on"] == "2028-06-30" and "2028-06-30" in result["reason"]
    assert fields_of(engine, applicant) == [] and fields_of(engine, "C1") == ["bank_account", "name", "phone"]
    with engine.connect() as connection:
        left = connection.execute(select(origination_signals.c.decision_id)).scalars().all()
    assert len(left) < signals and not [d for d in left if d == applicant]
    with engine.connect() as connection:  # the refusal still counts for the account, no longer names the person
        refusals = connection.execute(text("SELECT account_id, claimed_borrower_id FROM identity_claim_refusals")).all()
    assert [tuple(r) for r in refusals] == [("AC-prober", None)]
    (entry,) = access_log(engine, applicant)  # who erased, and why, outlives the data
    assert entry[:3] == ("operator-1", "subject_request", True) and entry[3].startswith("erased at the borrower's request")
    after = trial_balance_now(engine)
    assert after.balanced and after.totals() == before.totals()  # the books are untouched, to the cent

    again = request_erasure(engine, RequestErasure(applicant, "operator-2"))
    assert again == result | {"already": True}
    assert len(access_log(engine, applicant)) == 1


def test_a_borrower_with_an_open_line_is_restricted_with_their_data_kept(people) -> None:  # type: ignore[no-untyped-def]
    engine, _, _ = people
    result = request_erasure(engine, RequestErasure("C1", "AC-borrower"), at_s=AT_S)
    assert (result["outcome"], result["erase_on"], result["erased_on"]) == ("restricted", None, None)
    assert result["requested_on"] == BUSINESS_DATE.isoformat() and "obligations are still open" in result["reason"]
    assert fields_of(engine, "C1") == ["bank_account", "name", "phone"]
    assert trial_balance_now(engine).balanced

    keys = load_keyring(VAULT_KEYS)
    with UnitOfWork(engine) as uow:  # only legal duties and the borrower's own requests may read now
        vault = PersonalDataStore(uow.connection, keys)
        with pytest.raises(ProcessingRestricted):
            vault.read(actor="collector", borrower_id="C1", purpose=AccessPurpose.COLLECTIONS, fields=["phone"],
                       consents=[], at=AT)  # fmt: skip
        with pytest.raises(ProcessingRestricted):  # restricted even when none of the fields asked for is held
            vault.read(actor="collector", borrower_id="C1", purpose=AccessPurpose.COLLECTIONS, fields=["address"],
                       consents=[], at=AT)  # fmt: skip
        legal = vault.read(actor="aml", borrower_id="C1", purpose=AccessPurpose.LEGAL_OBLIGATION, fields=["name"],
                           consents=[], at=AT)  # fmt: skip
        assert legal == {"name": "李娜"}
        uow.commit()
    assert [e[:3] for e in access_log(engine, "C1")] == [
        ("collector", "collections", False), ("collector", "collections", False), ("aml", "legal_obligation", True)]

    # asked again later, still open: the first request's date is kept
    move_business_date(engine, date(2025, 7, 3))
    again = request_erasure(engine, RequestErasure("C1", "AC-borrower"))
    assert (again["outcome"], again["requested_on"]) == ("restricted", BUSINESS_DATE.isoformat())
    assert export_subject(engine, "C1", "AC-borrower", at_s=AT_S)["personal_data"]["name"] == "李娜"  # their own request


def test_the_export_holds_the_borrowers_lines_and_loans_and_is_in_their_access_log(people) -> None:  # type: ignore[no-untyped-def]
    engine, applicant, loan = people
    document = export_subject(engine, "C1", "AC-borrower", at_s=AT_S)
    assert document["format"] == "creditline-subject-export/v1" and document["borrower_id"] == "C1"
    assert document["personal_data"] | {} == {
        "address": None, "bank_account": "6222020000000001", "date_of_birth": None, "device_id": None,
        "id_number": None, "income": None, "name": "李娜", "phone": "13912345678"}  # fmt: skip
    records = document["records"]
    (line,) = records["credit_lines"]
    assert (line["line_id"], line["status"], line["limit"]) == (
        "L-C1", "active", {"amount": "20000.00", "currency": "CNY", "minor": 2_000_000})
    (held,) = records["loans"]
    assert (held["loan_id"], held["principal_outstanding"]["amount"]) == (loan, "1000.00")
    legs = sorted((p["account"], p["loan_id"], p["amount"]["minor"]) for p in records["journal_lines"])
    assert legs == [("loans_principal", loan, 100_000), ("settlement_cash", None, -100_000)]  # the disbursement
    (logged,) = records["access_log"]  # the export's own read
    assert (logged["actor"], logged["purpose"], logged["granted"]) == ("AC-borrower", "subject_request", True)
    assert access_log(engine, "C1") == [("AC-borrower", "subject_request", True, "the borrower's own request")]
    applicant_export = export_subject(engine, applicant, "operator-1", at_s=AT_S)
    assert [a["outcome"] for a in applicant_export["records"]["applications"]] == ["decline"]
    assert applicant_export["records"]["loans"] == [] and applicant_export["personal_data"]["name"] == "张伟"


def test_a_request_dated_earlier_is_decided_on_the_business_date_and_keeps_its_date(people) -> None:  # type: ignore[no-untyped-def]
    engine, applicant, _ = people
    letter = date(2025, 6, 1)  # a letter received before the business date, still in the period
    restricted = request_erasure(engine, RequestErasure("C1", "operator-1", on=letter), at_s=AT_S)
    assert (restricted["outcome"], restricted["requested_on"], restricted["erase_on"]) == ("restricted", "2025-06-01", None)
    assert restricted["reason"] == "erasure requested on 2025-06-01; obligations are still open"
    move_business_date(engine, date(2025, 7, 3))
    again = request_erasure(engine, RequestErasure("C1", "operator-2", on=date(2025, 7, 2)))  # the first date stays
    assert (again["requested_on"], again["reason"]) == ("2025-06-01", restricted["reason"])

    # dated before the applicant's period ended (2028-06-30), decided after it: erased on the day decided
    move_business_date(engine, date(2028, 7, 2))
    erased = request_erasure(engine, RequestErasure(applicant, "operator-1", on=date(2028, 6, 1)), at_s=AT_S)
    assert (erased["outcome"], erased["requested_on"], erased["erase_on"], erased["erased_on"], erased["fields_erased"]) == (
        "erased", "2028-06-01", "2028-06-30", "2028-07-02", 2)
    assert erased["reason"] == "the retention period of policy 2025-01 ended on 2028-06-30"
    assert fields_of(engine, applicant) == [] and fields_of(engine, "C1") == ["bank_account", "name", "phone"]


@pytest.mark.parametrize(
    ("command", "code", "field"),
    [
        (RequestErasure("NOBODY", "op"), "borrower_not_found", "borrower"),
        (RequestErasure("C1", "op", on=date(2025, 7, 1)), "date_in_future", "date"),
        (RequestErasure("C1", "op", key=""), "key_invalid", "key"),
    ],
)
def test_a_bad_erasure_request_is_refused_naming_its_field_and_changes_nothing(people, command, code, field) -> None:  # type: ignore[no-untyped-def]
    engine, _, _ = people
    before = dump(engine)
    with pytest.raises(DomainError) as caught:
        request_erasure(engine, command)
    assert (caught.value.code, caught.value.field) == (code, field)
    assert dump(engine) == before


def test_creditline_borrower_erase_and_export(people, db_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine, applicant, _ = people
    db = ("--db", db_url)
    out = tmp_path / "export.json"
    written = cli("borrower", "export", "--borrower", "C1", "--out", str(out), *db)
    assert written.exit_code == 0, written.stderr
    assert out.stat().st_mode & 0o777 == 0o600
    assert [line["line_id"] for line in json.loads(out.read_text("utf-8"))["records"]["credit_lines"]] == ["L-C1"]
    printed = cli("borrower", "export", "--borrower", applicant, *db)
    assert printed.exit_code == 0 and json.loads(printed.stdout)["personal_data"]["name"] == "张伟"

    restricted = ok("borrower", "erase", "--borrower", "C1", *db)
    assert restricted["outcome"] == "restricted" and fields_of(engine, "C1")
    move_business_date(engine, THREE_YEARS_ON)
    shown = cli("borrower", "erase", "--borrower", applicant, *db)
    assert shown.exit_code == 0 and "personal data erased on 2028-06-30 (2 field(s))" in shown.stdout
    assert fields_of(engine, applicant) == []

    before = dump(engine)
    for argv, message in [
        (("erase", "--borrower", "NOBODY"), "error: --borrower: no borrower NOBODY"),
        (("erase", "--borrower", "C1", "--date", "2028-07-01"), "error: --date: 2028-07-01 is after the business date"),
        (("erase", "--borrower", "C1", "--date", "30/06/2028"), "error: --date: '30/06/2028' is not a date"),
        (("export", "--borrower", "NOBODY", "--out", str(tmp_path / "none.json")), "error: --borrower: no borrower"),
        (("export", "--borrower", "C1", "--out", str(tmp_path / "no" / "such" / "dir.json")), "error: --out: cannot write"),
    ]:
        refused = cli("borrower", *argv, *db)
        assert refused.exit_code == 2 and refused.stderr.startswith(message), (argv, refused.stderr)
    assert not (tmp_path / "none.json").exists()
    assert dump(engine) == before


def retention_run(engine: Any, day: date) -> dict[str, Any]:
    """End of day to `day` with the retention stage alone; what the stage recorded (AFTER stages' summaries
    are kept in eod_stage_runs, not in the day's run record)."""
    from creditline.app import run_eod
    from creditline.store.tables_servicing import StageRunRepository

    run_eod(engine, day, stages=frozenset({"retention"}))
    with UnitOfWork(engine, read_only=True) as uow:
        return StageRunRepository(uow.connection).done(day)["retention"]


def test_end_of_day_erases_a_restricted_request_once_its_period_has_passed(people) -> None:  # type: ignore[no-untyped-def]
    engine, applicant, _ = people
    asked = request_erasure(engine, RequestErasure(applicant, "AC-applicant"), at_s=AT_S)
    assert (asked["outcome"], asked["erase_on"]) == ("restricted", "2028-06-30")  # 3 years after the decline
    restricted = request_erasure(engine, RequestErasure("C1", "AC-c1"), at_s=AT_S)
    assert (restricted["outcome"], restricted["erase_on"]) == ("restricted", None)  # the line is open
    move_business_date(engine, date(2028, 6, 28))

    none = {"period_ended_candidates": 0, "period_ended_erased": 0}
    assert retention_run(engine, date(2028, 6, 29)) == {"restricted": 2, "erased": 0, "due_dates_set": 0} | none
    assert fields_of(engine, applicant) == ["name", "phone"]

    assert retention_run(engine, date(2028, 6, 30)) == {  # a request is decided as a request, not swept again
        "restricted": 2, "erased": 1, "due_dates_set": 0, "period_ended_candidates": 1, "period_ended_erased": 0}
    assert fields_of(engine, applicant) == [] and fields_of(engine, "C1") == ["bank_account", "name", "phone"]
    again = request_erasure(engine, RequestErasure(applicant, "AC-applicant"))
    assert (again["outcome"], again["already"], again["erased_on"], again["requested_on"]) == (
        "erased", True, "2028-06-30", BUSINESS_DATE.isoformat())
    assert access_log(engine, applicant)[-1][:3] == ("eod-retention", "subject_request", True)
    assert retention_run(engine, date(2028, 7, 1)) == {"restricted": 1, "erased": 0, "due_dates_set": 0} | none


def test_end_of_day_erases_those_nobody_asked_about_once_their_retention_period_ends(people) -> None:  # type: ignore[no-untyped-def]
    engine, applicant, _ = people
    line = open_line(engine, OpenLine("C2", "revolving-consumer", "5000", "0.05", "approved", "L-C2"))["line_id"]
    with UnitOfWork(engine) as uow:
        PersonalDataStore(uow.connection, load_keyring(VAULT_KEYS)).put("C2", {"name": "王芳"}, BUSINESS_DATE)
        uow.commit()
    settled = draw(engine, Draw(line, "500", 3, "draw-c2"))["loan_id"]  # a former customer: repaid, line closed
    assert repay(engine, Repay(settled, "500.00", "repay-c2"))["status"] == "paid-off"
    change_line_status(engine, ChangeLineStatus(line, "close", "closed at the borrower's request"))
    before = trial_balance_now(engine)
    assert before.balanced and before.totals()
    kept = {"C1": ["bank_account", "name", "phone"], "C2": ["name"]}
    move_business_date(engine, date(2028, 6, 28))

    day_before = retention_run(engine, date(2028, 6, 29))  # the decline is 3 years less a day old
    assert day_before == {"restricted": 0, "erased": 0, "due_dates_set": 0,
                          "period_ended_candidates": 0, "period_ended_erased": 0}  # fmt: skip
    assert fields_of(engine, applicant) == ["name", "phone"]

    assert retention_run(engine, THREE_YEARS_ON)["period_ended_erased"] == 1  # 3 years to the day: due
    assert fields_of(engine, applicant) == [] and {b: fields_of(engine, b) for b in kept} == kept
    (entry,) = access_log(engine, applicant)
    assert entry[:3] == ("eod-retention", "subject_request", True) and "retention_period_ended" in entry[3]
    answer = request_erasure(engine, RequestErasure(applicant, "AC-applicant"))  # asking later finds it done
    assert (answer["outcome"], answer["already"], answer["erased_on"], answer["requested_on"]) == (
        "erased", True, "2028-06-30", "2028-06-30")
    with engine.connect() as connection:
        signals = connection.execute(select(origination_signals.c.decision_id)).scalars().all()
    assert applicant not in signals
    again = retention_run(engine, date(2028, 7, 1))
    assert again["period_ended_erased"] == 0 and len(access_log(engine, applicant)) == 1

    move_business_date(engine, date(2035, 6, 28))
    assert retention_run(engine, date(2035, 6, 29))["period_ended_erased"] == 0  # a day short of 10 years
    assert fields_of(engine, "C2") == ["name"]
    ten_years = retention_run(engine, date(2035, 6, 30))
    # C2 by its close and its last loan event, C1 by its last loan event (its drawdown; kept: its line is open)
    assert (ten_years["period_ended_candidates"], ten_years["period_ended_erased"]) == (2, 1)
    assert fields_of(engine, "C2") == [] and fields_of(engine, "C1") == kept["C1"]  # C1's line is open
    assert retention_run(engine, date(2035, 7, 1))["period_ended_erased"] == 0
    after = trial_balance_now(engine)  # C1's open loan was charged by the days closed; nothing else moved
    assert after.balanced and after.totals()["CNY"][0] - before.totals()["CNY"][0] == 450


def test_end_of_day_decides_due_requests_first_then_the_oldest_when_more_wait_than_a_run_takes(people, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from creditline.app import retention_eod

    engine, applicant, _ = people
    lines = {b: open_line(engine, OpenLine(b, "revolving-consumer", "5000", "0.05", "approved", f"L-{b}"))["line_id"]
             for b in ("A1", "Z1")}  # fmt: skip
    request_erasure(engine, RequestErasure("Z1", "op", on=date(2025, 6, 1)), at_s=AT_S)  # the oldest request
    request_erasure(engine, RequestErasure("A1", "op", on=date(2025, 6, 2)), at_s=AT_S)  # first in borrower-id order
    request_erasure(engine, RequestErasure(applicant, "op"), at_s=AT_S)  # the newest; due 2028-06-30
    for line in lines.values():  # both customers' obligations end: deciding them again dates their erasure
        change_line_status(engine, ChangeLineStatus(line, "close", "closed at the borrower's request"))
    monkeypatch.setattr(retention_eod, "RESTRICTED_PER_RUN_MAX", 1)

    def dated() -> dict[str, date | None]:
        with engine.connect() as connection:
            query = select(erasure_requests.c.borrower_id, erasure_requests.c.erase_on)
            return {b: d for b, d in connection.execute(query.where(erasure_requests.c.borrower_id.in_(("A1", "Z1"))))}

    move_business_date(engine, date(2028, 6, 29))
    assert retention_run(engine, date(2028, 6, 30))["erased"] == 1  # the due request before the two older ones
    assert fields_of(engine, applicant) == []
    assert dated() == {"A1": None, "Z1": None}
    assert retention_run(engine, date(2028, 7, 1))["due_dates_set"] == 1
    assert dated() == {"A1": None, "Z1": date(2035, 6, 30)}  # the oldest request first, not A1


def test_end_of_day_counts_a_former_customers_ten_years_from_their_last_loan_event_when_it_came_after_the_close(people) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.credit_refunds import RefundCredit, refund_credit

    engine, applicant, _ = people
    for borrower, overpaid in (("C3", "600.00"), ("C4", "500.00")):  # C3 overpays: a credit balance owed to them
        line = open_line(engine, OpenLine(borrower, "revolving-consumer", "5000", "0.05", "approved", f"L-{borrower}"))
        loan = draw(engine, Draw(line["line_id"], "500", 3, f"draw-{borrower}"))["loan_id"]
        assert repay(engine, Repay(loan, overpaid, f"repay-{borrower}"))["status"] == "paid-off"
        change_line_status(engine, ChangeLineStatus(line["line_id"], "close", "closed at the borrower's request"))
        with UnitOfWork(engine) as uow:
            PersonalDataStore(uow.connection, load_keyring(VAULT_KEYS)).put(borrower, {"name": borrower}, BUSINESS_DATE)
            uow.commit()
    move_business_date(engine, date(2026, 6, 30))  # a year after the close, C3's credit balance is paid back
    refunded = refund_credit(engine, RefundCredit("C3", "100.00", "refund-c3"))
    assert (refunded["refunded"], refunded["credit_balance"], refunded["business_date"]) == ("100.00", "0.00", "2026-06-30")

    move_business_date(engine, date(2035, 6, 28))
    assert retention_run(engine, date(2035, 6, 29))["period_ended_erased"] == 1  # the applicant, long due
    assert fields_of(engine, applicant) == []
    ten_after_close = retention_run(engine, date(2035, 6, 30))  # C1 (open), C3 (refunded later), C4: candidates
    assert (ten_after_close["period_ended_candidates"], ten_after_close["period_ended_erased"]) == (3, 1)
    assert (fields_of(engine, "C3"), fields_of(engine, "C4")) == (["name"], [])  # C4's relationship ended at the close

    move_business_date(engine, date(2036, 6, 28))
    assert retention_run(engine, date(2036, 6, 29))["period_ended_candidates"] == 0  # a day short of 10 years
    assert fields_of(engine, "C3") == ["name"]
    ten_after_refund = retention_run(engine, date(2036, 6, 30))
    assert (ten_after_refund["period_ended_candidates"], ten_after_refund["period_ended_erased"]) == (1, 1)
    assert fields_of(engine, "C3") == [] and fields_of(engine, "C1") == ["bank_account", "name", "phone"]
    (entry,) = access_log(engine, "C3")
    assert entry[:3] == ("eod-retention", "subject_request", True) and "2036-06-30" in entry[3]
