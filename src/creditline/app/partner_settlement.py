"""Settling with co-lending partners (docs/co-lending.md, "Settlement").

- `remit_partner`: pay a partner the collections held for it (its part of every repayment and
  recovery on the loans it funds, booked in partner payable) through a closed business day: one entry
  (debit partner payable, credit settlement cash) and a `remitted` line in its sub-ledger, which its
  statement shows. Idempotent per (partner, date): the same date again returns the first remittance;
  an earlier date than one already remitted is refused. The partner's row is locked for the
  remittance, so two remittances of one partner never pay the same collections twice.
- `book_allowance_shares`: end of day (the `funding` stage, after `provision`): each partner's share
  of the loss allowance on the loans it funds — the allowance on each co-lent loan's drawn balance,
  split by the loan's funding shares (largest remainder) — recorded per run. The allowance stays
  booked on the whole loan (the platform carries the whole loan); the partners' share is their risk,
  shown in their statements as a memo (`allowance_memo`), not posted (the treatment is documented).
- `partner_funding`: every partner's balances, concentration and appetite use (console, API).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, Engine

from creditline.app.colending import partner_row, stored_partner
from creditline.app.common import business_date, new_id
from creditline.store import UnitOfWork
from creditline.store.colending_repository import ColendingRepository
from creditline.store.securitisation_repository import SecuritisationRepository


def remit_partner(engine: Engine, partner_id: str, through: date) -> dict[str, Any]:
    """Pay the partner what is held for it from collections of days up to `through` (a closed day)."""
    from creditline.app.securitisation_errors import RemittanceOutOfOrder
    from creditline.money import InvalidDate

    with UnitOfWork(engine) as uow:
        today = business_date(uow)
        colending = ColendingRepository(uow.connection)
        row = partner_row(colending, partner_id)
        colending.lock_partners([partner_id])  # one remittance of a partner at a time
        repo = SecuritisationRepository(uow.connection)
        if (stored := repo.remittance(partner_id, through)) is not None:
            return remittance_view(stored)
        if through >= today:
            raise InvalidDate(f"a remittance pays collections of closed days; the business date is {today}", field="date")
        later = [r["through_date"] for r in repo.remittances(partner_id) if r["through_date"] > through]
        if later:
            raise RemittanceOutOfOrder(
                f"collections through {later[-1]} were remitted already; remit a later date", field="date"
            )
        code = row["currency"]
        due = _held(colending, partner_id, code, through)
        entry_id = _post(uow, colending, partner_id, code, due, today, through)
        stored = {"partner_id": partner_id, "through_date": through, "remittance_id": new_id("RM"), "currency": code,
                  "amount_minor": due, "entry_id": entry_id, "paid_on": today}  # fmt: skip
        repo.add_remittance(stored)
        uow.commit()
    return remittance_view(stored)


def _held(colending: ColendingRepository, partner_id: str, code: str, through: date) -> int:
    """Collected for the partner on days up to `through`, less everything remitted to it so far."""
    from creditline.funding.colending.posting import REMITTED

    collected = sum(
        minor for (_, cur, movement, _), minor in colending.line_sums(partner_id, before=through + timedelta(days=1)).items()
        if cur == code and movement.endswith("_repaid")
    )  # fmt: skip
    remitted = sum(
        minor for (_, cur, movement, _), minor in colending.line_sums(partner_id).items()
        if cur == code and movement == REMITTED
    )  # fmt: skip
    return collected - remitted


def _post(uow: UnitOfWork, colending: ColendingRepository, partner_id: str, code: str, due: int, today: date,
          through: date) -> str | None:  # fmt: skip
    from creditline.funding.colending.posting import REMITTED
    from creditline.ledger import JournalEntry, shard_of

    if not due:
        return None
    shard = shard_of(partner_id)
    postings = _remittance_postings(shard, due, code)
    entry = JournalEntry(new_id("JE"), f"partner-remit:{partner_id}:{through.isoformat()}", today,
                         f"partner-remit:{partner_id}", tuple(postings), None,
                         f"collections through {through.isoformat()} remitted to {partner_id}")  # fmt: skip
    uow.journal.add(entry)
    colending.add_lines([{"entry_id": entry.entry_id, "partner_id": partner_id, "loan_id": None, "borrower_id": None,
                          "shard": shard, "business_date": today, "currency": code, "movement": REMITTED,
                          "recovery": False, "amount_minor": due}])  # fmt: skip
    return entry.entry_id


def _remittance_postings(shard: int, due: int, code: str) -> list[Any]:
    from creditline.funding.colending.posting import PARTNER_RULES, REMITTED
    from creditline.ledger import Posting
    from creditline.money import Money, currency

    debit_account, credit_account = PARTNER_RULES[REMITTED]
    amount = Money(due, currency(code))
    return [Posting(debit_account, amount, shard), Posting(credit_account, -amount, shard)]


def remittance_view(row: dict[str, Any]) -> dict[str, Any]:
    from creditline.money import Money

    return {
        "remittance_id": row["remittance_id"], "partner_id": row["partner_id"],
        "through": row["through_date"].isoformat(), "paid_on": row["paid_on"].isoformat(),
        "currency": row["currency"], "amount": Money.of_minor(row["amount_minor"], row["currency"]).amount_str(),
        "entry_id": row["entry_id"],
    }  # fmt: skip


# -- the partners' share of the loss allowance ----------------------------------------------------------


def book_allowance_shares(uow: Any, context: Any) -> dict[str, Any]:
    """Record each partner's share of the allowance on the drawn balance of the loans it funds."""
    from creditline.app.eod_classify import SNAPSHOT_KEY

    repo = SecuritisationRepository(uow.connection)
    frame, _ = context.shared[SNAPSHOT_KEY]
    shares = repo.co_lent_shares()
    rows = _allowance_rows(frame, shares, context.provisioning_policy, context.run_date) if shares else []
    repo.add_allowance_shares(context.run_date, rows)
    return {"partners": len(rows), "allowance_minor": sum(r["allowance_minor"] for r in rows)}


def _allowance_rows(frame: Any, shares: dict[str, tuple[tuple[str, ...], tuple[int, ...]]], policy: Any,
                    as_of: date) -> list[dict[str, Any]]:  # fmt: skip
    """Each partner's part of the drawn allowance, loans grouped by their partners (numpy per group)."""
    import numpy as np
    import polars as pl

    from creditline.funding.colending.split import allocate_batch

    drawn = _drawn_allowance(frame.filter(pl.col("loan_id").is_in(list(shares))), policy)
    funding = [shares[loan_id] for loan_id in drawn["loan_id"]]
    codes = np.asarray(drawn["currency"], dtype=object)
    groups: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, (partners, _) in enumerate(funding):
        groups[partners].append(i)
    sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for partners, rows in groups.items():
        index = np.asarray(rows, dtype=np.int64)
        parts = allocate_batch(drawn["ecl_minor"][index], np.array([funding[i][1] for i in rows], dtype=np.int64))
        for code in set(codes[index].tolist()):
            mask = codes[index] == code
            for column, partner_id in enumerate(partners, start=1):
                pair = sums[(partner_id, code)]
                pair[0] += int(parts[mask, column].sum())
                pair[1] += int(mask.sum())
    return [{"as_of": as_of, "partner_id": p, "currency": c, "allowance_minor": m, "loans": n}
            for (p, c), (m, n) in sorted(sums.items())]  # fmt: skip


def _drawn_allowance(frame: Any, policy: Any) -> dict[str, Any]:
    """Per co-lent loan on book or charged off: the allowance on its drawn balance (minor units).

    The provision stage's rule (`servicing.provisioning.allowance`) without the undrawn limit's part:
    on book, the loan's ECL times drawn over EAD; charged off, drawn times the policy's LGD."""
    import numpy as np
    import polars as pl

    from creditline.portfolio.ecl import EclAssumptions, ecl_table, round_minor_batch
    from creditline.portfolio.snapshot import drawn_expr

    on_book = ecl_table(frame, EclAssumptions(ccf=policy.ccf, lgd_pool=policy.lgd))
    book = on_book.join(frame.select("loan_id", "currency", drawn_expr().cast(pl.Float64).alias("drawn")),
                        on="loan_id", how="left")  # fmt: skip
    ead = book.get_column("ead").to_numpy()
    ecl = book.get_column("ecl_minor").to_numpy().astype(np.float64)
    share = np.divide(book.get_column("drawn").to_numpy(), ead, out=np.zeros_like(ead), where=ead > 0)
    charged = frame.filter(pl.col("status") == "charged_off")
    charged_ecl = round_minor_batch(charged.select(drawn_expr().cast(pl.Float64)).to_series().to_numpy() * float(policy.lgd))
    return {
        "loan_id": [*book.get_column("loan_id").to_list(), *charged.get_column("loan_id").to_list()],
        "currency": [*book.get_column("currency").to_list(), *charged.get_column("currency").to_list()],
        "ecl_minor": np.concatenate((round_minor_batch(ecl * share), charged_ecl)).astype(np.int64),
    }


def allowance_memo(connection: Connection, partner_id: str, period_to: date, code: str) -> dict[str, Any]:
    """The statement's memo: the partner's allowance share as the end of day after `period_to` booked it."""
    from creditline.money import Money

    row = SecuritisationRepository(connection).allowance_share(partner_id, period_to + timedelta(days=1))
    minor = row["allowance_minor"] if row is not None and row["currency"] == code else 0
    return {"allowance_share": {"amount": Money.of_minor(minor, code).amount_str(),
                                "as_of": None if row is None else row["as_of"].isoformat()}}  # fmt: skip


# -- the partners at a glance ----------------------------------------------------------------------------


def partner_funding(engine: Engine) -> list[dict[str, Any]]:
    """Each partner: principal funded, payable held, concentration in the book, appetite used, allowance share."""
    from creditline.funding.colending import PartnerPosition
    from creditline.money import Money

    with UnitOfWork(engine, read_only=True) as uow:
        colending = ColendingRepository(uow.connection)
        repo = SecuritisationRepository(uow.connection)
        partners = colending.partners()
        lines = colending.line_sums()
        books = {code: colending.book_principal(code) for code in {p["currency"] for p in partners}}
        principal = {code: colending.principal_by_partner(code) for code in books}
        today = business_date(uow)
        allowance = {p["partner_id"]: repo.allowance_share(p["partner_id"], today) for p in partners}
    views = []
    for row in partners:
        partner = stored_partner(row["content_hash"], row["source_format"], row["source_text"])
        code, pid = row["currency"], row["partner_id"]
        movements: dict[str, int] = defaultdict(int)
        for (p, c, movement, _), minor in lines.items():
            if p == pid and c == code:
                movements[movement] += minor
        payable = PartnerPosition(pid, dict(movements)).accounts
        funded = principal[code].get(pid, 0)
        share = allowance[pid]

        def text(minor: int, code: str = code) -> str:
            return Money.of_minor(minor, code).amount_str()

        views.append({
            "partner_id": pid, "name": row["name"], "currency": code, "active": row["active"],
            "principal_outstanding": text(funded), "payable": text(_payable_of(payable)),
            "concentration": _ratio(funded, books[code]), "concentration_limit": _ratio(partner.concentration_limit_bp, 10_000),
            "appetite_used": _ratio(funded, partner.appetite.balance_max.minor),
            "balance_max": partner.appetite.balance_max.amount_str(),
            "allowance_share": text(share["allowance_minor"] if share and share["currency"] == code else 0),
        })  # fmt: skip
    return views


def _payable_of(accounts: dict[Any, int]) -> int:
    from creditline.ledger import Account

    return accounts.get(Account.PARTNER_PAYABLE, 0)


def _ratio(part: int, whole: int) -> str:
    """A share as a percentage with two decimals ("12.34%"); "0%" of nothing."""
    from decimal import ROUND_HALF_UP, Decimal

    if whole <= 0:
        return "0%"
    return f"{(Decimal(part) * 100 / Decimal(whole)).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}%"


def partner_remittances(engine: Engine, partner_id: str) -> list[dict[str, Any]]:
    with UnitOfWork(engine, read_only=True) as uow:
        partner_row(ColendingRepository(uow.connection), partner_id)
        rows = SecuritisationRepository(uow.connection).remittances(partner_id)
    return [remittance_view(row) for row in rows]
