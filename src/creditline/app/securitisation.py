"""Securitising the platform's own loans: sell a pool to a trust, in the books (docs/securitisation.md).

`sell_pool` selects the pool from the books as they stand on the business date — the deal's cut-off
date — (or from a reviewed tape, whose every row must still match the books), sizes the tranches,
prices the transfer and, in one unit of work, records the deal and each loan sold and posts one
balanced journal entry. The accounting is **continued recognition** (IFRS 9 3.2.6(b), 3.2.15): the
platform keeps the subordinated tranche and services the loans, so it keeps substantially all their
risks and rewards; the loans stay on its books and the trust's claim on them is a liability:

    debit  settlement cash      price − the retained notes at their price  (what the trust pays)
    debit  retained notes       the tranches the platform keeps, at par
    debit  ABS discount         pool − retained − cash  (a credit when the price is above par)
    credit trust funding        the pool: the platform's principal of the loans sold

From then on every collection on a sold loan belongs to the trust (`app.trust_servicing`).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

from sqlalchemy import Engine

from creditline.app.common import business_date, new_id
from creditline.app.idempotency import check_key, first_result, journal_key, remember
from creditline.app.securitisation_errors import (
    BeyondOwnShare,
    DealNotFound,
    LoanAlreadySold,
    LoanNotOwned,
    SaleRefused,
    TapeStale,
)
from creditline.app.securitisation_tape import BookTape, books_tape
from creditline.funding.errors import EmptyPool
from creditline.store import UnitOfWork
from creditline.store.securitisation_repository import SecuritisationRepository

SCOPE = "abs-sale"
PERFORMING = frozenset({"current", "delinquent"})


@dataclass(frozen=True, slots=True)
class SellPool:
    spec: Mapping[str, Any]  # the deal file, parsed (numbers as Decimal)
    spec_text: str  # ... and as written, for the record and its hash
    spec_format: str  # yaml | toml | json
    key: str
    retained: tuple[str, ...] = ()  # tranches the platform keeps; default: the subordinated (last) one
    tape: Mapping[str, list[Any]] | None = field(default=None)  # a reviewed tape; None: the books' own


def sell_pool(engine: Engine, command: SellPool) -> dict[str, Any]:
    """Sell the pool to a trust; the same key again returns the first sale, with nothing posted twice."""
    from sqlalchemy.exc import IntegrityError

    from creditline.funding.structure import deal_spec

    key = check_key(command.key)
    spec = deal_spec(dict(command.spec))
    retained = _retained(spec, command.retained)
    request = {"spec_hash": _hash(command.spec_text), "retained": list(retained), "tape": _tape_hash(command.tape)}
    try:
        return _sell(engine, command, spec, retained, key, request)
    except (IntegrityError, LoanAlreadySold, EmptyPool):
        # A concurrent sale committed first: ours rolled back, or read the books after it and found
        # nothing left to sell. Under the same key it was this request, retried: its result is the
        # answer. Otherwise what was raised stands.
        with UnitOfWork(engine, read_only=True) as uow:
            prior = first_result(uow, SCOPE, key, request)
        if prior is None:
            raise
        return prior


def _sell(engine: Engine, command: SellPool, spec: Any, retained: tuple[str, ...], key: str,
          request: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    with UnitOfWork(engine) as uow:
        today = business_date(uow)
        if (prior := first_result(uow, SCOPE, key, request)) is not None:
            return prior
        _check_sellable(spec, today)
        repo = SecuritisationRepository(uow.connection)
        book = books_tape(repo, today)
        if command.tape is not None:
            book = _reviewed(repo, book, command.tape)
        deal, rows = _build(spec, book)
        result = _record(uow, repo, command, spec, retained, deal, rows, today, key)
        remember(uow, SCOPE, key, request, result, borrower_id=None)  # type: ignore[arg-type]
        uow.commit()
    return result


def _retained(spec: Any, names: tuple[str, ...]) -> tuple[str, ...]:
    tranche_names = [t.name for t in spec.tranches]
    chosen = tuple(dict.fromkeys(names or (tranche_names[-1],)))
    unknown = [n for n in chosen if n not in tranche_names]
    if unknown:
        raise SaleRefused(f"the deal has no tranche {unknown[0]!r}", field="retain")
    if tranche_names[-1] not in chosen:
        raise SaleRefused(
            f"the platform keeps the subordinated tranche {tranche_names[-1]!r}: that is what makes the sale "
            "continued recognition (docs/securitisation.md)",
            field="retain",
        )
    return chosen


def _check_sellable(spec: Any, today: date) -> None:
    if spec.cut_off_date != today:
        raise SaleRefused(
            f"a pool is cut off from the books as they stand: the cut-off date must be the business date {today}",
            field="cut_off_date",
        )
    if spec.revolving is not None:
        raise SaleRefused("a revolving period is not sold from the books yet", field="revolving")
    statuses = {s.value for s in spec.eligibility.statuses}
    if not statuses <= PERFORMING:
        raise SaleRefused("a trust buys performing loans: statuses current and delinquent only",
                          field="eligibility.statuses")  # fmt: skip


def _reviewed(repo: SecuritisationRepository, book: BookTape, columns: Mapping[str, list[Any]]) -> BookTape:
    """The books' rows of the loans a reviewed tape names, once every row is checked against the books."""
    from creditline.funding.tape import loan_tape

    tape = loan_tape(columns)
    on_book = {row["loan_id"]: i for i, row in enumerate(book.books)}
    loan_ids = [str(x) for x in tape.loan_id.tolist()]
    missing = [loan_id for loan_id in loan_ids if loan_id not in on_book]
    if missing:
        _refuse_missing(repo, missing)
    chosen = BookTape(book.as_of)
    for loan_id, principal in zip(loan_ids, tape.outstanding_principal_minor.tolist(), strict=True):
        index = on_book[loan_id]
        row = book.books[index]
        own = row["own_principal_minor"]
        if principal != own:
            whole = row["principal_outstanding_minor"]
            error = BeyondOwnShare if own < principal <= whole and len(row["weights"]) > 1 else TapeStale
            raise error(
                f"loan {loan_id}: the tape offers {principal} minor units, the platform's own share on the books "
                f"is {own}", field="outstanding_principal_minor",
            )  # fmt: skip
        for name, values in book.columns.items():
            chosen.columns.setdefault(name, []).append(values[index])
        chosen.books.append(row)
    return chosen


def _refuse_missing(repo: SecuritisationRepository, missing: list[str]) -> None:
    rows = repo.loans_by_id(missing)
    for loan_id in missing:
        row = rows.get(loan_id)
        if row is not None and row["deal_id"] is not None:
            raise LoanAlreadySold(f"loan {loan_id} was sold to deal {row['deal_id']}", field="loan_id")
    raise LoanNotOwned(f"loan {missing[0]} is not on the books with principal outstanding", field="loan_id")


def _build(spec: Any, book: BookTape) -> tuple[Any, list[dict[str, Any]]]:
    from creditline.funding.deal import build_deal
    from creditline.funding.tape import loan_tape

    if not len(book):
        raise EmptyPool("the books hold no loan to sell", field="eligibility")
    deal = build_deal(spec, loan_tape(book.columns))
    rows = [book.books[int(i)] for i in deal.selection.rows.tolist()]
    assert [r["loan_id"] for r in rows] == deal.sale.loan_ids.tolist(), "the sale prices the selected loans"
    return deal, rows


def _record(uow: UnitOfWork, repo: SecuritisationRepository, command: SellPool, spec: Any,
            retained: tuple[str, ...], deal: Any, rows: list[dict[str, Any]], today: date, key: str) -> dict[str, Any]:  # fmt: skip
    from sqlalchemy.exc import IntegrityError

    from creditline.ledger import shard_of

    deal_id = new_id("DL")
    figures = sale_figures(deal, retained)
    entry = _sale_entry(deal_id, key, today, rows, deal, figures)
    uow.journal.add(entry)
    loans = [
        {"loan_id": r["loan_id"], "deal_id": deal_id, "borrower_id": r["borrower_id"], "currency": r["currency"],
         "shard": shard_of(r["borrower_id"]), "weights_json": json.dumps(list(r["weights"])),
         "book_minor": int(book), "sale_minor": int(sale), "cutoff_totals_json": r["totals_json"],
         "basis_totals_json": r["totals_json"], "basis_version": r["version"], "defaulted_on": None,
         "default_minor": None}
        for r, book, sale in zip(rows, deal.sale.book_value_minor.tolist(), deal.sale.sale_amount_minor.tolist(), strict=True)
    ]  # fmt: skip
    row = {
        "deal_id": deal_id, "name": spec.name, "currency": deal.structure.currency, "spec_format": command.spec_format,
        "spec_text": command.spec_text, "spec_hash": _hash(command.spec_text), "spec_json": spec.model_dump_json(),
        "eligibility_json": spec.eligibility.model_dump_json(), "cut_off_date": spec.cut_off_date,
        "closing_date": spec.closing_date, "first_payment_date": spec.first_payment_date, "sale_price": spec.sale_price,
        "servicing_fee_rate": spec.servicing_fee_rate, "retained_json": json.dumps(list(retained)),
        "pool_loans": len(rows), "sale_entry_id": entry.entry_id, "sold_on": today, "shard": shard_of(deal_id),
        "status": "active", **figures,
    }  # fmt: skip
    try:
        repo.add_deal(row, loans)
    except IntegrityError:  # another sale took one of these loans first (its insert committed before ours)
        raise LoanAlreadySold("a loan of the pool was sold to another deal meanwhile; select again",
                              field="loan_id") from None  # fmt: skip
    repo.add_period({"deal_id": deal_id, "period": 1, "payment_date": deal.structure.payment_date(1),
                     "status": "open", "pool_start_minor": figures["pool_principal_minor"], "fee_accrued_minor": 0})  # fmt: skip
    return deal_view(row, deal.structure) | {"entry_id": entry.entry_id}


def sale_figures(deal: Any, retained: tuple[str, ...]) -> dict[str, int]:
    """The sale's amounts: pool (the trust's claim), price, retained notes at par, cash, discount."""
    import numpy as np

    from creditline.funding.accrual import scale_minor
    from creditline.money import Rounding

    kept = [t for t in deal.structure.tranches if t.name in retained]
    retained_par = sum(t.balance_minor for t in kept)
    retained_cost = sum(
        int(scale_minor(np.array([t.balance_minor]), Fraction(t.price), Rounding.HALF_UP)[0]) for t in kept
    )
    pool, price = deal.sale.total_book_minor, deal.sale.total_price_minor
    cash = price - retained_cost
    if cash < 0:
        raise SaleRefused("the notes the platform keeps cost more than the trust pays for the pool", field="retain")
    return {"pool_principal_minor": pool, "price_minor": price, "retained_minor": retained_par,
            "cash_minor": cash, "discount_minor": pool - retained_par - cash}  # fmt: skip


def _sale_entry(deal_id: str, key: str, today: date, rows: list[dict[str, Any]], deal: Any, figures: dict[str, int]) -> Any:
    from creditline.ledger import Account, JournalEntry, Posting, shard_of
    from creditline.money import Money, currency

    cur = currency(deal.structure.currency)
    shard = shard_of(deal_id)
    by_shard: dict[int, int] = defaultdict(int)
    for r, book in zip(rows, deal.sale.book_value_minor.tolist(), strict=True):
        by_shard[shard_of(r["borrower_id"])] += int(book)
    lines = [(Account.SETTLEMENT_CASH, figures["cash_minor"], shard),
             (Account.RETAINED_NOTES, figures["retained_minor"], shard),
             (Account.ABS_DISCOUNT, figures["discount_minor"], shard),
             *((Account.TRUST_FUNDING, -minor, s) for s, minor in sorted(by_shard.items()))]  # fmt: skip
    postings = tuple(Posting(account, Money(minor, cur), s) for account, minor, s in lines if minor)
    return JournalEntry(new_id("JE"), journal_key(SCOPE, key), today, f"abs:sale:{deal_id}", postings, None,
                        f"pool of {len(rows)} loans sold to {deal.structure.name}")  # fmt: skip


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _tape_hash(tape: Mapping[str, list[Any]] | None) -> str | None:
    if tape is None:
        return None
    return _hash(json.dumps({k: [str(v) for v in values] for k, values in sorted(tape.items())}))


# -- views -------------------------------------------------------------------------------------------------


def deal_structure(row: Mapping[str, Any]) -> Any:
    """A recorded deal's structure, resolved again from its stored spec against its pool."""
    from decimal import Decimal

    from creditline.funding.structure import deal_spec, resolve_structure

    spec = deal_spec(json.loads(row["spec_json"], parse_float=Decimal))
    return resolve_structure(spec, row["pool_principal_minor"])


def deal_view(row: Mapping[str, Any], structure: Any, *, brief: bool = False) -> dict[str, Any]:
    from creditline.money import Money

    cur = row["currency"]

    def text(minor: int) -> str:
        return Money.of_minor(minor, cur).amount_str()

    view: dict[str, Any] = {
        "deal_id": row["deal_id"], "name": row["name"], "currency": cur, "status": row["status"],
        "cut_off_date": row["cut_off_date"].isoformat(), "closing_date": row["closing_date"].isoformat(),
        "first_payment_date": row["first_payment_date"].isoformat(), "sold_on": row["sold_on"].isoformat(),
        "loans": row["pool_loans"], "pool_principal": text(row["pool_principal_minor"]),
        "sale_price": f"{row['sale_price']}", "price": text(row["price_minor"]),
        "retained_tranches": json.loads(row["retained_json"]), "retained_notes": text(row["retained_minor"]),
        "cash_received": text(row["cash_minor"]), "discount": text(row["discount_minor"]),
        "servicing_fee_rate": f"{row['servicing_fee_rate']}", "spec_hash": row["spec_hash"],
    }  # fmt: skip
    if brief:
        return view
    return view | {
        "eligibility": json.loads(row["eligibility_json"]),
        "tranches": [{"name": t.name, "balance": text(t.balance_minor), "coupon_rate": f"{t.coupon_rate}"}
                     for t in structure.tranches],
    }


def list_deals(engine: Engine) -> list[dict[str, Any]]:
    with UnitOfWork(engine, read_only=True) as uow:
        rows = SecuritisationRepository(uow.connection).deals()
    return [deal_view(row, None, brief=True) for row in rows]


def deal_row(repo: SecuritisationRepository, deal_id: str) -> dict[str, Any]:
    row = repo.deal(deal_id)
    if row is None:
        raise DealNotFound(f"no deal {deal_id!r}", field="deal")
    return row


def show_deal(engine: Engine, deal_id: str) -> dict[str, Any]:
    """The deal as sold, with its tranches, its periods so far and the trust's position in the books."""
    from creditline.app.trust_books import deal_position

    with UnitOfWork(engine, read_only=True) as uow:
        repo = SecuritisationRepository(uow.connection)
        row = deal_row(repo, deal_id)
        position = deal_position(repo, row)
        periods = repo.periods(deal_id)
    view = deal_view(row, deal_structure(row))
    closed = [p for p in periods if p["status"] == "closed"]
    return view | {"position": position, "periods_closed": len(closed),
                   "next_payment_date": next((p["payment_date"].isoformat() for p in periods if p["status"] == "open"), None)}  # fmt: skip
