"""One running platform per database for the proofs that need the server (bank test, crash loops,
the stolen database): a database at the test business date, `creditline serve` with a signing key,
a PII salt and data keys of its own, and borrowers signed up through passkeys and the origination pipeline.
Built once per session and database (starting the server and deciding applications cost seconds);
each test takes it with its own client configuration and a fresh history (`BankRun.fresh`)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

import pytest
from reliability_support import POSTGRES, database, phone

from creditline.reliability.bank import BankConfig, BankRun, bank_platform

PLATFORM = BankConfig(borrowers=6, workers=2, first_serial=31_000)
KEY_VARIABLES = ("CREDITLINE_KEYRING_FILE", "CREDITLINE_DATA_KEYS", "CREDITLINE_DATA_KEY_CURRENT", "CREDITLINE_BLIND_INDEX_KEY")


@contextmanager
def data_keys_of_its_own() -> Iterator[None]:
    """Data keys made at run time (never stored) in the environment while the platform is built: the
    server, and every command the platform runs later with its environment, seal names with them
    (docs/security.md, finding 1), as a deployment's would. The test process gets its own back."""
    import base64

    from creditline.privacy.keyring import new_keyring

    keyring, saved = new_keyring("k1"), {name: os.environ.get(name) for name in KEY_VARIABLES}
    for name in KEY_VARIABLES:
        os.environ.pop(name, None)
    os.environ["CREDITLINE_DATA_KEYS"] = "k1:" + base64.b64encode(keyring.data_keys["k1"]).decode()
    os.environ["CREDITLINE_BLIND_INDEX_KEY"] = base64.b64encode(keyring.blind_index_key).decode()
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


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
                with data_keys_of_its_own():
                    built[kind] = stack.enter_context(bank_platform(url, folder, PLATFORM, phone))
            return built[kind]

        yield platform
