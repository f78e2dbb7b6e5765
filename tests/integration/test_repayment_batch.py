"""Group commit of repayments (`app.repayment_batch`), on SQLite and PostgreSQL.

Two identical books are built side by side in one database: one is repaid command by command with
`repay`, the other with the same commands in batches (`repay_many`, `RepaymentBatcher`). Results,
errors, loans and the ledger must come out the same — ids aside — and the books reconcile.
"""

from __future__ import annotations

import itertools
import threading
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lending_fixtures import START, assert_books_clean, eod_to, open_line, setup_books

from creditline.app import Repay, repay, show_loan
from creditline.app.loans import Draw, draw
from creditline.app.repayment_batch import RepaymentBatcher, repay_many
from creditline.errors import DomainError


@pytest.fixture(autouse=True)
def no_failed_batches(request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture) -> Any:
    """A batch that fails as a whole falls back to one by one, which would hide a bug from these tests."""
    yield
    if "fails_as_a_whole" not in request.node.name:  # the test's own records: `caplog.text` is teardown's here
        assert not [r for r in caplog.get_records("call") if "failed as a whole" in r.getMessage()]


_IDS = frozenset({"loan_id", "borrower_id", "line_id", "event_id", "entry_id", "reverses", "idempotency_key"})


def _id_free(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _id_free(v) for k, v in value.items() if k not in _IDS}
    if isinstance(value, list | tuple):
        return [_id_free(v) for v in value]
    return value


def _outcome(value: Any) -> Any:
    """A result without its ids, or an error as its type, field and message (less the loan id)."""
    if isinstance(value, DomainError):
        return type(value).__name__, getattr(value, "field", None)
    return _id_free(value)


def _alone(engine: Any, command: Repay) -> Any:
    try:
        return repay(engine, command)
    except DomainError as error:
        return error


def _twin_books(engine: Any, tag: str, loans: int = 4) -> tuple[list[str], list[str]]:
    """Two books of `loans` identical loans each: (one-by-one loans, batched loans)."""
    made: dict[str, list[str]] = {"A": [], "B": []}
    for side in made:
        for n in range(loans):
            line_id = open_line(engine, f"{tag}{side}{n}", limit="50000")
            made[side].append(draw(engine, Draw(line_id, str(5000 + 1000 * n), 12, f"{tag}{side}-d{n}"))["loan_id"])
    return made["A"], made["B"]


def _commands(plan: list[tuple[int, str, str]], loans: list[str], side: str) -> list[Repay]:
    """(loan index, amount, key) -> commands on this side's loans; index -1 is a loan that does not exist."""
    return [Repay(loans[i] if i >= 0 else "LO-missing", amount, f"{side}-{key}" if key else "") for i, amount, key in plan]


def _assert_same_books(engine: Any, one_by_one: list[str], batched: list[str]) -> None:
    for a, b in zip(one_by_one, batched, strict=True):
        assert _id_free(show_loan(engine, a)) == _id_free(show_loan(engine, b))
    assert_books_clean(engine)


# Commands that cover the cases: plain repayments, several on one loan in order, an overpayment
# (credit balance), amounts that are not money or not positive, a loan that does not exist, a bad key,
# a key repeated with the same request (the first result) and with another one (a conflict).
PLAN = [
    (0, "100", "k1"),
    (1, "250.50", "k2"),
    (0, "300", "k3"),
    (2, "-5", "k4"),
    (3, "abc", "k5"),
    (-1, "10", "k6"),
    (1, "0", "k7"),
    (2, "99999", "k8"),
    (0, "100", "k1"),
    (1, "100", "k1"),
    (3, "12.34", ""),
    (3, "12.345", "k9"),
    (0, "50", "k10"),
]


def test_a_batch_gives_what_one_by_one_gives(engine) -> None:  # type: ignore[no-untyped-def]
    setup_books(engine)
    one_by_one, batched = _twin_books(engine, "T")
    for day in (0, 45):  # on the drawdown date, then with interest and penalty accrued
        if day:
            eod_to(engine, START + timedelta(days=day))
        plan = [(i, amount, f"{key}-{day}" if key else "") for i, amount, key in PLAN]
        alone = [_alone(engine, c) for c in _commands(plan, one_by_one, "A")]
        together = repay_many(engine, _commands(plan, batched, "B"))
        assert [_outcome(o) for o in together] == [_outcome(o) for o in alone]
        assert sum(isinstance(o, dict) for o in together) == (6 if day == 0 else 5)  # k1-3, k8, k1 again, k10; k8 paid loan 2 off
        _assert_same_books(engine, one_by_one, batched)
    # retries of the whole batch return the first results and write nothing
    again = repay_many(engine, _commands(plan, batched, "B"))
    assert [_outcome(o) for o in again] == [_outcome(o) for o in together]
    _assert_same_books(engine, one_by_one, batched)


def test_dated_repayments_and_their_loans_later_commands_run_alone_in_order(engine) -> None:  # type: ignore[no-untyped-def]
    setup_books(engine)
    one_by_one, batched = _twin_books(engine, "D", loans=2)
    eod_to(engine, START + timedelta(days=20))
    commands = [
        (0, "100", "a", None),
        (0, "200", "b", START + timedelta(days=10)),  # backdated: replays
        (0, "300", "c", None),  # after the backdated one, on its loan
        (1, "400", "d", None),
    ]
    alone = [_alone(engine, Repay(one_by_one[i], amount, f"A-{key}", on)) for i, amount, key, on in commands]
    together = repay_many(engine, [Repay(batched[i], amount, f"B-{key}", on) for i, amount, key, on in commands])
    assert [_outcome(o) for o in together] == [_outcome(o) for o in alone]
    events = [e["kind"] for e in show_loan(engine, batched[0])["events"]]
    assert events == ["disbursement", "repayment", "repayment", "repayment"]
    _assert_same_books(engine, one_by_one, batched)


def test_a_batch_that_fails_as_a_whole_runs_each_command_alone(engine, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import creditline.app.repayment_batch as batch

    setup_books(engine)
    one_by_one, batched = _twin_books(engine, "F", loans=2)

    def lost(*_: Any) -> None:
        raise ConnectionError("the database went away")

    monkeypatch.setattr(batch, "_write", lost)
    plan = [(0, "100", "a"), (1, "200", "b"), (0, "-1", "c"), (0, "300", "d")]
    alone = [_alone(engine, c) for c in _commands(plan, one_by_one, "A")]
    together = repay_many(engine, _commands(plan, batched, "B"))
    assert [_outcome(o) for o in together] == [_outcome(o) for o in alone]
    _assert_same_books(engine, one_by_one, batched)


def test_a_borrower_repays_only_their_own_loan_in_its_currency(engine) -> None:  # type: ignore[no-untyped-def]
    """`as_borrower` and `currency` are checked under the loan's lock, batched as alone: another
    borrower's loan is not found (as if it did not exist) and another currency is refused, and
    neither writes anything; the payer's own loan in its currency is repaid."""
    from creditline.app.errors import LoanNotFound
    from creditline.money import CurrencyMismatch

    setup_books(engine)
    one_by_one, batched = _twin_books(engine, "O", loans=2)

    def commands(loans: list[str], side: str) -> list[Repay]:
        owner, other = (show_loan(engine, loan)["borrower_id"] for loan in loans)
        return [
            Repay(loans[0], "100", f"{side}-mine", as_borrower=owner, currency="CNY"),
            Repay(loans[0], "100", f"{side}-theirs", as_borrower=other),
            Repay(loans[1], "100", f"{side}-usd", as_borrower=other, currency="USD"),
            Repay(loans[1], "100", f"{side}-operator"),  # no payer named: an operator posting it
        ]

    alone = [_alone(engine, c) for c in commands(one_by_one, "A")]
    together = repay_many(engine, commands(batched, "B"))
    assert [_outcome(o) for o in together] == [_outcome(o) for o in alone]
    assert [type(o) for o in together] == [dict, LoanNotFound, CurrencyMismatch, dict]
    for loans in (one_by_one, batched):
        assert [len(show_loan(engine, loan)["events"]) for loan in loans] == [2, 2], "one repayment on each"
    _assert_same_books(engine, one_by_one, batched)


_EXAMPLES = itertools.count()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(st.integers(0, 2), st.sampled_from(["1", "25.5", "400", "2500", "9000", "0", "-3"]), st.integers(0, 6)),
        min_size=1,
        max_size=12,
    ),
    st.integers(1, 5),
)
# a retried key sends its loan's later commands to `repay`; a later command sharing one of their keys
# on another loan must follow them (it found the key used first by the batch once)
@example(plan=[(0, "1", 0), (0, "1", 0), (0, "1", 1), (1, "1", 1)], batch_size=4)
def test_any_commands_in_any_batches_give_what_one_by_one_gives(engine, plan, batch_size) -> None:  # type: ignore[no-untyped-def]
    from creditline.store import UnitOfWork

    with UnitOfWork(engine, read_only=True) as uow:
        if uow.system.business_date() is None:
            setup_books(engine)
    tag = f"P{next(_EXAMPLES)}"  # each example its own borrowers (hypothesis runs an example again when it shrinks)
    one_by_one, batched = _twin_books(engine, tag, loans=3)
    keys = [(i, amount, f"{tag}-{key}") for i, amount, key in plan]  # a repeated key: a retry or a conflict
    alone = [_alone(engine, c) for c in _commands(keys, one_by_one, "A")]
    commands = _commands(keys, batched, "B")
    together = [o for at in range(0, len(commands), batch_size) for o in repay_many(engine, commands[at : at + batch_size])]
    assert [_outcome(o) for o in together] == [_outcome(o) for o in alone]
    for a, b in zip(one_by_one, batched, strict=True):
        assert _id_free(show_loan(engine, a)) == _id_free(show_loan(engine, b))


@pytest.mark.parametrize("pipeline", [1, 2])
def test_concurrent_callers_each_get_their_own_result_once(engine, pipeline: int) -> None:  # type: ignore[no-untyped-def]
    """Eight threads through one batcher (one or two batches in flight), and two more repaying the same
    loans alone at the same time (on PostgreSQL they contend for the same row locks): every repayment
    applied exactly once."""
    setup_books(engine)
    loans = [draw(engine, Draw(open_line(engine, f"C{n}", limit="50000"), "20000", 12, f"c-d{n}"))["loan_id"] for n in range(4)]
    batcher = RepaymentBatcher(engine, pipeline=pipeline)
    results: dict[str, Any] = {}
    rounds = 6

    def client(c: int, alone: bool) -> None:
        for r in range(rounds):
            key = f"c{c}-r{r}"
            command = Repay(loans[(c + r) % len(loans)], f"{c + 1}.00", key)
            results[key] = repay(engine, command) if alone else batcher.repay(command)

    threads = [threading.Thread(target=client, args=(c, c >= 8)) for c in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    batcher.close()
    assert len(results) == 10 * rounds and all(r["entry_id"] for r in results.values())
    assert batcher.commands == 8 * rounds
    repaid = sum(int(show_loan(engine, loan_id)["totals"]["principal_repaid"].replace(".", "")) for loan_id in loans)
    assert repaid == sum((c + 1) * 100 * rounds for c in range(10))
    # a retry through the batcher returns the first result
    retry = RepaymentBatcher(engine)
    assert retry.repay(Repay(loans[0], "1.00", "c0-r0")) == results["c0-r0"]
    with pytest.raises(DomainError):
        retry.repay(Repay(loans[0], "2.00", "c0-r0"))
    retry.close()
    assert_books_clean(engine)


def test_loans_sharing_a_line_move_it_in_turn(engine) -> None:  # type: ignore[no-untyped-def]
    """Two loans on one line repaid in one batch: the line's limit comes back by both, version after version."""
    from creditline.app import show_line

    setup_books(engine)
    lines = {side: open_line(engine, f"S{side}", limit="50000") for side in "AB"}
    loans = {side: [draw(engine, Draw(lines[side], amount, 12, f"s{side}-{amount}"))["loan_id"] for amount in ("8000", "3000")]
             for side in "AB"}  # fmt: skip
    plan = [(0, "500", "x"), (1, "700", "y"), (0, "250", "z")]
    alone = [_alone(engine, c) for c in _commands(plan, loans["A"], "A")]
    together = repay_many(engine, _commands(plan, loans["B"], "B"))
    assert [_outcome(o) for o in together] == [_outcome(o) for o in alone]
    line_a, line_b = show_line(engine, lines["A"]), show_line(engine, lines["B"])
    for name in ("available", "outstanding_principal", "limit"):
        assert line_a[name] == line_b[name], name
    _assert_same_books(engine, loans["A"], loans["B"])


def test_two_batches_in_flight_give_what_one_by_one_gives(engine) -> None:  # type: ignore[no-untyped-def]
    """Every command sent at once to a batcher with two batches in flight (small batches, so there are
    many): each loan's commands, a backdated one among them, and a key's retry and conflict across
    loans come out as one by one in arrival order, and so do the books."""
    setup_books(engine)
    one_by_one, batched = _twin_books(engine, "Q", loans=4)
    eod_to(engine, START + timedelta(days=20))
    dated = START + timedelta(days=10)
    plan = [(n % 4, f"{10 + n}.25", f"q{n}", None) for n in range(16)]
    plan[5] = (1, "120", "q5", dated)  # backdated: runs alone, after its batch; loan 1's later commands follow it
    plan[9] = (1, "9.25", "q2", None)  # q2's retry on another loan and amount: a conflict
    plan[14] = (2, "12.25", "q2", None)  # q2 again as first sent: its first result
    alone = [_alone(engine, Repay(one_by_one[i], amount, f"A-{key}", on)) for i, amount, key, on in plan]
    batcher = RepaymentBatcher(engine, batch_max=2, pipeline=2)
    futures = [batcher.submit(Repay(batched[i], amount, f"B-{key}", on)) for i, amount, key, on in plan]
    together = []
    for future in futures:
        try:
            together.append(future.result(timeout=120))
        except DomainError as error:
            together.append(error)
    batcher.close()
    assert [_outcome(o) for o in together] == [_outcome(o) for o in alone]
    assert [type(o) for o in together].count(dict) == 15  # all but the conflict
    assert batcher.batches > 2
    _assert_same_books(engine, one_by_one, batched)


def test_a_batchs_rows_are_those_one_by_one_writes(engine, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """On PostgreSQL a batch of two or more writes each table's rows in one statement of arrays
    (`store.batch_writes`): loans repaid twice and two loans on one line go from the version read to the
    last one, and every table comes out as one by one leaves it — events, loans, lines, checkpoints, and
    each event's record in the tamper-evident log (the same leaf and hash, in the commands' order)."""
    from sqlalchemy import select

    import creditline.app.repayment_batch as batch
    from creditline.ledger.transparency.merkle import leaf_hash
    from creditline.store import tables as t
    from creditline.store.audit_log import loan_event_rows
    from creditline.store.tables_audit import audit_log
    from creditline.store.tables_checkpoints import loan_checkpoints

    statements: list[int] = []
    original = batch.queue_batch_write
    monkeypatch.setattr(batch, "queue_batch_write", lambda c, b: statements.append(len(b)) or original(c, b))
    setup_books(engine)
    lines = {side: open_line(engine, f"W{side}", limit="50000") for side in "AB"}
    loans = {side: [draw(engine, Draw(lines[side], amount, 12, f"w{side}-{amount}"))["loan_id"] for amount in ("8000", "3000")]
             for side in "AB"}  # fmt: skip
    plan = [(0, "500", "x"), (1, "700", "y"), (0, "250", "z"), (1, "-1", "bad"), (0, "9000", "w")]  # w pays 0 off
    alone = [_alone(engine, c) for c in _commands(plan, loans["A"], "A")]
    together = repay_many(engine, _commands(plan, loans["B"], "B"))
    assert [_outcome(o) for o in together] == [_outcome(o) for o in alone]
    assert statements == ([4] if engine.dialect.name == "postgresql" else [])
    with engine.connect() as connection:

        def rows(table: Any, key: Any, loan_id: str, order: Any) -> list[dict[str, Any]]:
            found = connection.execute(select(table).where(key == loan_id).order_by(order)).mappings()
            return [dict(row) for row in found]

        line_rows = [rows(t.credit_lines, t.credit_lines.c.line_id, lines[side], t.credit_lines.c.line_id) for side in "AB"]
        assert _id_free(line_rows[0]) == _id_free(line_rows[1]) and line_rows[1][0]["version"] >= 3

        for a, b in zip(loans["A"], loans["B"], strict=True):
            events = {side: rows(t.loan_events, t.loan_events.c.loan_id, loan, t.loan_events.c.sequence)
                      for side, loan in (("A", a), ("B", b))}  # fmt: skip
            assert _id_free(events["A"]) == _id_free(events["B"]) and len(events["B"]) >= 2
            assert _id_free(rows(t.loans, t.loans.c.loan_id, a, t.loans.c.loan_id)) == _id_free(
                rows(t.loans, t.loans.c.loan_id, b, t.loans.c.loan_id)
            )
            checkpoints = [rows(loan_checkpoints, loan_checkpoints.c.loan_id, loan, loan_checkpoints.c.loan_id) for loan in (a, b)]
            assert _id_free(checkpoints[0]) == _id_free(checkpoints[1])
            for side_events in events.values():
                ids = [e["event_id"] for e in side_events]
                records = connection.execute(
                    select(audit_log).where(audit_log.c.record_type == "loan_event", audit_log.c.record_id.in_(ids))
                    .order_by(audit_log.c.audit_id)
                ).mappings().all()  # fmt: skip
                assert [r["record_id"] for r in records] == ids  # one each, in the loan's order
                for record, event, row in zip(records, side_events, loan_event_rows(side_events), strict=True):
                    assert record["leaf"] == row["leaf"] and record["leaf_hash"] == leaf_hash(row["leaf"])
                    assert (record["borrower_id"], record["business_date"]) == (event["borrower_id"], event["effective_date"])
    _assert_same_books(engine, loans["A"], loans["B"])
