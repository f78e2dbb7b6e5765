"""Co-lending on the posting paths: allocate at drawdown, and post the partners' parts of every change.

- `fund_drawdown` runs inside `app.loans.draw`'s unit of work: it allocates the new loan among the
  partners (locking their rows, in id order, so two drawdowns cannot both spend the last of an
  appetite), writes the loan's shares, and adds the drawdown's journal entry with the partners'
  parts of the disbursement in it.
- `add_entry` runs wherever a command on an existing loan posts its entry: it adds the partners'
  parts of whatever moved since they were last posted (the loan's *basis*) to the same entry.
- `post_partner_shares` is an end-of-day CLOSE stage after `accrue`: one entry per currency with
  the partners' parts of the day's accruals and of anything another path changed (auto-debit, say).

Every path posts `split(totals now) - split(basis)` and moves the basis, so no path can post a part
twice or lose one, and the parts never drift from the split of the loan's whole history.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from creditline.app.colending import active_rules, stored_partner
from creditline.app.eod_stages import Phase, Stage, register
from creditline.ledger import JournalEntry, Posting, shard_of
from creditline.store import UnitOfWork
from creditline.store.colending_repository import ColendingRepository
from creditline.store.loan_repository import ACCRUED_TOTALS

CHARGED_OFF = "charged-off"

# The end-of-day stage registers itself with the pipeline here: `app.loans` imports this module, so
# every process that can run end of day has it, right after the day's accrual.
register(Stage("colending", "creditline.app.colending_eod:post_partner_shares", Phase.CLOSE), after="accrue")


def fund_drawdown(
    uow: UnitOfWork, *, contract: Any, state: Any, entry: JournalEntry, on: date
) -> tuple[JournalEntry, dict[str, Any] | None]:
    """Allocate the new loan, record its shares and post its entry (the partners' parts in it).

    Returns the entry as posted and the loan's funding (None when no active partner exists at all).
    """
    from creditline.funding.colending import LoanToFund, PartnerStanding, allocate

    repo = ColendingRepository(uow.connection)
    cur = state.currency
    rows = repo.partners(currency=cur.code, active_only=True)
    if not rows:
        uow.journal.add(entry)
        return entry, None
    rules, jurisdiction, min_own_bp = active_rules()
    repo.lock_partners([row["partner_id"] for row in rows])
    outstanding = repo.principal_by_partner(cur.code)
    standings = [
        PartnerStanding(stored_partner(r["content_hash"], r["source_format"], r["source_text"]), outstanding.get(r["partner_id"], 0))
        for r in rows
    ]  # fmt: skip
    loan = LoanToFund(
        contract.terms.principal, contract.terms.installments, _risk_grade(uow, contract.line_id)
    )
    allocation = allocate(
        loan, standings, book_outstanding_minor=repo.book_principal(cur.code), min_own_bp=min_own_bp
    )
    shares = allocation.shares
    totals = _split_totals_of(state.totals.as_minor())
    shard = shard_of(contract.borrower_id)
    posted = _post(uow, repo, entry, shares, totals, dict.fromkeys(totals, 0), shard=shard, loan_id=contract.loan_id,
                   borrower_id=contract.borrower_id, recovery=False)  # fmt: skip
    repo.add_funding(
        {
            "loan_id": contract.loan_id, "borrower_id": contract.borrower_id, "currency": cur.code, "shard": shard,
            "co_lent": shares.co_lent, "platform_share_bp": shares.platform_bp, "jurisdiction": jurisdiction,
            "rules_version": rules.version, "min_own_share_bp": min_own_bp, "policy": allocation.policy,
            "decisions_json": json.dumps([_decision(d) for d in allocation.decisions]), "funded_on": on,
            **{f"basis_{k}": v for k, v in row_form(state.totals.as_minor()).items()},
            "basis_version": 0, "basis_charged_off": False,
        },
        [
            {"loan_id": contract.loan_id, "partner_id": partner_id, "partner_version": allocation.version_of(partner_id),
             "share_bp": bp, "borrower_id": contract.borrower_id}
            for partner_id, bp in shares.partners
        ],
    )  # fmt: skip
    return posted, funding_view(
        shares, contract.terms.principal, [_decision(d) for d in allocation.decisions]
    )


def add_entry(
    uow: UnitOfWork, entry: JournalEntry, *, loan_id: str, totals: Any, version: int, status: str
) -> JournalEntry:
    """Post a command's entry on a loan with the partners' parts of what moved since their basis."""
    repo = ColendingRepository(uow.connection)
    funding = repo.funding(loan_id)
    if funding is None or not funding["co_lent"]:
        uow.journal.add(entry)
        return entry
    from creditline.funding.colending import FundingShares

    shares = FundingShares(funding["platform_share_bp"], tuple((p, bp) for p, bp, _ in funding["shares"]))
    basis = totals_of_row(funding["basis_totals_json"], funding["basis_interest_accrued_minor"],
                          funding["basis_penalty_accrued_minor"])  # fmt: skip
    after = _split_totals_of(totals.as_minor())
    posted = _post(uow, repo, entry, shares, after, basis, shard=funding["shard"],
                   loan_id=loan_id, borrower_id=funding["borrower_id"], recovery=funding["basis_charged_off"])  # fmt: skip
    repo.set_basis(loan_id, row_form(totals.as_minor()), version, status == CHARGED_OFF)
    return posted


def _post(
    uow: UnitOfWork, repo: ColendingRepository, entry: JournalEntry, shares: Any, after: dict[str, int],
    before: dict[str, int], *, shard: int, loan_id: str, borrower_id: str, recovery: bool,
) -> JournalEntry:  # fmt: skip
    from creditline.funding.colending import partner_postings, split_delta

    cur = entry.postings[0].amount.currency
    deltas = dict(zip(shares.parties[1:], split_delta(after, before, shares.weights, cur)[1:], strict=True))
    posted = with_postings(entry, partner_postings([(shard, d) for d in deltas.values()], cur))
    uow.journal.add(posted)
    repo.add_lines(
        [
            {"entry_id": posted.entry_id, "partner_id": partner_id, "loan_id": loan_id, "borrower_id": borrower_id,
             "shard": shard, "business_date": posted.business_date, "currency": cur.code, "movement": movement,
             "recovery": recovery and movement.endswith("_repaid"), "amount_minor": minor}
            for partner_id, delta in deltas.items()
            for movement, minor in delta.items()
            if minor != 0
        ]
    )  # fmt: skip
    repo.add_principal(principal_changes(((p, shard, d) for p, d in deltas.items()), cur.code))
    return posted


def with_postings(entry: JournalEntry, extra: list[Posting]) -> JournalEntry:
    """The entry with more postings, netted per (account, shard, loan): one line per account as before."""
    if not extra:
        return entry
    from creditline.ledger import CHART
    from creditline.money import Money

    net: dict[tuple[Any, int, str | None, Any], int] = defaultdict(int)
    for p in (*entry.postings, *extra):
        net[(p.account, p.shard, p.loan_id, p.amount.currency)] += p.amount.minor
    postings = tuple(
        Posting(account, Money(minor, cur), shard, loan_id)
        for (account, shard, loan_id, cur), minor in sorted(net.items(), key=lambda kv: (CHART[kv[0][0]].number, kv[0][1], kv[0][2] or "", kv[0][3].code))
        if minor != 0
    )  # fmt: skip
    return JournalEntry(entry.entry_id, entry.idempotency_key, entry.business_date, entry.reference, postings,
                        entry.borrower_id, entry.memo)  # fmt: skip


def principal_changes(
    parts: Iterable[tuple[str, int, dict[str, int]]], currency: str
) -> list[dict[str, Any]]:
    """Changes of each partner's principal outstanding per shard: disbursed less repaid and written off."""
    sums: dict[tuple[str, int], int] = defaultdict(int)
    for partner_id, shard, delta in parts:
        sums[(partner_id, shard)] += (
            delta.get("disbursed", 0)
            - delta.get("principal_repaid", 0)
            - delta.get("principal_written_off", 0)
        )
    return [
        {"partner_id": p, "shard": s, "currency": currency, "principal_minor": minor}
        for (p, s), minor in sorted(sums.items())
        if minor != 0
    ]


def funding_view(shares: Any, principal: Any, decisions: list[dict[str, Any]]) -> dict[str, Any]:
    from creditline.funding.colending import bp_text

    parts = principal.allocate(list(shares.weights))
    return {
        "funders": [
            {"party": party, "share": bp_text(bp), "principal": part.amount_str()}
            for party, bp, part in zip(shares.parties, shares.weights, parts, strict=True)
        ],
        "own_share": bp_text(shares.platform_bp),
        "decisions": decisions,
    }


def _decision(decision: Any) -> dict[str, Any]:
    return {"partner_id": decision.partner_id, "version": decision.version, "share_bp": decision.share_bp,
            "reason": decision.reason}  # fmt: skip


def row_form(totals_minor: dict[str, int]) -> dict[str, Any]:
    """Totals as the loan row keeps them (`store.loan_repository.snapshot_values`): the JSON text of all
    but the two accruals, which are columns. A basis kept this way lets end of day see by comparing
    text that a loan's only change was its accrual."""
    text = json.dumps({k: v for k, v in totals_minor.items() if k not in ACCRUED_TOTALS}, sort_keys=True)
    return {
        "totals_json": text,
        "interest_accrued_minor": totals_minor["interest_accrued"],
        "penalty_accrued_minor": totals_minor["penalty_accrued"],
    }


def totals_of_row(
    totals_json: str, interest_accrued_minor: int, penalty_accrued_minor: int
) -> dict[str, int]:
    """The split movements of a loan row's totals (the inverse of `row_form`)."""
    totals = json.loads(totals_json)
    totals["interest_accrued"], totals["penalty_accrued"] = interest_accrued_minor, penalty_accrued_minor
    return _split_totals_of(totals)


def _split_totals_of(totals_minor: dict[str, int]) -> dict[str, int]:
    from creditline.funding.colending import SPLIT_MOVEMENTS

    return {m: int(totals_minor.get(m, 0)) for m in SPLIT_MOVEMENTS}


def _risk_grade(uow: UnitOfWork, line_id: str) -> str | None:
    """The risk grade (band) of the decision that opened the line; None for a line opened without one."""
    from creditline.store.servicing_repository import ServicingRepository

    record = ServicingRepository(uow.connection).origination_record_of_line(line_id)
    band = ((record or {}).get("assigned") or {}).get("band")
    return None if band is None else str(band)
