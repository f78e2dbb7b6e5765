"""Credit-line use cases: open, freeze/unfreeze/close, change the limit, show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine

from creditline.app.catalogue import product_of
from creditline.app.common import business_date, new_id
from creditline.app.errors import LineExists, LineNotFound
from creditline.store import UnitOfWork


@dataclass(frozen=True, slots=True)
class OpenLine:
    borrower_id: str
    product_id: str
    limit: str  # major units as text
    daily_rate_pct: str  # percent a day as text: "0.05" is 0.05% a day
    reason: str = "opened"
    line_id: str | None = None


@dataclass(frozen=True, slots=True)
class ChangeLineStatus:
    line_id: str
    action: str  # freeze | unfreeze | close
    reason: str


@dataclass(frozen=True, slots=True)
class ChangeLimit:
    line_id: str
    limit: str
    reason: str


def open_line(engine: Engine, command: OpenLine) -> dict[str, Any]:
    from creditline.lending.credit_line import open_line as open_domain_line
    from creditline.money import Money, Rate
    from creditline.store.line_repository import LineRecord

    _check_id(command.borrower_id, "borrower")
    with UnitOfWork(engine) as uow:
        on = business_date(uow)
        product = product_of(uow, command.product_id)
        limit = Money.parse(command.limit, product.currency, field="limit")
        rate_daily = Rate.daily_percent(command.daily_rate_pct, field="daily_rate").value
        product.check_rate(rate_daily)
        if uow.lines.find(command.borrower_id, product.product_id) is not None:
            raise LineExists(f"{command.borrower_id} already has a {product.product_id} line", field="borrower")
        line_id = command.line_id or new_id("LN")
        _check_id(line_id, "line_id")
        if uow.lines.get(line_id) is not None:
            raise LineExists(f"line {line_id} exists", field="line_id")
        line, change = open_domain_line(
            line_id=line_id,
            borrower_id=command.borrower_id,
            product_id=product.product_id,
            limit=limit,
            on=on,
            reason=command.reason,
            rate_daily=rate_daily,
        )
        uow.lines.add(LineRecord(line, product.version, on))
        uow.lines.record_change(change, line.borrower_id)
        view = line_view(uow, line, on)
        uow.commit()
    return view


def change_line_status(engine: Engine, command: ChangeLineStatus) -> dict[str, Any]:
    assert command.action in ("freeze", "unfreeze", "close"), command.action
    with UnitOfWork(engine) as uow:
        on = business_date(uow)
        record = _locked(uow, command.line_id)
        line, change = getattr(record.line, command.action)(on, command.reason)
        uow.lines.save(line, record.line.version)
        uow.lines.record_change(change, line.borrower_id)
        view = line_view(uow, line, on)
        uow.commit()
    return view


def change_limit(engine: Engine, command: ChangeLimit) -> dict[str, Any]:
    from creditline.money import Money

    with UnitOfWork(engine) as uow:
        on = business_date(uow)
        record = _locked(uow, command.line_id)
        new_limit = Money.parse(command.limit, record.line.limit.currency, field="limit")
        line, change = record.line.change_limit(new_limit, on, command.reason)
        uow.lines.save(line, record.line.version)
        uow.lines.record_change(change, line.borrower_id)
        view = line_view(uow, line, on)
        uow.commit()
    return view


@dataclass(frozen=True, slots=True)
class SetTempLimit:
    line_id: str
    limit: str | None  # None removes the temporary limit
    until: date | None  # the last day it applies
    reason: str


def set_temp_limit(engine: Engine, command: SetTempLimit) -> dict[str, Any]:
    from creditline.money import Money

    with UnitOfWork(engine) as uow:
        on = business_date(uow)
        record = _locked(uow, command.line_id)
        cur = record.line.limit.currency
        amount = None if command.limit is None else Money.parse(command.limit, cur, field="limit")
        line, change = record.line.set_temp_limit(amount, command.until, on, command.reason)
        uow.lines.save(line, record.line.version)
        uow.lines.record_change(change, line.borrower_id)
        view = line_view(uow, line, on)
        uow.commit()
    return view


def show_line(engine: Engine, line_id: str) -> dict[str, Any]:
    with UnitOfWork(engine, read_only=True) as uow:
        on = business_date(uow)
        record = uow.lines.get(line_id)
        if record is None:
            raise LineNotFound(f"no credit line {line_id!r}", field="line")
        view = line_view(uow, record.line, on)
        view["changes"] = [
            {k: (v.isoformat() if k == "on_date" else v) for k, v in change.items() if k not in ("change_id", "line_id")}
            for change in uow.lines.changes(line_id)
        ]
    return view


def line_view(uow: UnitOfWork, line: Any, on: Any) -> dict[str, Any]:
    refusal = line.drawdown_refusal()  # `available` is the limit's room; a frozen line still lends nothing
    return {
        "line_id": line.line_id,
        "borrower_id": line.borrower_id,
        "product_id": line.product_id,
        "currency": line.limit.currency.code,
        "status": str(line.status),
        "limit": line.limit.amount_str(),
        "effective_limit": line.effective_limit(on).amount_str(),
        "available": line.available(on).amount_str(),
        "drawable": refusal is None,
        "refusal": refusal,
        "outstanding_principal": line.outstanding_principal.amount_str(),
        "pending_drawdowns": line.pending_drawdowns.amount_str(),
        "temp_limit": None if line.temp_limit is None else line.temp_limit.amount_str(),
        "temp_limit_until": None if line.temp_limit_expires is None else line.temp_limit_expires.isoformat(),
        "daily_rate_pct": format((line.rate_daily * 100).normalize(), "f"),
        "business_date": on.isoformat(),
        "loans": uow.loans.ids_of_line(line.line_id),
    }


def _locked(uow: UnitOfWork, line_id: str) -> Any:
    record = uow.lines.get(line_id, for_update=True)
    if record is None:
        raise LineNotFound(f"no credit line {line_id!r}", field="line")
    return record


def _check_id(value: str, field: str) -> None:
    from creditline.errors import DomainError
    from creditline.ledger.transparency import InvalidRecord, pseudonymous_id

    try:  # what the tamper-evident log takes (1-64 of letters, digits and _.:-, no personal data)
        pseudonymous_id(value, field)
    except InvalidRecord as exc:
        raise DomainError(str(exc), field=field, code="id_invalid") from exc
