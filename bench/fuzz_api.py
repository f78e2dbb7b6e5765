"""Bad input at scale: schemathesis against the running server's /openapi.json for a bounded time,
then hypothesis over every domain entry point (creditline.reliability.fuzz_targets).

    python -m bench.fuzz_api [--api-seconds 300] [--domain-examples 2000] [--database sqlite|postgresql]

The API run signs in as a borrower who holds a line and a loan and as a risk analyst (passkeys,
through the real ceremonies), so generated requests reach the use cases, not only the 401 in front
of them. It goes round every operation again and again with a new seed each round until the time
is up, over real HTTP to `creditline serve`. It counts requests, 5xx answers (target: none) and
responses that break the published schema; the suite runs a shorter one in-process
(tests/integration/api/test_api_schemathesis.py). The domain run counts examples tried, accepted,
refused and crashes (any exception but a DomainError; target: none). Results go to
bench/results/fuzz_api.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.jepsen_bank import database, machine, phone

RESULTS = Path(__file__).resolve().parent / "results" / "fuzz_api.json"
EXAMPLES_PER_OPERATION_ROUND = 25


def _operator_token(served: Any, db_url: str) -> str:
    """A risk analyst enrolled with a one-time code and a passkey, as `creditline operator add` makes one."""
    import httpx

    from creditline.app.access import create_operator
    from creditline.store import make_engine

    engine = make_engine(db_url)
    code = create_operator(engine, "Fuzz Analyst", "risk_analyst")["enrollment_code"]
    engine.dispose()
    analyst = phone()
    with httpx.Client(base_url=served.base, timeout=60) as http:
        options = http.post("/v1/passkeys/registration-options", json={"enrollment_code": code}).json()["publicKey"]
        enrolled = http.post("/v1/passkeys", json={"credential": analyst.create(options)})
        enrolled.raise_for_status()
        return enrolled.json()["session"]["token"]


def _borrower_with_a_loan(run: Any) -> str:
    import httpx

    from creditline.reliability.borrowers import approve_and_draw

    borrower = run.borrowers[0]
    with httpx.Client(base_url=run.served.base, timeout=60) as http:
        response, _ = approve_and_draw(http, borrower, {"amount": "1000.00", "term_months": 3}, "fuzz-draw")
        response.raise_for_status()
    return borrower.token


def api(seconds: float, kind: str) -> dict[str, Any]:
    import schemathesis
    from schemathesis.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    from creditline.reliability.bank import BankConfig, bank_platform

    checks = [status_code_conformance, content_type_conformance, response_schema_conformance]
    tally: Counter[str] = Counter()
    examples: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="fuzz-api-") as folder, database(kind, Path(folder)) as url, \
            bank_platform(url, Path(folder), BankConfig(borrowers=1, workers=2, first_serial=70_000), phone) as run:  # fmt: skip
        principals = {"borrower": _borrower_with_a_loan(run), "risk analyst": _operator_token(run.served, url)}
        schema = schemathesis.openapi.from_url(f"{run.served.base}/openapi.json")
        operations = [result.ok() for result in schema.get_all_operations()]
        deadline, rounds = time.monotonic() + seconds, 0
        while time.monotonic() < deadline:
            rounds += 1
            who = list(principals)[rounds % len(principals)]
            headers = {"Authorization": f"Bearer {principals[who]}"}
            for index, operation in enumerate(operations):
                if time.monotonic() >= deadline:
                    break
                _fuzz_operation(operation, rounds * 1000 + index, run.served.base, headers, checks, tally, examples)
        log_5xx = _server_errors_logged(Path(folder))
    return {"kind": "api", "database": kind, "seconds": seconds, "rounds": rounds, "operations": len(operations),
            "requests": tally["requests"], "status_5xx": tally["5xx"], "server_errors_logged": log_5xx,
            "schema_violations": tally["violations"], "transport_errors": tally["transport"],
            "by_status_class": {k: v for k, v in tally.items() if k.endswith("xx") and k != "5xx"}, "examples": examples}  # fmt: skip


def _fuzz_operation(operation: Any, seed: int, base: str, headers: dict[str, str], checks: list, tally: Counter,
                    examples: dict[str, str]) -> None:  # fmt: skip
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hypothesis_seed

    @hypothesis_seed(seed)
    @settings(max_examples=EXAMPLES_PER_OPERATION_ROUND, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def probe(case: Any) -> None:
        _probe(case, base, headers, checks, tally, examples)

    probe()


def _probe(case: Any, base: str, headers: dict[str, str], checks: list, tally: Counter, examples: dict[str, str]) -> None:
    tally["requests"] += 1
    try:
        response = case.call(base_url=base, headers=headers, timeout=60)
    except Exception as exc:  # the server dropped the connection: counted, and shown
        tally["transport"] += 1
        examples.setdefault("transport", f"{case.method} {case.path}: {type(exc).__name__}")
        return
    tally[f"{response.status_code // 100}xx"] += 1
    if response.status_code >= 500:
        examples.setdefault(f"5xx {case.method} {case.path}", response.text[:300])
    try:
        case.validate_response(response, checks=checks)
    except Exception as exc:  # a failed check: the response is not what the schema promises
        tally["violations"] += 1
        examples.setdefault(f"violation {case.method} {case.path}", str(exc)[:300])


def _server_errors_logged(folder: Path) -> int:
    """5xx lines in the server's JSON access log (what the clients saw, counted by the server) — but not
    `/ready`'s 503s while the server warms up, which is what readiness says before the bench begins."""
    count = 0
    for log in folder.glob("*.log"):
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                entry = json.loads(line) if line.startswith("{") else {}
                status = int(entry.get("status") or 0)
                count += status >= 500 and not (entry.get("path") == "/ready" and status == 503)
    return count


def domain(examples: int, seed: int) -> list[dict[str, Any]]:
    from creditline.reliability.fuzz_domain import fuzz
    from creditline.reliability.fuzz_targets import targets

    rows = []
    for target in targets():
        result = fuzz(target, examples, seed)
        rows.append({"kind": "domain", "target": target.name, "tried": result.tried, "accepted": result.accepted,
                     "refused": result.refused, "crashes": result.crash_count, "seconds": result.seconds,
                     "crash_examples": [c.__repr__() for c in result.crashes]})  # fmt: skip
        print(f"{target.name:40s} {result.tried:6d} tried {result.accepted:6d} accepted {result.refused:6d} refused "
              f"{result.crash_count:4d} crashes  {result.seconds} s", flush=True)  # fmt: skip
        for crash in result.crashes:
            print(f"    {crash.error} @ {crash.where}")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--api-seconds", type=float, default=300.0)
    parser.add_argument("--domain-examples", type=int, default=2000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", choices=("api", "domain"), default=None)
    args = parser.parse_args(argv)
    rows: list[dict[str, Any]] = []
    if args.only in (None, "api"):
        rows.append(api(args.api_seconds, args.database))
        print(json.dumps(rows[-1], indent=2))
    if args.only in (None, "domain"):
        rows += domain(args.domain_examples, args.seed)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"machine": machine(), "args": vars(args), "runs": rows}, indent=2, default=str))
    bad = sum(r.get("status_5xx", 0) + r.get("crashes", 0) for r in rows)
    print(f"written to {RESULTS}; {bad} 5xx answers and crashes")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
