"""The general ledger: chart of accounts, balanced journal entries, trial balance, reconciliation.

Pure: values in, values out. Imports nothing of creditline's but `money` and the error kernel.
"""

from creditline.ledger.accounts import (
    CHART,
    SHARD_COUNT,
    Account,
    AccountSpec,
    AccountType,
    NormalSide,
    shard_of,
)
from creditline.ledger.errors import LedgerError, UnbalancedEntry
from creditline.ledger.journal import JournalEntry, Posting, credit, debit
from creditline.ledger.posting_rules import TOTALS_RULES, accrual_postings, postings_for_totals_delta
from creditline.ledger.reconcile import LoanBalances, Mismatch, balances_from_postings, reconcile
from creditline.ledger.trial_balance import TrialBalance, TrialBalanceLine, trial_balance

__all__ = [
    "CHART",
    "SHARD_COUNT",
    "TOTALS_RULES",
    "Account",
    "AccountSpec",
    "AccountType",
    "JournalEntry",
    "LedgerError",
    "LoanBalances",
    "Mismatch",
    "NormalSide",
    "Posting",
    "TrialBalance",
    "TrialBalanceLine",
    "UnbalancedEntry",
    "accrual_postings",
    "balances_from_postings",
    "credit",
    "debit",
    "postings_for_totals_delta",
    "reconcile",
    "shard_of",
    "trial_balance",
]
