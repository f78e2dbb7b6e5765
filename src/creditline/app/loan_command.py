"""What every command on an existing loan shares — the one-by-one path (`app.loans`) and the group
commit (`app.repayment_batch`): the event it builds, who may pay, the business date it runs on, the loan's
contract (cached per process) and the line it frees. A key's earlier result is
`app.idempotency.stored_result`."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from datetime import date
from typing import Any, Protocol

from creditline.app.catalogue import contract_of
from creditline.app.common import new_id
from creditline.app.errors import BusinessDateMissing, LoanNotFound
from creditline.money import CurrencyMismatch
from creditline.store import UnitOfWork

EventBuilder = Callable[[Any, date, int], Any]  # (currency, business date, sequence) -> LoanEvent
# The most one event (a repayment, prepayment, waiver) moves, in minor units. The ledger keeps each account's
# running debit and credit totals as BIGINT sums: an amount near 2**63 overflowed them (a 500 on PostgreSQL;
# on SQLite the sum silently became a float). 10**15 is ten trillion yuan, nine thousand such payments short.
EVENT_AMOUNT_MINOR_MAX = 10**15


class Payer(Protocol):
    """Who repays: a borrower (`as_borrower`, None for an operator) and the currency they named (or None)."""

    as_borrower: str | None
    currency: str | None


def event_builder(
    kind: str, on: date | None, *, amount_text: str | None = None, reverses: str | None = None, data: tuple = ()
) -> EventBuilder:
    def build(cur: Any, today: date, sequence: int) -> Any:
        from creditline.lending.loan.events import LoanEvent
        from creditline.money import Money

        amount = None if amount_text is None else Money.parse(amount_text, cur, field="amount")
        if amount is not None and abs(amount.minor) > EVENT_AMOUNT_MINOR_MAX:
            from creditline.money import InvalidAmount

            most = Money.of_minor(EVENT_AMOUNT_MINOR_MAX, cur).amount_str()
            raise InvalidAmount(f"{amount_text[:40]} is more than one payment can be: at most {most}", field="amount")
        return LoanEvent(new_id("EV"), kind, on or today, sequence, amount, reverses, data)

    return build


def check_payer(record: Any, loan_id: str, payer: Payer | None) -> None:
    """The loan exists and, for a borrower repaying, is theirs — another's is not found, as if it did not
    exist — and the currency the payer named is the loan's."""
    if record is None or (payer is not None and payer.as_borrower not in (None, record.borrower_id)):
        raise LoanNotFound(f"no loan {loan_id!r}", field="loan")
    if payer is not None and payer.currency is not None and payer.currency != record.currency.code:
        raise CurrencyMismatch(f"{payer.currency} given; this loan is in {record.currency.code}", field="currency")


def moved_line(line: Any, before: Any, after: Any) -> Any:
    """The line after the command: repaid or written-off principal frees the limit; a reversal takes it
    back; None when the principal did not move."""
    if after < before:
        return line.restore(before - after)
    if after > before:
        return line.reclaim(after - before)
    return None


def known_business_date(found: date | None) -> date:
    if found is None:
        raise BusinessDateMissing("the database has no business date; run `creditline db upgrade`", field="db")
    return found


# A loan's contract never changes: kept per process, a command does not rebuild it from its terms.
_CONTRACTS: dict[tuple, Any] = {}
_CONTRACTS_MAX = 65_536


_DATABASES: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


def database_of(engine: Any) -> str:
    """The engine's database as text, rendered once per engine (hashing its URL renders it each time:
    3 % of a group-committed batch's client CPU, measured stop 24)."""
    found = _DATABASES.get(engine)
    if found is None:
        found = _DATABASES[engine] = engine.url.render_as_string(hide_password=False)
    return found


def loan_contract(uow: UnitOfWork, record: Any) -> Any:
    key = (database_of(uow.engine), record.loan_id, record.borrower_id, record.line_id, record.product_id,
           record.product_version, record.terms_json)  # fmt: skip
    found = _CONTRACTS.get(key)
    if found is None:
        if len(_CONTRACTS) >= _CONTRACTS_MAX:
            _CONTRACTS.clear()
        found = _CONTRACTS[key] = contract_of(uow, record)
    return found


def normalised(request: dict[str, Any], cur: Any) -> dict[str, Any]:
    """The request as the key's hash sees it: "100" and "100.00" are the same repayment."""
    if request.get("amount") is None:
        return request
    from creditline.money import Money

    amount_minor = Money.parse(request["amount"], cur, field="amount").minor
    return {k: v for k, v in request.items() if k != "amount"} | {"amount_minor": amount_minor}
