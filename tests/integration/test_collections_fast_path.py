"""The collections stage's batch path (the day's planner, remembered verdicts and local times, driver
reads, one prepared insert or COPY per batch) writes exactly the rows of the per-loan reference:
`loan_row` → `plan_loan` → `admit_in_order` against the history read through the repository →
`_contact_row`, on a mixed book (time zones and languages, two loans of one borrower falling due the
same day, scores in every segment, a pending promise, loans paid on time, late and never), every day
for two months, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

from collections_fixtures import installment_due
from lending_fixtures import open_line, setup_books
from sqlalchemy import select

from creditline.app import Draw, Repay, draw, repay, run_eod
from creditline.app.collections import set_contact_profile
from creditline.app.collections_eod import collections as collections_stage
from creditline.app.collections_facts import _pages, loan_row
from creditline.app.collections_promises import MakePromise, make_promise
from creditline.app.collections_stage import _contact_row, _key, _outbound
from creditline.money import Money, currency
from creditline.servicing.collections_contact_rules import HISTORY_DAYS, PastContact, admit_in_order
from creditline.servicing.collections_plan import LoanCollectionFacts, plan_loan
from creditline.servicing.collections_strategy import builtin_strategy
from creditline.servicing.notifications import Channel
from creditline.store import UnitOfWork
from creditline.store.collections_repository import CollectionsRepository, ReviewRepository
from creditline.store.tables_collections import collection_contacts, notification_outbox

DAY_S = 86_400
STRATEGY = builtin_strategy()
BORROWERS = {  # borrower: (time zone, language, behaviour score) — None: no profile / not scored
    "Z1": (None, None, None),
    "Z2": ("America/New_York", "en", 700),
    "Z3": ("Pacific/Chatham", "en", 600),
    "Z4": ("Asia/Kolkata", "zh", 420),
    "Z5": (None, None, 560),
}


def _reference(engine: Any, on: date) -> tuple[list[dict], list[tuple]]:
    """The day's contact rows (message ids left out) and outbox messages, loan by loan."""
    with UnitOfWork(engine, read_only=True) as uow:
        repository = CollectionsRepository(uow.connection)
        pending = {p["loan_id"] for p in repository.pending_promises()}
        rows = [loan_row(row, on.toordinal()) for page in _pages(uow) for row in page]
        borrowers = sorted({row.borrower_id for row in rows})
        scores = ReviewRepository(uow.connection).scores(borrowers)
        profiles = repository.profiles(borrowers)
        messages = []
        for row in rows:
            profile = profiles.get(row.borrower_id, {})
            facts = LoanCollectionFacts(
                row.loan_id, row.borrower_id, row.product_id, row.days_past_due, row.next_due,
                Money(row.overdue_minor, currency(row.currency)), scores.get(row.borrower_id),
                row.loan_id in pending, profile.get("time_zone"), profile.get("language"),
            )  # fmt: skip
            messages += plan_loan(facts, STRATEGY, on).messages
        if not messages:
            return [], []
        start = min(m.at_s for m in messages) - HISTORY_DAYS * DAY_S
        end = max(m.at_s for m in messages) + HISTORY_DAYS * DAY_S
        history = repository.contacts_around(borrowers, start, end)
        recorded = repository.recorded_keys([_key(on, m.loan_id, m.action_id) for m in messages])
    by_borrower = defaultdict(list)
    for message in messages:
        if _key(on, message.loan_id, message.action_id) not in recorded:
            by_borrower[message.borrower_id].append(message)
    contacts, outbox = [], []
    for borrower_id, mine in by_borrower.items():
        mine.sort(key=lambda m: (m.at_s, m.loan_id, m.action_id))
        past = [PastContact(Channel(c), at) for c, at in history.get(borrower_id, [])]
        verdicts = admit_in_order([(m.channel, m.at_s) for m in mine], mine[0].time_zone, past, STRATEGY.contact_rules)
        for message, verdict in zip(mine, verdicts, strict=True):
            rule = None if verdict.allowed else verdict.rule
            row = _contact_row(on, STRATEGY, message, None, rule)
            del row["message_id"]
            contacts.append(row | {"sent": rule is None})
            if rule is None:
                out = _outbound(on, message)
                outbox.append((out.dedupe_key, out.borrower_id, out.loan_id, out.channel.value, out.purpose.value,
                               out.template_id, out.template_version, out.language, out.text, out.send_at_s))  # fmt: skip
    return contacts, sorted(outbox)


def _written(engine: Any, on: date) -> tuple[list[dict], list[tuple]]:
    c, o = collection_contacts.c, notification_outbox.c
    with engine.connect() as connection:
        contacts = [dict(r) for r in connection.execute(
            select(collection_contacts).where(c.business_date == on, c.dedupe_key.is_not(None)).order_by(c.contact_id)
        ).mappings()]  # fmt: skip
        outbox = connection.execute(select(
            o.dedupe_key, o.borrower_id, o.loan_id, o.channel, o.purpose, o.template_id, o.template_version, o.language,
            o.text, o.send_at_s, o.message_id, o.status, o.business_date,
        ).where(o.business_date == on)).all()  # fmt: skip
    ids = {row.dedupe_key: row.message_id for row in outbox}
    for contact in contacts:  # each queued contact names its outbox message; a suppressed one none
        assert contact.pop("message_id") == ids.get(contact["dedupe_key"]), contact
        contact["sent"] = contact["dedupe_key"] in ids
        for name in ("contact_id", "item_id", "operator"):
            assert name == "contact_id" or contact[name] is None
            del contact[name]
    assert all((row.status, row.business_date) == ("queued", on) for row in outbox)
    return contacts, sorted(tuple(row)[:10] for row in outbox)


def test_the_batch_path_writes_the_rows_of_the_per_loan_reference(engine) -> None:  # type: ignore[no-untyped-def]
    setup_books(engine)
    lines = {b: open_line(engine, b, limit="50000") for b in BORROWERS}
    loans = {}
    for k, borrower in enumerate(BORROWERS):
        loans[borrower] = draw(engine, Draw(lines[borrower], str(900 + 150 * k), 3, f"a-{borrower}"))["loan_id"]
    loans["Z1b"] = draw(engine, Draw(lines["Z1"], "600", 6, "b-Z1"))["loan_id"]  # due the same days as Z1's first
    for borrower, (zone, language, score) in BORROWERS.items():
        if zone is not None:
            set_contact_profile(engine, borrower, zone, language)
        if score is not None:
            with UnitOfWork(engine) as uow:
                ReviewRepository(uow.connection).set_score(borrower, score, date(2025, 1, 1), "test", {}, [])
                uow.commit()
    today, seen = date(2025, 1, 1), 0
    kinds: set[str] = set()
    while today < date(2025, 3, 3):
        closed, today = today, today + timedelta(days=1)
        if today == date(2025, 1, 5):  # a second loan for Z2, due four days after the first
            loans["Z2b"] = draw(engine, Draw(lines["Z2"], "700", 3, "b-Z2"))["loan_id"]
        run_eod(engine, today)
        if today == date(2025, 2, 6):  # Z4 promises what is overdue: its reminders pause
            owed = installment_due(engine, loans["Z4"], today)
            make_promise(engine, MakePromise(loans["Z4"], owed, today + timedelta(days=5), "agent"))
        for borrower in ("Z2", "Z3"):  # Z2 pays on time, Z3 a week late; Z1 and Z4 never, Z5 pays its first only
            owed = installment_due(engine, loans[borrower], today - timedelta(days=7 if borrower == "Z3" else 0))
            if owed is not None:
                repay(engine, Repay(loans[borrower], owed, f"p-{borrower}-{today}"))
        expected = _reference(engine, today)
        collections_stage(engine, closed, SimpleNamespace(run_date=today))
        written = _written(engine, today)
        assert written == expected, today
        seen += len(expected[0])
        kinds |= {c["outcome"] + ":" + str(c["template_id"]) for c in expected[0]}
    assert seen > 40
    assert {"suppressed:due_soon", "queued:due_today", "queued:overdue_first", "queued:overdue_reminder"} <= kinds, kinds
