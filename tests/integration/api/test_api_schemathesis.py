"""schemathesis against /openapi.json, bounded (about a minute): no 5xx, and every response —
including every error — matches the schema the API publishes (status, content type, body).

Runs signed in as a borrower who holds a line and a loan, so generated requests reach the use
cases and not only the 401 in front of them, then briefly as an admin and a risk analyst. The two
operations that end the session (sign-out, rotation) come last in each round: fuzzed in document
order, the sign-out ended the session at the eighth operation and every later one met only the 401.
The vault's keys are set, as in production, so the repayment-account routes reach their use cases. SQLite only: the PostgreSQL path runs in the other
API tests, and this run's budget is better spent on inputs. (schemathesis' own pytest plugin does
not run under pytest 9, so each operation's strategy is driven with hypothesis directly.)
"""

from __future__ import annotations

import time

import pytest
import schemathesis
from api_flows import ORIGIN, make_platform, with_loan
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from servicing_flows import VAULT_KEYS

from creditline.app.access import AccessConfig
from creditline.app.dev_access import dev_session
from creditline.identity.passkeys import RelyingParty

EXAMPLES_PER_OPERATION = 40
OPERATOR_EXAMPLES_PER_OPERATION = 10
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SESSION_ENDING = frozenset({"DELETE /v1/session", "POST /v1/session/rotation"})


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.sqlite'}"
    client, engine = make_platform(url)
    with client, pytest.MonkeyPatch.context() as patch:
        for name, value in VAULT_KEYS.items():
            patch.setenv(name, value)
        person, _, _ = with_loan(client, "Fuzz", "1000.00")
        config = AccessConfig(RelyingParty("localhost", "creditline", (ORIGIN,)))
        operators = [dev_session(engine, config, role, role)[1].token for role in ("admin", "risk_analyst")]
        yield client, person.headers, [{"Authorization": f"Bearer {token}"} for token in operators]
    engine.dispose()


def test_no_server_errors_and_responses_match_the_schema(fuzzed):
    """As the borrower (most examples), then as an admin and a risk analyst (operator routes)."""
    client, borrower, operators = fuzzed
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 34
    signed_in = [op for op in operations if op.label not in SESSION_ENDING]
    ending = [op for op in operations if op.label in SESSION_ENDING]
    calls = {"n": 0}
    started = time.monotonic()
    for headers, examples in [(borrower, EXAMPLES_PER_OPERATION)] + [(h, OPERATOR_EXAMPLES_PER_OPERATION) for h in operators]:
        for operation in signed_in:
            _fuzz(operation, headers, examples, calls)
        assert client.get("/v1/session", headers=headers).status_code == 200, "every operation met a live session"
        for operation in ending:
            _fuzz(operation, headers, examples, calls)
    print(f"schemathesis: {calls['n']} requests over {len(operations)} operations in {time.monotonic() - started:.1f} s")


def _fuzz(operation, headers: dict[str, str], examples: int, calls: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    @given(case=operation.as_strategy())
    @settings(max_examples=examples, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck),
              database=None)  # fmt: skip
    def run(case) -> None:  # type: ignore[no-untyped-def]
        calls["n"] += 1
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()
