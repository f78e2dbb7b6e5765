"""What operators and borrowers do with the servicing routes, as the tests drive them: operators of
each role signed in, a clock placed at a known hour for transaction monitoring, the vault's keys,
and end of day run until a loan is late. Import as `from servicing_flows import ...`."""

from __future__ import annotations

import base64
import itertools
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

from api_flows import ORIGIN, Person

T0 = 1_751_256_000  # 2025-06-30 12:00 in Beijing: business hours for every borrower of the tests
HOUR_S = 3600
_clock = itertools.count(T0, 5 * 60)  # every screened activity five minutes after the last one
ROLES = ("risk_analyst", "collections_agent", "finance", "admin")
VAULT_KEYS = {
    "CREDITLINE_DATA_KEYS": "k1:" + base64.b64encode(bytes(range(32))).decode(),
    "CREDITLINE_BLIND_INDEX_KEY": base64.b64encode(bytes(range(32, 64))).decode(),
}


def operator(client: Any, engine: Any, role: str) -> Person:
    """An operator of `role`, signed in (a development session: the enrollment ceremony has its own tests)."""
    from creditline.app.access import AccessConfig
    from creditline.app.dev_access import dev_session
    from creditline.identity.passkeys import RelyingParty

    config = AccessConfig(RelyingParty("localhost", "creditline", (ORIGIN,)))
    account, issued = dev_session(engine, config, role, f"{role} on duty")
    return Person(client, role, token=issued.token, csrf=issued.csrf_token, account=account)


def operators(client: Any, engine: Any) -> dict[str, Person]:
    return {role: operator(client, engine, role) for role in ROLES}


def daytime(monkeypatch: Any, start_s: int | None = None) -> None:
    """Monitoring reads the edge's clock: place every activity in the daytime, minutes apart."""
    ticks = itertools.count(start_s, 5 * 60) if start_s is not None else _clock
    monkeypatch.setattr("creditline.app.drawdown_screening.wall_clock_s", lambda: next(ticks))


def with_vault(monkeypatch: Any) -> None:
    for name, value in VAULT_KEYS.items():
        monkeypatch.setenv(name, value)


def draw(person: Person, line_id: str, terms: dict[str, Any], key: str, device: str = "phone-1") -> Any:
    """A drawdown approved with the passkey, from `device`."""
    assertion = person.authenticator.get(person.approval(line_id, terms))
    body = terms | {"assertion": assertion}
    return person.post(f"/v1/lines/{line_id}/drawdowns", body, key=key, headers={"X-Device-Id": device})


def business_date(engine: Any) -> date:
    from creditline.store import UnitOfWork

    with UnitOfWork(engine, read_only=True) as uow:
        found = uow.system.business_date()
    assert found is not None
    return found


def close_days(engine: Any, days: int, stages: tuple[str, ...] = ("collections",)) -> None:
    """End of day `days` times (accrual and ageing), each day followed by the post-loan stages named."""
    from creditline.app import collections_eod, run_eod

    today = business_date(engine)
    for _ in range(days):
        closed, today = today, today + timedelta(days=1)
        run_eod(engine, today)
        for stage in stages:
            getattr(collections_eod, stage)(engine, closed, SimpleNamespace(run_date=today))
