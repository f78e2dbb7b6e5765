"""The bank test, after Jepsen's: many clients move money through the running server at once while
end of day runs and a checker reads the books; then every acknowledged operation is looked for.

Clients (threads, one HTTP connection each) pick borrowers at random, so several act on one line
and one loan at the same moment. Operations: draw (passkey approval, then the drawdown), repay,
prepay, reverse a repayment (back office: `app.loans.reverse` on the same database — the API has
no reversal route), read a line (available ≤ limit, ≥ 0), replay an acknowledged request with its
key (the stored response must come back), reuse a key for a different request (must be refused),
and twins (the same new request sent twice at once). End of day is `creditline eod`, run as
operators run it, every few seconds. The checker runs `invariants.check_books` on a consistent
snapshot throughout, after sequencing the books into the tamper-evident log and verifying it.

At the end: operations the clients could not know the outcome of (`info`) are retried with their
key until definite; a last end of day; `creditline ledger reconcile --deep` and `creditline audit
verify` as an operator would run them; every `ok` effect is looked for and every `fail` must have
left nothing. `BankResult` holds the counts by operation and outcome and every anomaly.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from creditline.reliability.borrowers import Borrower, Phone, approve_and_draw, sign_up_many
from creditline.reliability.history import History, Operation, Outcome
from creditline.reliability.served import Served, creditline_command, start, stop

BUSINESS_DATE = date(2025, 6, 30)
WEIGHTS = {"draw": 3, "repay": 6, "prepay": 1, "reverse": 1, "read": 2, "replay-same": 2, "replay-different": 1, "twin": 1}
RESOLVE_TRIES_MAX = 3
CLI_TIMEOUT_S = 300
LOG_ID = "creditline"


@dataclass(frozen=True, slots=True)
class BankConfig:
    clients: int = 16
    borrowers: int = 8
    seconds: float = 20.0
    eod_every_s: float = 6.0
    check_every_s: float = 4.0
    seed: int = 9
    timeout_s: float = 20.0
    workers: int = 2
    first_serial: int = 20_000
    weights: tuple[tuple[str, int], ...] = tuple(WEIGHTS.items())
    deep_every: int = 3  # periodic checks replay every loan one time in this many (the rest are SQL only)


@dataclass
class BankResult:
    config: BankConfig
    database: str
    counts: dict[str, dict[str, int]]
    failure_codes: dict[str, int]
    anomalies: dict[str, int]  # kind -> how many times seen (target: none)
    examples: list[str]  # the first few anomalies, in words
    checks: int  # periodic consistency checks run while the load ran
    check_s_max: float
    eod_runs: int
    business_dates: tuple[str, str]
    books: dict[str, int]
    seconds: float

    def summary(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("database", "counts", "failure_codes", "anomalies", "examples", "checks",
                                              "check_s_max", "eod_runs", "business_dates", "books", "seconds")} | {
            "clients": self.config.clients, "borrowers": self.config.borrowers, "load_seconds": self.config.seconds}  # fmt: skip


@dataclass
class BankRun:
    served: Served
    db_url: str
    engine: Any
    config: BankConfig
    borrowers: list[Borrower]
    public_key: Any
    env: dict[str, str]
    folder: Path
    serials: range  # every applicant who applied while the platform was set up
    history: History = field(default_factory=History)
    stop: threading.Event = field(default_factory=threading.Event)
    unresolved: list[Operation] = field(default_factory=list)
    acknowledged: dict[int, list[Operation]] = field(default_factory=dict)  # per client, ok requests to replay
    checks: list[float] = field(default_factory=list)
    _serial: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def eod_env(self) -> dict[str, str]:
        """End of day runs without the signing key: its publish stage cannot sign two days whose log did
        not grow (docs/security.md, finding 6); the checker seals and publishes instead (`seal_log`)."""
        from creditline.store.audit_log import ENV_SIGNING_KEY_FILE

        return {k: v for k, v in self.env.items() if k != ENV_SIGNING_KEY_FILE}

    def fresh(self, config: BankConfig) -> BankRun:
        """The same platform for another proof: its own clients' configuration and a new history."""
        self.config, self.history, self.acknowledged, self.unresolved, self.checks = config, History(), {}, [], []
        return self

    def new_key(self, prefix: str, client: int) -> str:
        with self._lock:
            self._serial += 1
            return f"{prefix}-{client}-{self._serial}"


@contextmanager
def bank_platform(db_url: str, folder: Path, config: BankConfig, phone_factory: Callable[[], Phone]) -> Iterator[BankRun]:
    """A database at the test's business date, an audit signing key, the server, signed-up borrowers."""
    import httpx

    from creditline.app.setup import initialise
    from creditline.store import make_engine
    from creditline.store.audit_log import ENV_SIGNING_KEY_FILE

    engine = make_engine(db_url, pool_size=4)
    initialise(engine, BUSINESS_DATE)
    key_path, public_key = write_signing_key(folder)
    # A deployment's secrets: its own signing key and its own salt for the keyed hashes of identity fields.
    env = dict(os.environ) | {ENV_SIGNING_KEY_FILE: str(key_path), "CREDITLINE_PII_SALT": secrets.token_hex(32)}
    served = start(db_url, folder, workers=config.workers, env=env)
    run: BankRun | None = None
    try:
        with httpx.Client(base_url=served.base, timeout=120) as http:
            borrowers, serials = sign_up_many(http, phone_factory, config.borrowers, config.first_serial)
        run = BankRun(served, db_url, engine, config, borrowers, public_key, env, folder, serials)
        yield run
    finally:
        stop(run.served if run is not None else served)
        engine.dispose()


def run_bank(run: BankRun) -> BankResult:
    """The load, the end-of-day and checker threads, then the final reckoning."""
    started, first_date = time.monotonic(), business_date(run.engine)
    threads = start_clients(run)
    threads += [threading.Thread(target=_eod_loop, args=(run,), daemon=True),
                threading.Thread(target=_check_loop, args=(run,), daemon=True)]  # fmt: skip
    for thread in threads[-2:]:
        thread.start()
    run.stop.wait(run.config.seconds)
    stop_clients(run, threads)
    resolve(run)
    _final_checks(run)
    return _result(run, first_date, time.monotonic() - started)


# -- the clients ----------------------------------------------------------------------------------


def start_clients(run: BankRun) -> list[threading.Thread]:
    run.stop.clear()
    threads = [threading.Thread(target=_client_loop, args=(run, n), daemon=True) for n in range(run.config.clients)]
    for thread in threads:
        thread.start()
    return threads


def stop_clients(run: BankRun, threads: list[threading.Thread]) -> None:
    """Ask every client to stop after its operation in flight, and wait for them (bounded)."""
    run.stop.set()
    for thread in threads:
        thread.join(timeout=run.config.timeout_s + CLI_TIMEOUT_S)


def _client_loop(run: BankRun, client: int) -> None:
    import httpx

    rng = random.Random(run.config.seed * 1000 + client)
    kinds, weights = [k for k, _ in run.config.weights], [w for _, w in run.config.weights]
    run.acknowledged.setdefault(client, [])
    with httpx.Client(base_url=run.served.base, timeout=run.config.timeout_s) as http:
        while not run.stop.is_set():
            kind = rng.choices(kinds, weights)[0]
            borrower = rng.choice(run.borrowers)
            OPERATIONS[kind](run, http, rng, client, borrower)


def _money(rng: random.Random, low_minor: int, high_minor: int) -> str:
    minor = rng.randint(low_minor, high_minor)
    return f"{minor // 100}.{minor % 100:02d}"


def _sent(run: BankRun, kind: str, client: int, key: str | None, send: Callable[[], Any], value: dict[str, Any]) -> Any:
    """Send one request and record what the client learnt; returns the response (None: info)."""
    import httpx

    try:
        response = send()
    except httpx.ConnectError:  # nothing reached the server: a definite failure
        run.history.add(Operation(kind, client, Outcome.FAIL, key, None, "connect_error", value))
        return None
    except httpx.HTTPError as exc:
        operation = run.history.add(Operation(kind, client, Outcome.INFO, key, None, type(exc).__name__, value))
        if kind != "resolve":
            run.unresolved.append(operation)
        return None
    if response.status_code >= 500:
        run.history.anomaly("server_error", f"{kind} {response.status_code}: {response.text[:200]}")
    outcome = Outcome.OK if response.status_code < 300 else Outcome.FAIL
    code = None if outcome is Outcome.OK else _code(response)
    operation = run.history.add(Operation(kind, client, outcome, key, response.status_code, code, dict(value)))
    if outcome is Outcome.OK and "event_id" in (body := response.json()):
        operation.value |= {"event_id": body["event_id"], "response": body}
        if kind in ("draw", "repay", "prepay"):
            run.acknowledged[client].append(operation)
    return response


def _code(response: Any) -> str:
    try:
        return str(response.json().get("code"))
    except ValueError:
        return f"http-{response.status_code}"


def _draw(run: BankRun, http: Any, rng: random.Random, client: int, borrower: Borrower) -> None:
    import httpx

    terms = {"amount": _money(rng, 50_000, 300_000), "term_months": rng.choice((3, 6, 12))}  # the product's minimum is 500
    key = run.new_key("d", client)
    value = {"borrower": borrower, "terms": terms, "path": f"/v1/lines/{borrower.line_id}/drawdowns"}
    try:
        approval, body = approve_and_draw(http, borrower, terms, key)
    except httpx.ConnectError:
        run.history.add(Operation("draw", client, Outcome.FAIL, None, None, "connect_error", value))
        return
    except httpx.HTTPError as exc:
        run.unresolved.append(run.history.add(Operation("draw", client, Outcome.INFO, key, None, type(exc).__name__, value)))
        return
    if body is None:  # refused before the passkey was asked (no key was sent)
        run.history.add(Operation("draw", client, Outcome.FAIL, None, approval.status_code, _code(approval), value))
        return
    response = _sent(run, "draw", client, key, lambda: approval, value | {"body": body})  # already sent
    if response is not None and response.status_code == 201:
        with borrower.lock:
            borrower.loans.append(response.json()["loan_id"])


def _repay(run: BankRun, http: Any, rng: random.Random, client: int, borrower: Borrower, kind: str = "repay") -> None:
    with borrower.lock:
        loans = list(borrower.loans)
    if not loans:
        _draw(run, http, rng, client, borrower)
        return
    loan_id = rng.choice(loans)
    path = f"/v1/loans/{loan_id}/{'repayments' if kind == 'repay' else 'prepayments'}"
    body = {"amount": _money(rng, 100, 80_000)} | ({"mode": "keep-term"} if kind == "prepay" else {})
    key = run.new_key(kind[0], client)
    value = {"borrower": borrower, "loan_id": loan_id, "path": path, "body": body}
    send = partial(http.post, path, json=body, headers=borrower.auth | {"Idempotency-Key": key})
    response = _sent(run, kind, client, key, send, value)
    if response is not None and response.status_code == 201:
        changed = response.json()
        with borrower.lock:
            if kind == "repay":
                borrower.repayments.append((loan_id, changed["event_id"]))
            if changed["status"] != "active" and loan_id in borrower.loans:  # paid off: repay others
                borrower.loans.remove(loan_id)


def _prepay(run: BankRun, http: Any, rng: random.Random, client: int, borrower: Borrower) -> None:
    _repay(run, http, rng, client, borrower, "prepay")


def _reverse(run: BankRun, http: Any, rng: random.Random, client: int, borrower: Borrower) -> None:
    with borrower.lock:
        if not borrower.repayments:
            return
        loan_id, event_id = borrower.repayments.pop(rng.randrange(len(borrower.repayments)))
    key = run.new_key("bank-reverse", client)
    _reverse_once(run, client, key, loan_id, event_id)


def _reverse_once(run: BankRun, client: int, key: str, loan_id: str, event_id: str, kind: str = "reverse") -> Outcome:
    from creditline.app.loans import Reverse, reverse
    from creditline.errors import DomainError

    value = {"loan_id": loan_id, "reverses": event_id}
    try:
        result = reverse(run.engine, Reverse(loan_id, event_id, key))
    except DomainError as exc:
        run.history.add(Operation(kind, client, Outcome.FAIL, key, None, exc.code, value))
        return Outcome.FAIL
    except Exception as exc:  # a database the client lost: it cannot know whether the reversal committed
        operation = run.history.add(Operation(kind, client, Outcome.INFO, key, None, type(exc).__name__, value))
        run.unresolved.append(operation)
        return Outcome.INFO
    run.history.add(Operation(kind, client, Outcome.OK, key, None, None, value | {"event_id": result["event_id"]}))
    return Outcome.OK


def _read(run: BankRun, http: Any, rng: random.Random, client: int, borrower: Borrower) -> None:
    response = _sent(run, "read", client, None, lambda: http.get(f"/v1/lines/{borrower.line_id}", headers=borrower.auth), {})
    if response is None or response.status_code != 200:
        return
    line = response.json()
    available, ceiling = Decimal(line["available"]), Decimal(line["effective_limit"])
    if not Decimal(0) <= available <= ceiling:
        run.history.anomaly("available_outside_limit", f"line {borrower.line_id}: available {available}, limit {ceiling}")
    if Decimal(line["pending_drawdowns"]) != 0:
        run.history.anomaly("pending_reservation_read", f"line {borrower.line_id}: {line['pending_drawdowns']} pending")


def _replay_same(run: BankRun, http: Any, rng: random.Random, client: int, borrower: Borrower) -> None:
    """The same key and the same request: the first response again, and no second effect."""
    if not run.acknowledged[client]:
        return
    first = rng.choice(run.acknowledged[client])
    owner: Borrower = first.value["borrower"]
    send = partial(http.post, first.value["path"], json=first.value["body"], headers=owner.auth | {"Idempotency-Key": first.key})
    response = _sent(run, "replay-same", client, first.key, send, {"of": first.kind})
    if response is not None and (response.status_code != 201 or response.json() != first.value["response"]):
        run.history.anomaly("replay_differs", f"{first.kind} {first.key}: {response.status_code} {response.text[:200]}")


def _replay_different(run: BankRun, http: Any, rng: random.Random, client: int, borrower: Borrower) -> None:
    """The same key for a different request: refused (409), whatever the first request was."""
    candidates = [o for o in run.acknowledged[client] if o.kind in ("repay", "prepay")]
    if not candidates:
        return
    first = rng.choice(candidates)
    owner: Borrower = first.value["borrower"]
    body = first.value["body"] | {"amount": str(Decimal(first.value["body"]["amount"]) + Decimal("0.01"))}
    send = partial(http.post, first.value["path"], json=body, headers=owner.auth | {"Idempotency-Key": first.key})
    response = _sent(run, "replay-different", client, first.key, send, {"of": first.kind})
    if response is not None and response.status_code < 300:
        run.history.anomaly("key_reused_accepted", f"{first.key}: {response.status_code} {response.text[:200]}")


def _twin(run: BankRun, http: Any, rng: random.Random, client: int, borrower: Borrower) -> None:
    """A new repayment sent twice at the same moment with one key: one effect, one answer."""
    import httpx

    with borrower.lock:
        loans = list(borrower.loans)
    if not loans:
        return
    path, body, key = f"/v1/loans/{rng.choice(loans)}/repayments", {"amount": _money(rng, 100, 20_000)}, run.new_key("t", client)
    answers: list[Any] = [None, None]

    def send(slot: int) -> None:
        with httpx.Client(base_url=run.served.base, timeout=run.config.timeout_s) as own:
            try:
                answers[slot] = own.post(path, json=body, headers=borrower.auth | {"Idempotency-Key": key})
            except httpx.HTTPError as exc:
                answers[slot] = exc
    pair = [threading.Thread(target=send, args=(slot,)) for slot in (0, 1)]
    for thread in pair:
        thread.start()
    for thread in pair:
        thread.join()
    created = [a.json() for a in answers if isinstance(a, httpx.Response) and a.status_code == 201]
    outcome = Outcome.OK if created else Outcome.INFO if any(isinstance(a, Exception) for a in answers) else Outcome.FAIL
    code = "+".join(str(a.status_code) if isinstance(a, httpx.Response) else type(a).__name__ for a in answers)
    run.history.add(Operation("twin", client, outcome, key, None, code, {"path": path}))
    if len(created) == 2 and created[0] != created[1]:
        run.history.anomaly("twin_answers_differ", f"{key}: {created[0]['event_id']} vs {created[1]['event_id']}")
    if any(isinstance(a, httpx.Response) and a.status_code >= 500 for a in answers):
        run.history.anomaly("server_error", f"twin {key}")


OPERATIONS: dict[str, Callable[..., None]] = {
    "draw": _draw, "repay": _repay, "prepay": _prepay, "reverse": _reverse, "read": _read,
    "replay-same": _replay_same, "replay-different": _replay_different, "twin": _twin,
}  # fmt: skip


# -- end of day and the checker ---------------------------------------------------------------------


def business_date(engine: Any) -> date:
    from sqlalchemy import text

    with engine.connect() as connection:
        value = connection.execute(text("SELECT business_date FROM business_calendar")).scalar_one()
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def run_cli(run: BankRun, *args: str) -> subprocess.CompletedProcess:
    command = [creditline_command(), *args, "--db", run.db_url]
    env = run.eod_env if args[0] == "eod" else run.env
    return subprocess.run(command, capture_output=True, text=True, timeout=CLI_TIMEOUT_S, env=env, check=False)


def end_of_day(run: BankRun, client: int = -1) -> Outcome:
    from datetime import timedelta

    target = business_date(run.engine) + timedelta(days=1)
    try:
        done = run_cli(run, "eod", "--date", target.isoformat())
    except subprocess.TimeoutExpired:
        run.history.add(Operation("eod", client, Outcome.INFO, target.isoformat(), None, "timeout"))
        return Outcome.INFO
    outcome = Outcome.OK if done.returncode == 0 else Outcome.FAIL
    run.history.add(Operation("eod", client, outcome, target.isoformat(), None, None if done.returncode == 0 else done.stderr.strip()[-200:]))
    return outcome


def _eod_loop(run: BankRun) -> None:
    while not run.stop.wait(run.config.eod_every_s):
        end_of_day(run)


def seal_log(run: BankRun) -> None:
    """Sequence the records the commands appended (they log their own writes in the transaction that
    writes them: docs/reliability.md) and sign the head of each closed day once the log has grown past
    the last head, so the log can be verified while the load runs.

    Needed because end of day runs without the signing key (`eod_env`), so nothing else sequences or
    publishes. It no longer back-fills the books (`append_unlogged_from_books`): the run's database is
    logged in full from its first write, so there is nothing to back-fill, and a books record without
    its log record is a deletion, which the check reports (`audit_log_tampered`) instead of the back-fill
    refusing it with an exception that stopped the checker."""
    from sqlalchemy import text

    from creditline.store import UnitOfWork
    from creditline.store.audit_log import integrate, load_heads, publish, signing_key_from_environment

    key = signing_key_from_environment(run.env)
    with UnitOfWork(run.engine) as uow:
        integrate(uow.connection, LOG_ID, key)
        closed = uow.connection.execute(text("SELECT MAX(run_date) FROM eod_runs")).scalar()
        heads = load_heads(uow.connection)
        size = uow.connection.execute(text("SELECT tree_size FROM audit_log_state")).scalar() or 0
        if closed is not None and (not heads or heads[-1].head.tree_size < size):
            publish(uow.connection, LOG_ID, date.fromisoformat(str(closed)), key)
        uow.commit()


def check_now(run: BankRun, *, quiescent: bool = False, deep: bool = True) -> None:
    """Check the books; `deep` also seals and verifies the log and replays every loan. Shallow checks
    are SQL only and short: a long read keeps SQLite from checkpointing its WAL while writers run."""
    from creditline.reliability.invariants import check_books

    started = time.monotonic()
    if deep:
        seal_log(run)
    public_key = run.public_key if deep else None
    report = check_books(run.engine, deep=deep, quiescent=quiescent, public_key=public_key, log_id=LOG_ID)
    run.checks.append(time.monotonic() - started)
    run.history.add(Operation("check", -2, Outcome.OK if report.ok else Outcome.FAIL, None, None, None, report.counts))
    seen = {(a.kind, a.detail) for a in run.history.anomalies}
    for anomaly in report.anomalies:
        if (anomaly.kind, anomaly.detail) not in seen:
            run.history.anomaly(anomaly.kind, anomaly.detail)


def _check_loop(run: BankRun) -> None:
    while not run.stop.wait(run.config.check_every_s):
        check_now(run, deep=len(run.checks) % run.config.deep_every == 0)


# -- the reckoning ----------------------------------------------------------------------------------


def resolve(run: BankRun) -> None:
    """Retry every indeterminate operation with its own key until the server says yes or no."""
    import httpx

    pending, run.unresolved[:] = list(run.unresolved), []
    with httpx.Client(base_url=run.served.base, timeout=120) as http:
        for operation in pending:
            for _ in range(RESOLVE_TRIES_MAX):
                outcome = _resolve_once(run, http, operation)
                if outcome is not Outcome.INFO:
                    operation.value["resolved"] = str(outcome)
                    break
            else:
                run.history.anomaly("unresolved_after_retries", f"{operation.kind} {operation.key}")


def _resolve_once(run: BankRun, http: Any, operation: Operation) -> Outcome:
    value, key = operation.value, operation.key or ""
    if operation.kind == "reverse":
        return _reverse_once(run, -3, key, value["loan_id"], value["reverses"], "resolve")
    borrower: Borrower = value["borrower"]
    if operation.kind == "draw":  # a fresh approval and assertion: the first challenge was used up
        send = partial(_draw_response, http, borrower, value["terms"], key)
    else:
        send = partial(http.post, value["path"], json=value["body"], headers=borrower.auth | {"Idempotency-Key": key})
    response = _sent(run, "resolve", -3, key, send, value | {"of": operation.kind})
    return Outcome.INFO if response is None else Outcome.OK if response.status_code < 300 else Outcome.FAIL


def _draw_response(http: Any, borrower: Borrower, terms: dict[str, Any], key: str) -> Any:
    return approve_and_draw(http, borrower, terms, key)[0]


def _final_checks(run: BankRun) -> None:
    end_of_day(run)
    check_now(run, quiescent=True)
    for args in (("ledger", "reconcile", "--deep"), ("audit", "verify")):
        done = run_cli(run, *args)
        run.history.add(Operation(" ".join(args[:2]), -4, Outcome.OK if done.returncode == 0 else Outcome.FAIL))
        if done.returncode != 0:
            run.history.anomaly("cli_check_failed", f"creditline {' '.join(args)}: {(done.stdout + done.stderr)[-300:]}")
    for anomaly in acknowledged_effects(run.engine, run.history, {b.account_id for b in run.borrowers}):
        run.history.anomaly(anomaly[0], anomaly[1])


def acknowledged_effects(engine: Any, history: History, accounts: set[str]) -> list[tuple[str, str]]:
    """Every acknowledged effect is in the books; every refused request left no key behind."""
    from sqlalchemy import text

    with engine.connect() as connection:
        events = {e: (loan, kind) for e, loan, kind in connection.execute(text("SELECT event_id, loan_id, kind FROM loan_events"))}
        keys = {k for (k,) in connection.execute(text("SELECT client_key FROM idempotency_keys"))}
    found = []
    for operation in history.operations:
        if operation.kind not in ("draw", "repay", "prepay", "reverse", "resolve"):
            continue
        event_id = operation.value.get("event_id")
        if operation.outcome is Outcome.OK and event_id not in events:
            found.append(("acknowledged_lost", f"{operation.kind} {operation.key}: event {event_id} is not in the books"))
        if operation.outcome is Outcome.FAIL and operation.key and operation.code != "idempotency_key_reused":
            scoped = {f"{account}:{operation.key}" for account in accounts} | {operation.key}
            if scoped & keys:
                found.append(("refused_but_applied", f"{operation.kind} {operation.key} ({operation.code})"))
    return found


def _result(run: BankRun, first_date: date, seconds: float) -> BankResult:
    history = run.history
    examples = [f"{a.kind} at {a.at_s} s: {a.detail}" for a in history.anomalies[:10]]
    books = history.of("check")[-1].value if history.of("check") else {}
    eod_ok = len(history.of("eod", Outcome.OK))
    return BankResult(
        run.config, run.engine.dialect.name, history.counts(), history.failure_codes(), history.anomaly_counts(), examples,
        len(run.checks), round(max(run.checks, default=0.0), 2), eod_ok,
        (first_date.isoformat(), business_date(run.engine).isoformat()), books, round(seconds, 1),
    )  # fmt: skip


def write_signing_key(folder: Path) -> tuple[Path, Any]:
    """A fresh Ed25519 signing key (0600) for the run's audit log; returns (path, public key)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from creditline.ledger.transparency import private_key_pem

    key = Ed25519PrivateKey.generate()
    path = folder / "audit-signing.pem"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(private_key_pem(key))
    return path, key.public_key()


def results_json(result: BankResult) -> str:
    return json.dumps(result.summary(), indent=2, sort_keys=True)
