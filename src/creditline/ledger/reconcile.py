"""Reconciliation: rebuild each loan's balances from the journal and compare with the loan's state.

Both sides are plain integers of minor units so the store can compute either side set-based in SQL
and the comparison stays here, pure.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields

from creditline.ledger.accounts import Account
from creditline.ledger.journal import Posting

MISMATCHES_MAX = 1_000  # enough to diagnose; a broken journal would otherwise list every loan


@dataclass(frozen=True, slots=True)
class LoanBalances:
    principal_minor: int = 0
    interest_minor: int = 0
    penalty_minor: int = 0
    fee_minor: int = 0
    credit_balance_minor: int = 0  # what the lender owes the borrower (a liability, so credit-normal)


# per-loan account -> (LoanBalances field, sign turning the debit-positive sum into the balance)
LOAN_ACCOUNT_FIELDS: dict[Account, tuple[str, int]] = {
    Account.LOANS_PRINCIPAL: ("principal_minor", 1),
    Account.INTEREST_RECEIVABLE: ("interest_minor", 1),
    Account.PENALTY_RECEIVABLE: ("penalty_minor", 1),
    Account.FEE_RECEIVABLE: ("fee_minor", 1),
    Account.BORROWER_CREDIT: ("credit_balance_minor", -1),
}


@dataclass(frozen=True, slots=True)
class Mismatch:
    loan_id: str
    field: str
    journal_minor: int
    loan_minor: int


def balances_from_postings(postings: Iterable[Posting]) -> dict[str, LoanBalances]:
    sums: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for posting in postings:
        if posting.loan_id is None or posting.account not in LOAN_ACCOUNT_FIELDS:
            continue
        name, sign = LOAN_ACCOUNT_FIELDS[posting.account]
        sums[posting.loan_id][name] += sign * posting.amount.minor
    return {loan_id: LoanBalances(**values) for loan_id, values in sums.items()}


def reconcile(journal: Mapping[str, LoanBalances], loans: Mapping[str, LoanBalances]) -> list[Mismatch]:
    """Every difference between the journal's view of a loan and the loan's own, loan by loan."""
    mismatches: list[Mismatch] = []
    empty = LoanBalances()
    for loan_id in sorted(set(journal) | set(loans)):
        left, right = journal.get(loan_id, empty), loans.get(loan_id, empty)
        for item in fields(LoanBalances):
            journal_minor, loan_minor = getattr(left, item.name), getattr(right, item.name)
            if journal_minor != loan_minor:
                mismatches.append(Mismatch(loan_id, item.name, journal_minor, loan_minor))
                if len(mismatches) >= MISMATCHES_MAX:
                    return mismatches
    return mismatches
