"""The platform's own loans as a securitisation loan tape (the columns of `funding.tape`).

At the business date the tape is the books as they stand: every loan with principal outstanding that
no trust owns yet, its outstanding principal being **the platform's own share** — for a co-lent loan,
the platform's part of the exact co-lending split (the partners' parts are theirs to sell, not ours).
A past date reads that day's end-of-day snapshot (kept daily for 40 days and at every month end); the
own share of a co-lent loan is then the largest-remainder share of the snapshot's principal, which can
differ by a cent from the books' split.

Grade is the band of the decision that opened the loan's line (`unrated` for a line opened without
one); PD is the loan's 12-month PD from the latest end-of-day snapshot, else the origination PD. Only
monthly loans with a schedule the projection models (level, even principal, interest only) are
listed; the others are counted in `excluded`. Borrower ids leave the platform only as pseudonyms: an
HMAC-SHA256 of the id under a salt (random per export unless one is given, so that two exports can be
linked only by whoever holds the salt).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine

from creditline.app.common import business_date
from creditline.app.securitisation_errors import SnapshotMissing
from creditline.app.trust_split import WHOLE, own_principal, platform_parts, totals_of_text
from creditline.store import UnitOfWork
from creditline.store.securitisation_repository import SecuritisationRepository

UNRATED = "unrated"
AMORTISATION_OF_METHOD = {
    "equal-installment": "level",
    "equal-principal": "even_principal",
    "interest-only": "interest_only",
}
DAYS_IN_YEAR = {"360": 360, "364": 364, "365": 365, "actual": 365}
PSEUDONYM_HEX = 16


@dataclass(slots=True)
class BookTape:
    """Tape columns with, row for row, what the sale needs from the books (raw ids, totals, weights)."""

    as_of: date
    columns: dict[str, list[Any]] = field(default_factory=dict)
    books: list[dict[str, Any]] = field(default_factory=list)
    excluded: Counter[str] = field(default_factory=Counter)

    def __len__(self) -> int:
        return len(self.books)


def export_tape(engine: Engine, as_of: date | None = None, *, salt: str | None = None) -> dict[str, Any]:
    """The tape of the books (at the business date, or a past snapshot) with pseudonymous borrowers."""
    from creditline.money import InvalidDate

    with UnitOfWork(engine, read_only=True) as uow:
        today = business_date(uow)
        day = as_of or today
        if day > today:
            raise InvalidDate(f"{day} is after the business date {today}", field="as_of")
        repo = SecuritisationRepository(uow.connection)
        tape = books_tape(repo, today) if day == today else snapshot_tape(repo, day)
        tape.as_of = day
    key = (salt or secrets.token_hex(16)).encode("utf-8")
    columns = dict(tape.columns)
    columns["borrower_id"] = [pseudonym(key, b) for b in columns.get("borrower_id", [])]
    principal: Counter[str] = Counter()
    for code, minor in zip(columns.get("currency", []), columns.get("outstanding_principal_minor", []), strict=True):
        principal[code] += minor
    return {
        "as_of": day.isoformat(),
        "source": "books" if day == today else "snapshot",
        "loans": len(tape),
        "principal_minor": dict(sorted(principal.items())),
        "excluded": dict(sorted(tape.excluded.items())),
        "salt_given": salt is not None,
        "columns": columns,
    }


def pseudonym(key: bytes, borrower_id: str) -> str:
    return "P" + hmac.new(key, borrower_id.encode("utf-8"), hashlib.sha256).hexdigest()[:PSEUDONYM_HEX]


def books_tape(repo: SecuritisationRepository, today: date) -> BookTape:
    """Every loan on the books with principal outstanding and no trust, at the platform's own share."""
    rows = repo.book_loans()
    weights = repo.funding_weights([r["loan_id"] for r in rows])
    for row in rows:
        row["weights"] = weights.get(row["loan_id"], WHOLE)
        row["totals"] = totals_of_text(row["totals_json"])
    parts = platform_parts([r["totals"] for r in rows], [r["weights"] for r in rows])
    own = own_principal(parts)
    for row, minor in zip(rows, own.tolist(), strict=True):
        row["own_principal_minor"] = minor
    tape = BookTape(today)
    decisions = repo.line_decisions([r["line_id"] for r in rows])
    snapshot_day = repo.snapshot_date_on_or_before(today)
    pds = repo.snapshot_pds(snapshot_day, [r["loan_id"] for r in rows]) if snapshot_day else {}
    for row in rows:
        terms = json.loads(row["terms_json"])
        reason = _unmodelled(terms)
        if reason is not None or row["own_principal_minor"] <= 0:
            tape.excluded[reason or "no_own_principal"] += 1
            continue
        pd_text, record = decisions.get(row["line_id"], (None, None))
        pd = pds.get(row["loan_id"], None if pd_text is None else float(pd_text))
        _add(tape, row, terms, _status(row["status"], row["days_past_due"]), row["row_count"], pd, record)
    return tape


def snapshot_tape(repo: SecuritisationRepository, as_of: date) -> BookTape:
    """The tape as the end-of-day snapshot of `as_of` saw the books (loans sold before it left out)."""
    import numpy as np

    from creditline.funding.colending.split import allocate_batch

    available = repo.snapshot_dates()
    if as_of not in available:
        near = ", ".join(d.isoformat() for d in available[-5:]) or "none"
        raise SnapshotMissing(f"no end-of-day snapshot of {as_of} (latest: {near})", field="as_of")
    sold = repo.sold_before(as_of)
    rows = [r for r in repo.snapshot_loans(as_of) if r["loan_id"] not in sold]
    weights = repo.funding_weights([r["loan_id"] for r in rows])
    decisions = repo.line_decisions([r["line_id"] for r in rows])
    tape = BookTape(as_of)
    for row in rows:
        w = weights.get(row["loan_id"], WHOLE)
        own = allocate_batch(np.array([row["principal_minor"]], dtype=np.int64), np.array([w], dtype=np.int64))
        row |= {"own_principal_minor": int(own[0, 0]), "weights": w, "disbursed_on": row["origination_date"]}
        terms = json.loads(row["terms_json"])
        reason = _unmodelled(terms)
        if reason is not None:
            tape.excluded[reason] += 1
            continue
        status = "charged-off" if row["status"] == "charged_off" else row["status"]
        record = decisions.get(row["line_id"], (None, None))[1]
        _add(tape, row, terms, _status(status, row["days_past_due"]), row["remaining_term_months"],
             float(row["pd_12m"]), record)  # fmt: skip
    return tape


def _add(tape: BookTape, row: dict[str, Any], terms: dict[str, Any], status: str, remaining: int,
         pd: float | None, record: str | None) -> None:  # fmt: skip
    values = {
        "loan_id": row["loan_id"],
        "borrower_id": row["borrower_id"],
        "currency": row["currency"],
        "outstanding_principal_minor": row["own_principal_minor"],
        "annual_rate": format(annual_rate(terms), "f"),
        "remaining_term_months": max(int(remaining), 0),
        "days_past_due": int(row["days_past_due"]),
        "status": status,
        "risk_grade": grade_of(record),
        "payment_frequency": "monthly",
        "amortisation": AMORTISATION_OF_METHOD[terms["method"]],
        "origination_date": _iso(row["disbursed_on"]),
        "pd_annual": "" if pd is None else repr(min(max(pd, 0.0), 1.0)),
    }
    for name, value in values.items():
        tape.columns.setdefault(name, []).append(value)
    tape.books.append(row)


def _unmodelled(terms: dict[str, Any]) -> str | None:
    """Why the projection cannot model a loan's schedule, or None when it can."""
    if terms.get("frequency") != "monthly" or int(terms.get("every", 1)) != 1:
        return "frequency"
    if terms.get("method") not in AMORTISATION_OF_METHOD:
        return "method"
    return None


def annual_rate(terms: dict[str, Any]) -> Decimal:
    """The loan's nominal annual rate: a daily rate times its product's days in a year."""
    from creditline.money import Rate, RateUnit

    rate = Rate(Decimal(terms["rate"]), RateUnit(terms["rate_unit"]))
    return rate.annual(DAYS_IN_YEAR.get(str(terms.get("days_in_year")), 365)).normalize()


def grade_of(record: str | None) -> str:
    if record is None:
        return UNRATED
    band = ((json.loads(record).get("assigned") or {}).get("band")) if record else None
    return UNRATED if band is None else str(band)


def _status(loan_status: str, days_past_due: int) -> str:
    if loan_status == "charged-off":
        return "defaulted"
    return "delinquent" if days_past_due > 0 or loan_status == "overdue" else "current"


def _iso(value: Any) -> str:
    return value if isinstance(value, str) else value.isoformat()
