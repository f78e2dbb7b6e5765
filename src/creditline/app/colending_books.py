"""Partner statements and the partner reconciliation (docs/co-lending.md).

- `partner_statement`: a partner's statement for closed business days, from its sub-ledger; the first
  request for a period stores it, later ones return the stored statement unchanged. A period ending
  before the partner was registered is refused.
- `reconcile_partners`: for every partner, its position rebuilt from the journal (its sub-ledger lines)
  against the sum of its parts of every co-lent loan's current totals, movement by movement; plus the
  control totals — the GL's partner accounts equal the sub-ledger mapped through the posting rule, in
  total and entry by entry.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import Engine

from creditline.app.colending import partner_row, stored_partner
from creditline.app.colending_posting import totals_of_row
from creditline.app.common import business_date, new_id
from creditline.money import InvalidDate
from creditline.store import UnitOfWork
from creditline.store.colending_repository import ColendingRepository

STATEMENT_DAYS_MAX = 3_660


def partner_statement(engine: Engine, partner_id: str, period_from: date, period_to: date) -> dict[str, Any]:
    from sqlalchemy.exc import IntegrityError

    if period_to < period_from:
        raise InvalidDate(f"{period_to} is before {period_from}", field="to")
    if (period_to - period_from).days > STATEMENT_DAYS_MAX:
        raise InvalidDate(f"a statement covers at most {STATEMENT_DAYS_MAX} days", field="to")
    try:
        return _statement(engine, partner_id, period_from, period_to)
    except IntegrityError:
        # A concurrent first request for the same period stored its statement first (ours rolled
        # back): that one is the statement, returned as to any later request.
        return _statement(engine, partner_id, period_from, period_to)


def _statement(engine: Engine, partner_id: str, period_from: date, period_to: date) -> dict[str, Any]:
    from creditline.app.partner_settlement import allowance_memo
    from creditline.funding.colending import build_statement

    with UnitOfWork(engine) as uow:
        today = business_date(uow)
        if period_to >= today:
            raise InvalidDate(f"a statement covers closed days; the business date is {today}", field="to")
        repo = ColendingRepository(uow.connection)
        row = partner_row(repo, partner_id)
        if period_to < row["registered_on"]:  # it funded nothing then: such a statement would be stored for good
            raise InvalidDate(
                f"{partner_id} was registered on {row['registered_on']}; a statement period ends on or after that day",
                field="to",
            )
        stored = repo.statement(partner_id, period_from, period_to)
        if stored is not None:
            return json.loads(stored["content_json"]) | {"statement_id": stored["statement_id"]}
        cur = stored_partner(row["content_hash"], row["source_format"], row["source_text"]).currency
        before = _of_currency(repo.line_sums(partner_id, before=period_from), cur.code)
        during = _of_currency(repo.line_sums(partner_id, within=(period_from, period_to)), cur.code)
        content = build_statement(partner_id, cur, (period_from, period_to), before, during).as_dict()
        content |= allowance_memo(uow.connection, partner_id, period_to, cur.code)  # the partner's risk, a memo
        text = json.dumps(content, sort_keys=True)
        statement_id = new_id("ST")
        repo.add_statement(
            {"statement_id": statement_id, "partner_id": partner_id, "period_from": period_from,
             "period_to": period_to, "generated_on": today, "content_json": text,
             "content_hash": hashlib.sha256(text.encode("utf-8")).hexdigest()}
        )  # fmt: skip
        uow.commit()
    return content | {"statement_id": statement_id}


def reconcile_partners(engine: Engine, partner_id: str | None = None) -> dict[str, Any]:
    """Each partner's journal position against its parts of the loans, and the GL control totals."""
    from creditline.funding.colending import PARTNER_ACCOUNTS, PARTNER_RULES

    accounts = [str(a) for a in PARTNER_ACCOUNTS]
    rules = {m: (str(d), str(c)) for m, (d, c) in PARTNER_RULES.items()}
    with UnitOfWork(engine, read_only=True) as uow:
        repo = ColendingRepository(uow.connection)
        partners = [partner_row(repo, partner_id)] if partner_id else repo.partners()
        lines = repo.line_sums()
        loans = _loan_sums(repo)
        gl = repo.gl_partner_sums(accounts)
        disagreeing = repo.entries_disagreeing(accounts, rules)
        running = {c: repo.principal_by_partner(c) for c in {row["currency"] for row in partners}}
    journal = _journal_sums(lines)
    views = [_partner_reconciliation(row, journal, loans, running) for row in partners]
    control = _control_differences(gl, lines, rules, accounts)
    clean = all(v["clean"] for v in views) and not control and not disagreeing
    return {
        "clean": clean,
        "partners": views,
        "control_differences": control,
        "entries_disagreeing": disagreeing,
    }


def _partner_reconciliation(row: dict[str, Any], journal: dict, loans: dict, running: dict) -> dict[str, Any]:
    """One partner: journal against loans movement by movement, and the running principal (what
    allocation reads) against the principal the journal says the partner funds."""
    from creditline.funding.colending import PartnerPosition, reconcile_partner
    from creditline.money import Money

    key = (row["partner_id"], row["currency"])
    differences = reconcile_partner(row["partner_id"], journal.get(key, {}), loans.get(key, {}))
    position = PartnerPosition(row["partner_id"], journal.get(key, {}))

    def text(minor: int) -> str:
        return Money.of_minor(minor, row["currency"]).amount_str()

    principal_minor = running[row["currency"]].get(row["partner_id"], 0)
    return {
        "partner_id": row["partner_id"],
        "currency": row["currency"],
        "clean": not differences and principal_minor == position.principal_outstanding_minor,
        "running_principal": text(principal_minor),
        "accounts": {str(account): text(minor) for account, minor in position.accounts.items()},
        "exposure": {component: text(minor) for component, minor in position.exposure.items()},
        "differences": [
            {"movement": d.movement, "journal": text(d.journal_minor), "loans": text(d.loans_minor)}
            for d in differences
        ],
    }


def _journal_sums(lines: dict[tuple[str, str, str, bool], int]) -> dict[tuple[str, str], dict[str, int]]:
    sums: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (partner_id, currency, movement, _), minor in lines.items():
        sums[(partner_id, currency)][movement] += minor
    return {key: dict(value) for key, value in sums.items()}


def _loan_sums(repo: ColendingRepository) -> dict[tuple[str, str], dict[str, int]]:
    """Every partner's parts of the co-lent loans' current totals, summed per (partner, currency)."""
    from creditline.funding.colending import FundingShares, partner_parts_of_loans

    sums: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for page in repo.co_lent_pages():
        by_currency: dict[str, list] = defaultdict(list)
        for row in page:
            totals = totals_of_row(row["totals_json"], row["interest_accrued_minor"], row["penalty_accrued_minor"])
            by_currency[row["currency"]].append((totals, FundingShares.of(dict(row["shares"]))))
        for currency, loans in by_currency.items():
            for partner_id, parts in partner_parts_of_loans(loans).items():
                target = sums[(partner_id, currency)]
                for movement, minor in parts.items():
                    target[movement] += minor
    return {key: dict(value) for key, value in sums.items()}


def _control_differences(
    gl: dict[tuple[str, str], int], lines: dict, rules: dict[str, tuple[str, str]], accounts: list[str]
) -> list[dict[str, Any]]:
    """The GL's partner accounts (debit-positive) against the sub-ledger mapped through the posting rule."""
    sub: dict[tuple[str, str], int] = defaultdict(int)
    for (_, currency, movement, _), minor in lines.items():
        debit_account, credit_account = rules[movement]
        if debit_account in accounts:
            sub[(debit_account, currency)] += minor
        if credit_account in accounts:
            sub[(credit_account, currency)] -= minor
    return [
        {"account": account, "currency": currency, "general_ledger": gl.get((account, currency), 0),
         "sub_ledger": sub.get((account, currency), 0)}
        for account, currency in sorted(set(gl) | set(sub))
        if gl.get((account, currency), 0) != sub.get((account, currency), 0)
    ]  # fmt: skip


def _of_currency(sums: dict[tuple[str, str, str, bool], int], currency: str) -> dict[tuple[str, bool], int]:
    return {
        (movement, recovery): minor for (_, cur, movement, recovery), minor in sums.items() if cur == currency
    }
