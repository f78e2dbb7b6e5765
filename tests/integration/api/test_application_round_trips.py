"""The round trips to PostgreSQL of one application over HTTP, read from libpq's trace of the messages the
server was sent: every read the decision needs is queued with others — the account's refused identity
claims with the key's decision, whether another account holds the applicant's borrower with the
applicant's blacklist and line look-ups — so an approved application takes six (the session, BEGIN,
the first reads, the applicant's, the writes, COMMIT). Each of those two reads was a trip of its own.
(libpq's trace: every statement is a Parse message; a Sync ends what is answered in one trip.)"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from api_flows import Person, application, business_date_of, make_platform
from sqlalchemy import event

from shared_files import postgres_schema

pytestmark = pytest.mark.postgres
_SENT = re.compile(r"\tF\t\d+\t(Parse|Sync|Query)\t?(.*)")


@contextmanager
def traced(engine) -> Iterator[list[list[str]]]:  # type: ignore[no-untyped-def]
    """The round trips made inside the block: per trip, the statements sent (their first 60 characters)."""
    trips: list[list[str]] = []
    engine.dispose()  # every connection of the block is a new one, traced from its start
    fd, path = tempfile.mkstemp()

    def trace(connection, _record) -> None:  # type: ignore[no-untyped-def]
        connection.pgconn.trace(fd)

    event.listen(engine, "connect", trace)
    try:
        yield trips
    finally:
        event.remove(engine, "connect", trace)
        engine.dispose()
        os.close(fd)
    with open(path, encoding="utf-8") as file:
        text = file.read()
    os.unlink(path)
    sent: list[str] = []
    for kind, rest in _SENT.findall(text):
        if kind == "Parse":
            sent.append(rest.split('"')[3][:60])
        elif kind == "Query":  # a simple query is sent and answered alone
            trips.append([rest.strip().strip('"')])
        else:  # Sync: the statements sent since the last one are answered together
            trips.append(sent)
            sent = []


def test_an_application_over_http_takes_six_round_trips(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # The fraud screen's periodic look at the erasure counter (a trip every few seconds, not per application) is not this test's.
    monkeypatch.setattr("creditline.app.apply_setup.ERASURES_CHECK_S", 10**9)
    with postgres_schema(postgres_url, "trips") as url:
        client, engine = make_platform(url)
        try:
            with client:
                first = Person(client, "First")  # the deciders are built on the first application
                first.register()
                first.post("/v1/applications", application(3000, business_date_of(client)), key="warm")
                person = Person(client, "Applicant")
                person.register()
                form = application(3001, business_date_of(client))
                with traced(engine) as trips:
                    decided = person.post("/v1/applications", form, key="traced")
        finally:
            engine.dispose()
    assert decided.status_code == 201 and decided.json()["outcome"] == "approve", decided.text
    assert len(trips) == 6, trips
    session, begin, reads, applicant, writes, commit = trips
    assert [session[0][:24], begin[0][:5], commit] == ["SELECT identity_sessions", "BEGIN", ["COMMIT"]]
    assert any("pg_advisory_xact_lock_shared" in s for s in reads), reads
    assert any("FROM identity_claim_refusals" in s or "identity_claim_refusals.refused_at" in s for s in reads), reads
    assert any("credit_lines.line_id" in s for s in applicant), applicant
    assert any(s.startswith("SELECT identity_accounts.account_id") for s in applicant), applicant
    assert any(s.startswith("INSERT INTO origination_decisions") for s in writes), writes
