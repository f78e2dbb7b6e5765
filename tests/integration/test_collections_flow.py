"""Collections through the store and the CLI on SQLite and PostgreSQL: reminders, the call queue and its
escalation, operator contacts held to the conduct rules, promises kept and broken, hardship re-age."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from collections_fixtures import close_days, installment_due
from integration_helpers import cli, dump, ok
from lending_fixtures import open_line, setup_books

from creditline.app import Draw, Repay, draw, repay
from creditline.app.collections_eod import collections as collections_stage
from creditline.store import UnitOfWork
from creditline.store.collections_repository import CollectionsRepository


@pytest.fixture
def loan(engine) -> str:  # type: ignore[no-untyped-def]
    setup_books(engine)
    line = open_line(engine, "B1", limit="20000")
    return draw(engine, Draw(line, "1200", 3, "d1"))["loan_id"]


def _contacts(engine, loan_id: str) -> list[dict]:  # type: ignore[no-untyped-def]
    with UnitOfWork(engine, read_only=True) as uow:
        return sorted(CollectionsRepository(uow.connection).contacts(loan_id=loan_id, limit=500), key=lambda c: c["at_s"])


def test_reminders_then_collection_messages_then_the_call_queue_escalating(engine, db_url: str, loan: str) -> None:  # type: ignore[no-untyped-def]
    close_days(engine, date(2025, 3, 4))
    contacts = _contacts(engine, loan)
    first = [(c["local_time"], c["channel"], c["template_id"], c["template_version"], c["outcome"]) for c in contacts[:3]]
    assert first == [
        ("2025-01-29T10:00:00+08:00", "sms", "due_soon", 1, "queued"),
        ("2025-02-01T09:00:00+08:00", "in_app", "due_today", 1, "queued"),
        ("2025-02-02T10:00:00+08:00", "sms", "overdue_first", 1, "queued"),
    ]
    assert all(c["strategy"] == "collections_cn@2025.07.3" and c["party"] == "borrower" for c in contacts)
    with UnitOfWork(engine, read_only=True) as uow:
        outbox = CollectionsRepository(uow.connection).outbox("B1", limit=500)
    assert sorted(m["message_id"] for m in outbox) == sorted(c["message_id"] for c in contacts)
    assert "逾期1天，应还" in next(m["text"] for m in outbox if m["template_id"] == "overdue_first")
    queue = ok("collections", "queue", "--db", db_url)["items"]
    assert [(i["queue"], i["stage"], i["escalations"], i["opened_on"]) for i in queue] == [("mid", "mid", 1, "2025-02-11")]
    before = dump(engine)  # the stage run again for the same day (a restarted end of day) writes nothing more
    collections_stage(engine, date(2025, 3, 3), SimpleNamespace(run_date=date(2025, 3, 4)))
    assert dump(engine) == before
    repay(engine, Repay(loan, "1500", "payoff"))  # more than everything owed: the loan is paid off
    close_days(engine, date(2025, 3, 5))
    closed = ok("collections", "queue", "--status", "closed", "--db", db_url)["items"]
    assert [(i["loan_id"], i["closed_reason"]) for i in closed] == [(loan, "paid-off")]


def test_operator_contacts_keep_quiet_hours_caps_and_the_borrower_only(engine, db_url: str, loan: str) -> None:  # type: ignore[no-untyped-def]
    close_days(engine, date(2025, 2, 11))
    item = ok("collections", "queue", "--db", db_url)["items"][0]["item_id"]
    ok("collections", "queue", "assign", item, "--to", "agent-7", "--db", db_url)
    before = dump(engine)
    late = cli("collections", "contact", "--loan", loan, "--outcome", "no_answer", "--operator", "agent-7",
               "--at", "2025-02-11T21:30:00+08:00", "--db", db_url)  # fmt: skip
    assert late.exit_code == 2
    assert late.stderr == "error: --at: 21:30 (Asia/Shanghai) is within the quiet hours 21:00-08:00\n"
    third = cli("collections", "contact", "--loan", loan, "--outcome", "reached", "--operator", "agent-7",
                "--at", "2025-02-11T10:00:00+08:00", "--party", "third_party", "--db", db_url)  # fmt: skip
    assert third.exit_code == 2 and third.stderr.startswith("error: --party: only the borrower may be contacted")
    assert dump(engine) == before
    for hour in ("09", "10", "11"):
        made = ok("collections", "contact", "--loan", loan, "--outcome", "no_answer", "--operator", "agent-7",
                  "--item", item, "--at", f"2025-02-12T{hour}:00:00+08:00", "--db", db_url)  # fmt: skip
        assert made["item"]["last_outcome"] == "no_answer" and made["item"]["status"] == "assigned"
    fourth = cli("collections", "contact", "--loan", loan, "--outcome", "no_answer", "--operator", "agent-7",
                 "--at", "2025-02-12T15:00:00+08:00", "--db", db_url)  # fmt: skip
    assert fourth.exit_code == 2 and "3 contacts on 2025-02-12 already" in fourth.stderr
    ok("collections", "profile", "--borrower", "B1", "--time-zone", "America/New_York", "--language", "en", "--db", db_url)
    evening = cli("collections", "contact", "--loan", loan, "--outcome", "no_answer", "--operator", "agent-7",
                  "--at", "2025-02-14T10:00:00+08:00", "--db", db_url)  # 21:00 the evening before in New York
    assert evening.exit_code == 2 and "(America/New_York)" in evening.stderr
    history = ok("collections", "contacts", "--loan", loan, "--db", db_url)["contacts"]
    assert [c["outcome"] for c in history[:3]] == ["no_answer"] * 3 and history[0]["operator"] == "agent-7"


def test_promises_are_found_kept_or_broken_and_pause_the_reminders(engine, db_url: str) -> None:  # type: ignore[no-untyped-def]
    setup_books(engine)
    kept_loan = draw(engine, Draw(open_line(engine, "K"), "1200", 3, "k"))["loan_id"]
    broken_loan = draw(engine, Draw(open_line(engine, "N"), "1200", 3, "n"))["loan_id"]
    close_days(engine, date(2025, 2, 5))
    refused = cli("collections", "promise", "--loan", kept_loan, "--amount", "100", "--date", "2025-02-08",
                  "--operator", "agent", "--db", db_url)  # fmt: skip
    assert refused.exit_code == 2 and "at least 1/2 of the" in refused.stderr
    too_far = cli("collections", "promise", "--loan", kept_loan, "--amount", "400", "--date", "2025-02-25",
                  "--operator", "agent", "--db", db_url)  # fmt: skip
    assert too_far.exit_code == 2 and too_far.stderr.startswith("error: --date: a promise is for a date at most 14 days")
    owed = installment_due(engine, kept_loan, date(2025, 2, 5))
    ok("collections", "promise", "--loan", kept_loan, "--amount", owed, "--date", "2025-02-08", "--operator", "a", "--db", db_url)
    ok("collections", "promise", "--loan", broken_loan, "--amount", owed, "--date", "2025-02-08", "--operator", "a", "--db", db_url)
    again = cli("collections", "promise", "--loan", broken_loan, "--amount", owed, "--date", "2025-02-09",
                "--operator", "a", "--db", db_url)  # fmt: skip
    assert again.exit_code == 2 and "pending promise" in again.stderr
    repay(engine, Repay(kept_loan, owed, "pay-k"))
    close_days(engine, date(2025, 2, 10))
    with UnitOfWork(engine, read_only=True) as uow:
        repository = CollectionsRepository(uow.connection)
        kept, broken = repository.promises(kept_loan)[0], repository.promises(broken_loan)[0]
    assert (kept["status"], kept["settled_on"], kept["paid_minor"]) == ("kept", date(2025, 2, 6), int(owed.replace(".", "")))
    assert (broken["status"], broken["settled_on"], broken["paid_minor"]) == ("broken", date(2025, 2, 10), 0)
    # Days 5 and 8 past due (6 and 9 February) would have had an in-app reminder: the promise held them.
    assert [c for c in _contacts(engine, broken_loan) if c["business_date"] > date(2025, 2, 5)] == []
    close_days(engine, date(2025, 2, 12))
    resumed = [c for c in _contacts(engine, broken_loan) if c["business_date"] > date(2025, 2, 5)]
    assert [(c["business_date"], c["template_id"]) for c in resumed] == [(date(2025, 2, 12), "overdue_reminder")]


def test_hardship_is_offered_within_the_limits_and_applied_once(engine, db_url: str, loan: str) -> None:  # type: ignore[no-untyped-def]
    from creditline.app import show_loan
    from creditline.app.collections_hardship import Hardship, hardship
    from creditline.servicing.collections_errors import HardshipNotEligible
    from creditline.servicing.collections_strategy import builtin_strategy

    close_days(engine, date(2025, 2, 5), stages=())
    view = ok("collections", "hardship", "--loan", loan, "--income", "8000", "--db", db_url)
    assert (view["eligible"], [r["code"] for r in view["reasons"]]) == (False, ["too_early", "payment_history_short"])
    for option, value in (("--income", "abc"), ("--obligations", "-1"), ("--payday", str(10**22)),
                          ("--apply", "   "), ("--apply", "k" * 201)):  # a bad key was named --key, and only once eligible
        bad = cli("collections", "hardship", "--loan", loan, "--income", "8000", option, value, "--db", db_url)
        assert bad.exit_code == 2, (option, bad)  # refused even though the loan does not qualify yet
        assert bad.stderr.startswith(f"error: {option}"), bad.stderr
    refused = cli("collections", "hardship", "--loan", loan, "--income", "8000", "--apply", "h0", "--db", db_url)
    assert refused.exit_code == 2 and refused.stderr.startswith("error: --loan: re-age is offered from 15 days past due")
    base = builtin_strategy()
    lenient = base.model_copy(update={"hardship": base.hardship.model_copy(update={"days_past_due_min": 1,
                                                                                    "paid_installments_min": 0})})  # fmt: skip
    applied = hardship(engine, Hardship(loan, income_monthly="8000", apply_key="h1"), lenient)
    assert applied["eligible"] and applied["proposal"]["chosen_installments"] == 3
    after = show_loan(engine, loan)
    assert (after["status"], after["days_past_due"]) == ("active", 0)
    assert hardship(engine, Hardship(loan, income_monthly="8000", apply_key="h1"), lenient)["replayed"] is True
    with pytest.raises(HardshipNotEligible) as again:
        hardship(engine, Hardship(loan, income_monthly="8000", apply_key="h2"), lenient)
    assert again.value.code == "hardship_not_overdue"


def test_a_strategy_file_is_checked_before_use(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    shipped = Path(__file__).resolve().parents[2] / "src/creditline/servicing/collections_strategies/collections_cn.yaml"
    good = ok("collections", "strategy", "check", str(shipped))
    assert (good["name"], good["quiet_hours"], len(good["digest"])) == ("collections_cn", "21:00-08:00", 64)
    bad = tmp_path / "bad.yaml"
    bad.write_text(shipped.read_text(encoding="utf-8").replace("queue: early\n", "queue: early\n    escalate_to: mid\n"))
    result = cli("collections", "strategy", "check", str(bad))
    assert result.exit_code == 2
    assert result.stderr == "error: strategy.stages.1.escalate_to: unknown field (not part of a collections strategy) (in bad.yaml)\n"
    missing = cli("collections", "strategy", "check", str(tmp_path / "none.yaml"))
    assert (missing.exit_code, missing.stderr) == (2, f"error: --path: cannot read {tmp_path / 'none.yaml'}: "
                                                      "No such file or directory\n")  # not FileNotFoundError
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"name: \xff\xfe")
    unreadable = cli("collections", "strategy", "check", str(binary))
    assert (unreadable.exit_code, unreadable.stderr) == (2, f"error: --path: cannot read {binary}: not UTF-8 text "
                                                            "(invalid start byte)\n")  # not UnicodeDecodeError


@pytest.mark.parametrize("at", ["9999-12-31T23:59:00+00:00", "0001-01-01T00:00:00+14:00"])
def test_a_contact_time_no_calendar_holds_is_refused_not_a_crash(engine, db_url: str, loan: str, at: str) -> None:  # type: ignore[no-untyped-def]
    """A contact is judged in the borrower's local time: a moment whose UTC or local date falls outside the
    years 1 to 9999 (9999-12-31 23:59 UTC is 10000-01-01 in Shanghai) was an OverflowError traceback."""
    close_days(engine, date(2025, 2, 11))
    before = dump(engine)
    refused = cli("collections", "contact", "--loan", loan, "--outcome", "reached", "--operator", "agent-7",
                  "--at", at, "--db", db_url)  # fmt: skip
    assert refused.exit_code == 2, refused.stderr
    assert refused.stderr == "error: --at: must fall within the years 1 to 9999, in UTC and in every time zone\n"
    assert dump(engine) == before


def test_a_hardship_key_used_for_another_loan_is_refused_not_answered_as_its_re_age(engine, db_url: str, loan: str) -> None:  # type: ignore[no-untyped-def]
    """`--apply KEY` with a key that re-aged another loan answered 'replayed' with that loan's re-age: the
    operator read the second loan as re-aged while nothing had happened to it."""
    from creditline.app import show_loan
    from creditline.app.collections_hardship import Hardship, hardship
    from creditline.app.errors import IdempotencyConflict
    from creditline.servicing.collections_strategy import builtin_strategy

    with UnitOfWork(engine, read_only=True) as uow:
        line = uow.loans.get(loan).line_id
    other = draw(engine, Draw(line, "1200", 3, "d2"))["loan_id"]
    close_days(engine, date(2025, 2, 5), stages=())
    base = builtin_strategy()
    lenient = base.model_copy(update={"hardship": base.hardship.model_copy(update={"days_past_due_min": 1,
                                                                                    "paid_installments_min": 0})})  # fmt: skip
    assert hardship(engine, Hardship(loan, income_monthly="8000", apply_key="h1"), lenient)["applied"]["loan_id"] == loan
    before = dump(engine)
    with pytest.raises(IdempotencyConflict) as caught:
        hardship(engine, Hardship(other, income_monthly="8000", apply_key="h1"), lenient)
    assert caught.value.field == "key"
    assert dump(engine) == before and show_loan(engine, other)["status"] == "overdue"
    refused = cli("collections", "hardship", "--loan", other, "--income", "8000", "--apply", "h1", "--db", db_url)
    assert refused.exit_code == 2 and refused.stderr.startswith("error: --apply:"), refused.stderr


def test_the_contacts_command_lists_every_contact_not_the_latest_fifty(engine, db_url: str, loan: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """docs/collections.md: `collections contacts --loan L` lists every contact, latest first. It listed 50:
    a loan in collection for months has more (every message sent or suppressed, every call)."""
    from creditline.store import collections_repository

    _add_daily_contacts(engine, loan, 1_738_400_400, date(2025, 2, 1), 55)  # from 2025-02-01T17:00+08:00
    shown = ok("collections", "contacts", "--loan", loan, "--db", db_url)["contacts"]
    assert [c["local_time"] for c in shown] == [f"n{n:02d}" for n in reversed(range(55))]
    monkeypatch.setattr(collections_repository, "PAGE_MAX", 20)  # pages of 20: every page boundary crossed
    paged = ok("collections", "contacts", "--loan", loan, "--db", db_url)["contacts"]
    assert [c["local_time"] for c in paged] == [f"n{n:02d}" for n in reversed(range(55))]


def test_the_console_work_item_shows_every_contact_on_its_loan(engine, db_url: str, loan: str) -> None:  # type: ignore[no-untyped-def]
    """docs/web.md: the work item page shows 'every contact on its loan'; it showed the latest 50."""
    from creditline.app import servicing_views

    close_days(engine, date(2025, 2, 11))
    item = ok("collections", "queue", "--db", db_url)["items"][0]["item_id"]
    _add_daily_contacts(engine, loan, 1_739_264_400, date(2025, 2, 11), 55)  # from 2025-02-11T17:00+08:00
    every = _contacts(engine, loan)
    assert len(every) > 55
    shown = servicing_views.work_item(engine, item)["contacts"]
    latest_first = sorted(every, key=lambda c: (c["at_s"], c["contact_id"]), reverse=True)
    assert [c["contact_id"] for c in shown] == [c["contact_id"] for c in latest_first]


def test_a_loan_partly_cured_back_to_an_earlier_stage_does_not_escalate_its_item(engine, db_url: str, loan: str) -> None:  # type: ignore[no-untyped-def]
    """An item moves to a *later* stage's queue when its loan escalates. A loan 35 days late whose borrower
    paid the oldest installment is 7 days late again (the early stage): its mid-stage item was 'escalated'
    back to the early queue, counted as an escalation and taken from the agent working it."""
    from creditline.app import show_loan
    from creditline.money import Money

    close_days(engine, date(2025, 3, 8))
    (item,) = ok("collections", "queue", "--db", db_url)["items"]
    assert (item["stage"], item["queue"], item["escalations"]) == ("mid", "mid", 1)
    ok("collections", "queue", "assign", item["item_id"], "--to", "agent-9", "--db", db_url)
    view = show_loan(engine, loan)
    oldest = Money.parse(view["installments"][0]["outstanding"], "CNY") + Money.parse(view["penalty_receivable"], "CNY")
    repay(engine, Repay(loan, oldest.amount_str(), "oldest"))
    close_days(engine, date(2025, 3, 10))
    assert 0 < show_loan(engine, loan)["days_past_due"] <= 30  # the early stage's days
    (after,) = ok("collections", "queue", "--db", db_url)["items"]
    assert (after["item_id"], after["stage"], after["queue"]) == (item["item_id"], "mid", "mid")
    assert (after["status"], after["assignee"], after["escalations"]) == ("assigned", "agent-9", 1)


def test_the_contacts_of_a_loan_that_does_not_exist_are_loan_not_found(engine, db_url: str, loan: str) -> None:  # type: ignore[no-untyped-def]
    """A mistyped loan id answered 'no contacts' (exit 0), as if the loan had never been contacted."""
    missing = cli("collections", "contacts", "--loan", loan + "X", "--db", db_url)
    assert missing.exit_code == 2 and missing.stderr.startswith("error: --loan: no loan"), missing
    assert ok("collections", "contacts", "--loan", loan, "--db", db_url)["contacts"] == []  # a loan not yet contacted


def _add_daily_contacts(engine, loan: str, start_s: int, on: date, count: int) -> None:  # type: ignore[no-untyped-def]
    """`count` suppressed in-app contacts with the borrower, a day apart from `start_s`, local times n00, n01, ..."""
    rows = [{"dedupe_key": f"test:{n}", "borrower_id": "B1", "loan_id": loan, "channel": "in_app", "party": "borrower",
             "purpose": "collection", "template_id": "overdue_reminder", "template_version": 1, "at_s": start_s + n * 86_400,
             "time_zone": "Asia/Shanghai", "local_time": f"n{n:02d}", "outcome": "suppressed",
             "business_date": on, "strategy": "collections_cn@2025.07.3", "note": "not sent: day_cap"}
            for n in range(count)]  # fmt: skip
    with UnitOfWork(engine) as uow:
        CollectionsRepository(uow.connection).add_contacts(rows)
        uow.commit()


@pytest.mark.parametrize("at", ["2099-02-12T10:00:00+08:00", "1969-12-31T10:00:00+08:00", "2025-02-13T10:00:00+08:00"])
def test_a_contact_dated_outside_the_loans_life_is_refused(engine, db_url: str, loan: str, at: str) -> None:  # type: ignore[no-untyped-def]
    """A contact dated 2099 or 1969 (before the loan was disbursed) was recorded and counted against the caps."""
    close_days(engine, date(2025, 2, 11))
    before = dump(engine)
    refused = cli("collections", "contact", "--loan", loan, "--outcome", "reached", "--operator", "agent-7",
                  "--at", at, "--db", db_url)  # fmt: skip
    assert refused.exit_code == 2, refused.stderr
    assert refused.stderr.startswith("error: --at: ") and "outside the loan's life" in refused.stderr
    assert dump(engine) == before
    made = ok("collections", "contact", "--loan", loan, "--outcome", "reached", "--operator", "agent-7",
              "--at", "2025-02-12T10:00:00+08:00", "--db", db_url)  # fmt: skip
    assert made["local_time"].startswith("2025-02-12T10:00")


def test_a_close_reason_longer_than_its_column_is_refused_not_cut_short(engine, db_url: str, loan: str) -> None:  # type: ignore[no-untyped-def]
    """A 41–400 character reason was cut to its first 40 silently; a longer one was refused as --note."""
    close_days(engine, date(2025, 2, 11))
    item = ok("collections", "queue", "--db", db_url)["items"][0]["item_id"]
    before = dump(engine)
    for reason in ("r" * 41, "x" * 401):
        long = cli("collections", "queue", "close", item, "--reason", reason, "--db", db_url)
        assert (long.exit_code, long.stderr) == (2, "error: --reason: at most 40 characters\n")
    assert dump(engine) == before
    closed = ok("collections", "queue", "close", item, "--reason", "  settled   by phone  ", "--db", db_url)
    assert (closed["status"], closed["closed_reason"]) == ("closed", "settled by phone")


def test_the_queue_listing_refuses_a_queue_the_strategy_does_not_have(engine, db_url: str, loan: str) -> None:  # type: ignore[no-untyped-def]
    """`--queue Mid` listed nothing ("the queue is empty") while the mid queue held the loan's item."""
    close_days(engine, date(2025, 3, 4))
    assert [i["queue"] for i in ok("collections", "queue", "--queue", "mid", "--db", db_url)["items"]] == ["mid"]
    typo = cli("collections", "queue", "--queue", "Mid", "--db", db_url)
    assert (typo.exit_code, typo.stderr) == (2, "error: --queue: queue is one of early, mid, late\n")


def test_a_contact_note_with_a_nul_byte_is_refused_and_nothing_is_recorded(engine, db_url: str, loan: str) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL cannot store a NUL in text: the note reached the insert and was a 500 (the console's contact form)."""
    from datetime import datetime

    from creditline.app.collections import RecordContact, record_contact
    from creditline.servicing.collections_errors import CollectionsInputInvalid

    close_days(engine, date(2025, 2, 11))
    before = dump(engine)
    at = datetime.fromisoformat("2025-02-11T10:00:00+08:00")
    with pytest.raises(CollectionsInputInvalid) as refused:
        record_contact(engine, RecordContact(loan, "call", "reached", at, "agent-7", note="called\x00back"))
    assert (refused.value.field, refused.value.message) == ("note", "at most 400 printable characters")
    assert dump(engine) == before


def test_no_collection_contact_is_recorded_on_a_loan_paid_off(engine, db_url: str, loan: str) -> None:  # type: ignore[no-untyped-def]
    """Fair collection: once the loan is paid off nothing is owed, so no operator may contact the borrower
    about it. An agent's call on the paid-off loan was accepted (exit 0), recorded as a collection contact
    and counted against the borrower's caps."""
    close_days(engine, date(2025, 2, 11))
    repay(engine, Repay(loan, "1500", "payoff"))
    before = dump(engine)
    after_payoff = cli("collections", "contact", "--loan", loan, "--outcome", "reached", "--operator", "agent-7",
                       "--at", "2025-02-11T15:00:00+08:00", "--db", db_url)  # fmt: skip
    assert (after_payoff.exit_code, after_payoff.stderr) == (
        2, f"error: --loan: the loan {loan} is paid-off: nothing is owed, so the borrower is not contacted about it\n")
    assert dump(engine) == before


def test_a_borrower_who_asked_for_hardship_help_is_not_chased_while_it_is_considered(engine, db_url: str, loan: str) -> None:  # type: ignore[no-untyped-def]
    """Fair collection: once the borrower tells an agent they are in hardship, automated collection pauses
    (the strategy's `hardship.pause_days`, 14) while a plan is worked out. The in-app reminders went on every
    three days from the next day and a new call item opened a week later, as if nothing had been said."""
    close_days(engine, date(2025, 2, 11))
    item = ok("collections", "queue", "--db", db_url)["items"][0]["item_id"]
    ok("collections", "contact", "--loan", loan, "--outcome", "hardship", "--operator", "agent-7", "--item", item,
       "--at", "2025-02-11T10:00:00+08:00", "--db", db_url)  # fmt: skip
    close_days(engine, date(2025, 2, 25))
    after = [(c["business_date"], c["template_id"]) for c in _contacts(engine, loan) if c["business_date"] > date(2025, 2, 11)]
    assert after == []
    assert ok("collections", "queue", "--db", db_url)["items"] == []
    close_days(engine, date(2025, 2, 28))  # the pause over: day 26 past due (27 Feb) has its in-app reminder
    after = [(c["business_date"], c["template_id"]) for c in _contacts(engine, loan) if c["business_date"] > date(2025, 2, 11)]
    assert after == [(date(2025, 2, 27), "overdue_reminder")]


def test_a_promise_on_a_loan_with_nothing_overdue_is_refused_and_its_reminders_go_on(engine, db_url: str, loan: str) -> None:  # type: ignore[no-untyped-def]
    """A promise of 0.01 on a current loan was taken (half of nothing overdue is nothing) and, pending, held the
    SMS three days before the due date and the in-app message on it."""
    close_days(engine, date(2025, 1, 20))
    before = dump(engine)
    current = cli("collections", "promise", "--loan", loan, "--amount", "0.01", "--date", "2025-02-02",
                  "--operator", "agent", "--db", db_url)  # fmt: skip
    assert (current.exit_code, current.stderr) == (
        2, "error: --loan: nothing is overdue on the loan: a promise to pay is for arrears\n")
    assert dump(engine) == before
    close_days(engine, date(2025, 2, 1))
    assert [c["template_id"] for c in _contacts(engine, loan)] == ["due_soon", "due_today"]


def test_a_loan_whose_promises_broke_three_times_takes_no_fourth(engine) -> None:  # type: ignore[no-untyped-def]
    """Promise, break, promise again could repeat without end, each pending promise pausing the reminders."""
    from creditline.app.collections_promises import MakePromise, make_promise
    from creditline.servicing.collections_errors import PromiseLimitReached

    setup_books(engine)
    loan = draw(engine, Draw(open_line(engine, "N"), "1200", 3, "n"))["loan_id"]
    day = date(2025, 2, 5)
    close_days(engine, day)
    for _ in range(3):  # due the same day, broken once the grace day has passed
        make_promise(engine, MakePromise(loan, installment_due(engine, loan, day), day, "agent"))
        day += timedelta(days=2)
        close_days(engine, day)
    with UnitOfWork(engine, read_only=True) as uow:
        before = CollectionsRepository(uow.connection).promises(loan)
    assert [(p["status"], p["settled_on"]) for p in before] == [
        ("broken", date(2025, 2, 7)), ("broken", date(2025, 2, 9)), ("broken", date(2025, 2, 11))]  # fmt: skip
    with pytest.raises(PromiseLimitReached) as caught:
        make_promise(engine, MakePromise(loan, installment_due(engine, loan, day), day, "agent"))
    assert (caught.value.code, caught.value.http_status, caught.value.field) == ("promise_limit_reached", 409, "loan")
    with UnitOfWork(engine, read_only=True) as uow:
        assert CollectionsRepository(uow.connection).promises(loan) == before
