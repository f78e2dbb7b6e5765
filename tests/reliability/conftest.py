"""One running platform per database for the proofs that need the server (bank test, crash loops,
the stolen database): a database at the test business date, `creditline serve` with a signing key
and a PII salt of its own, and borrowers signed up through passkeys and the origination pipeline.
Built once per session and database (starting the server and deciding applications cost seconds);
each test takes it with its own client configuration and a fresh history (`BankRun.fresh`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest
from reliability_support import POSTGRES, database, phone

from creditline.reliability.bank import BankConfig, BankRun, bank_platform

PLATFORM = BankConfig(borrowers=6, workers=2, first_serial=31_000)


@pytest.fixture(scope="session")
def platforms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[pytest.FixtureRequest, str], BankRun]]:
    built: dict[str, BankRun] = {}
    with ExitStack() as stack:

        def platform(request: pytest.FixtureRequest, kind: str) -> BankRun:
            if kind == POSTGRES:
                request.getfixturevalue("postgres_url")  # skips (or fails in CI) without PostgreSQL
            if kind not in built:
                folder = tmp_path_factory.mktemp(f"platform-{kind}")
                url = stack.enter_context(database(request, kind, folder, "platform"))
                built[kind] = stack.enter_context(bank_platform(url, folder, PLATFORM, phone))
            return built[kind]

        yield platform
