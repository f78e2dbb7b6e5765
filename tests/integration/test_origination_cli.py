"""`creditline apply` and `creditline decision …` through the CLI frame: output, exit codes, no partial writes."""

from __future__ import annotations

import json

import pytest
from integration_helpers import cli, dump, ok
from test_origination_forms import application

from creditline.app.apply_setup import forget_screens


@pytest.fixture
def db(tmp_path):  # type: ignore[no-untyped-def]
    forget_screens()
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    ok("db", "upgrade", "--db", url, "--business-date", "2025-06-30")
    yield url, tmp_path
    forget_screens()


def _file(folder, name: str, body: object) -> str:  # type: ignore[no-untyped-def]
    path = folder / name
    path.write_text(body if isinstance(body, str) else json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_apply_then_replay_explain_review(db):
    url, folder = db
    body = {**application(1), "client_key": "cli-1"}
    view = ok("apply", "--db", url, "--file", _file(folder, "a.json", body), "--challenger-share", "0")
    assert view["outcome"] == "approve"
    assert view["strategy"] == "champion"
    again = ok("apply", "--db", url, "--file", _file(folder, "a.json", body))
    assert again["decision_id"] == view["decision_id"]
    replay = cli("decision", "replay", view["decision_id"], "--db", url)
    assert replay.exit_code == 0
    assert "replay matches" in replay.stdout
    explained = ok("decision", "explain", view["decision_id"], "--db", url)
    assert explained["limit"]["amount"] == view["limit"]
    review = ok("decision", "review", view["decision_id"], "--db", url, "--reason", "please look again")
    queue = ok("decision", "queue", "--db", url)["reviews"]
    assert [r["review_id"] for r in queue] == [review["review_id"]]
    closed = ok("decision", "resolve", str(review["review_id"]), "--db", url, "--resolution", "upheld",
                "--resolver", "op-7", "--note", "income documents do not support a change")
    assert closed["status"] == "upheld"
    shown = ok("decision", "show", view["decision_id"], "--db", url)
    assert shown["record_intact"] and shown["status"] == "reviewed"


def test_a_decision_stored_with_the_hash_of_the_request_as_sent_still_answers_its_retry(db):
    """Before the digest was of the canonical form the CLI stored the hash of the JSON as sent: a retry
    of that request under its key is answered with its decision, another request is still refused."""
    from sqlalchemy import create_engine, update

    from creditline.app.idempotency import request_hash
    from creditline.store.tables_origination import origination_decisions

    url, folder = db
    padded = application(3)
    padded["applicant"] = {**padded["applicant"], "name": f"  {padded['applicant']['name']}  "}
    view = ok("apply", "--db", url, "--key", "old-1", "--file", _file(folder, "p.json", padded))
    engine = create_engine(url)
    with engine.begin() as connection:  # the row as the earlier code wrote it
        connection.execute(update(origination_decisions).values(request_hash=request_hash(padded)))
    engine.dispose()
    again = ok("apply", "--db", url, "--key", "old-1", "--file", _file(folder, "p.json", padded))
    assert again["decision_id"] == view["decision_id"]
    other = cli("apply", "--db", url, "--key", "old-1", "--file", _file(folder, "q.json", application(4)))
    assert other.exit_code == 2 and "already used for a different application" in other.stderr


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("not json", "--application: not valid UTF-8 JSON"),
        ("[1, 2]", "--application: an application is a JSON object"),
        (json.dumps({**application(2), "client_key": "k"}).replace("12000.00", "abc"), "--applicant.income-monthly"),
        (json.dumps(application(2)), "--key: give --key"),
        (json.dumps({**application(2), "client_key": "k", "pad": "x" * 70_000}), "at most 65536 bytes"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(db, body, fragment):
    from creditline.store import make_engine

    url, folder = db
    engine = make_engine(url)
    before = dump(engine)
    result = cli("apply", "--db", url, "--file", _file(folder, "bad.json", body))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert fragment in result.stderr
    assert result.stderr.count("\n") == 1
    assert dump(engine) == before


def test_unknown_decision_is_a_typed_error(db):
    url, _ = db
    result = cli("decision", "replay", "DCnope", "--db", url)
    assert result.exit_code == 2
    assert result.stderr == "error: --decision: no decision 'DCnope'\n"
