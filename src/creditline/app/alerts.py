"""Early-warning alerts for the console: list, acknowledge, resolve; and the intake of fraud signals.

An alert moves open → acknowledged → resolved (acknowledging is optional). Fraud and transaction
monitoring report a signal about a borrower with `record_fraud_signal`; the next early-warning run
turns it into an alert (and the limit review freezes the line, per its policy).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from creditline.app.common import business_date
from creditline.app.repayment_sources import require_borrower
from creditline.errors import Conflict, DomainError, NotFound
from creditline.servicing.early_warning import Kind
from creditline.store import UnitOfWork
from creditline.store.collections_repository import ReviewRepository

STATUSES = ("open", "acknowledged", "resolved")
SCOPES = ("loan", "portfolio")
LIST_MAX = 1000


class AlertNotFound(NotFound):
    code = "alert_not_found"


class AlertStateInvalid(Conflict):
    code = "alert_state_invalid"


class AlertInputInvalid(DomainError):
    code = "alert_input_invalid"


@dataclass(frozen=True, slots=True)
class FraudSignal:
    borrower_id: str
    kind: str  # e.g. account_takeover, device_change, blacklist_match
    detail: str
    source: str  # who reported it: transaction-monitoring, fraud-review...


def list_alerts(engine: Engine, *, status: str | None = "open", scope: str | None = None, kind: str | None = None,
                borrower_id: str | None = None, limit: int = 100) -> dict[str, Any]:  # fmt: skip
    if status is not None and status not in STATUSES:
        raise AlertInputInvalid(f"status is one of {', '.join(STATUSES)}", field="status")
    if scope is not None and scope not in SCOPES:
        raise AlertInputInvalid(f"scope is one of {', '.join(SCOPES)}", field="scope")
    if kind is not None and kind not in set(Kind):  # a typo listed nothing, as if no such alert were raised
        raise AlertInputInvalid(f"kind is one of {', '.join(Kind)}", field="kind")
    if not 1 <= limit <= LIST_MAX:
        raise AlertInputInvalid(f"from 1 to {LIST_MAX}", field="limit")
    with UnitOfWork(engine, read_only=True) as uow:
        on = business_date(uow)
        rows = ReviewRepository(uow.connection).alerts(status=status, scope=scope, kind=kind, borrower_id=borrower_id,
                                                       limit=limit)  # fmt: skip
    return {"business_date": on.isoformat(), "alerts": [alert_view(row) for row in rows]}


def acknowledge_alert(engine: Engine, alert_id: int, operator: str, note: str | None = None) -> dict[str, Any]:
    return _move(engine, alert_id, operator, note, "acknowledged", allowed_from=("open",))


def resolve_alert(engine: Engine, alert_id: int, operator: str, note: str | None = None) -> dict[str, Any]:
    return _move(engine, alert_id, operator, note, "resolved", allowed_from=("open", "acknowledged"))


def _move(engine: Engine, alert_id: int, operator: str, note: str | None, to: str,
          allowed_from: tuple[str, ...]) -> dict[str, Any]:  # fmt: skip
    who = _text(operator, "operator", 64, required=True)
    why = _text(note, "note", 400, required=False)
    with UnitOfWork(engine) as uow:
        on = business_date(uow)
        repository = ReviewRepository(uow.connection)
        row = repository.alert(alert_id, for_update=True)
        if row is None:
            raise AlertNotFound(f"no alert {alert_id}", field="alert")
        if row["status"] not in allowed_from:
            raise AlertStateInvalid(f"alert {alert_id} is {row['status']}; it cannot become {to}", field="alert")
        prefix = "acknowledged" if to == "acknowledged" else "resolved"
        values = {"status": to, f"{prefix}_by": who, f"{prefix}_on": on}
        if why is not None:
            values["note"] = why
        repository.update_alert(alert_id, values)
        row = repository.alert(alert_id)
        uow.commit()
    assert row is not None, "the alert was just updated"
    return alert_view(row)


def record_fraud_signal(engine: Engine, signal: FraudSignal) -> dict[str, Any]:
    borrower = _text(signal.borrower_id, "borrower", 64, required=True)
    kind = _text(signal.kind, "kind", 32, required=True)
    detail = _text(signal.detail, "detail", 300, required=True)
    source = _text(signal.source, "source", 40, required=True)
    with UnitOfWork(engine) as uow:
        require_borrower(uow, borrower)  # an unknown id: refused, never a signal about nobody
        on = business_date(uow)
        signal_id = ReviewRepository(uow.connection).add_signal(
            {"borrower_id": borrower, "kind": kind, "detail": detail, "source": source, "observed_on": on}
        )
        uow.commit()
    return {"signal_id": signal_id, "borrower_id": borrower, "kind": kind, "observed_on": on.isoformat()}


def alert_view(row: dict[str, Any]) -> dict[str, Any]:
    dates = ("raised_on", "acknowledged_on", "resolved_on")
    view = {k: (v.isoformat() if k in dates and v is not None else v) for k, v in row.items() if k != "details_json"}
    view["details"] = json.loads(row["details_json"])
    return view


def _text(value: str | None, field: str, length_max: int, *, required: bool) -> str | None:
    cleaned = None if value is None else " ".join(str(value).split())
    if not cleaned:
        if required:
            raise AlertInputInvalid("must not be empty", field=field)
        return None
    if len(cleaned) > length_max or not cleaned.isprintable():
        raise AlertInputInvalid(f"at most {length_max} printable characters", field=field)
    return cleaned


def check_alerts_today(engine: Engine) -> dict[str, Any]:
    """The early-warning run on the current business date (a live alert is never raised twice)."""
    from creditline.app.alerts_stage import raise_alerts

    with UnitOfWork(engine) as uow:
        on = business_date(uow)
        summary = raise_alerts(uow, on)
        uow.commit()
    return {"business_date": on.isoformat(), **summary}
