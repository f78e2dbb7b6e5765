"""The chart of accounts and the shard key that spreads aggregate accounts over many balance rows.

Per-loan accounts (receivables, the borrower's credit balance) carry the loan id on every posting,
which is what lets reconciliation rebuild each loan from the journal. Aggregate accounts (cash,
income, expense) are split per shard, derived from the borrower id, so that concurrent commands of
different borrowers update different balance rows (ARCHITECTURE.md, "Scale-out shape").
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from enum import StrEnum

# 64 rows per aggregate account keep 8-32 concurrent writers mostly apart; a power of two lets a
# distributed store re-split shards without re-keying (shard % new_count stays consistent).
SHARD_COUNT = 64


class AccountType(StrEnum):
    ASSET = "asset"
    CONTRA_ASSET = "contra-asset"
    LIABILITY = "liability"
    INCOME = "income"
    CONTRA_INCOME = "contra-income"  # reduces an income line; debit-normal (promotional discounts)
    CONTRA_EXPENSE = "contra-expense"  # reduces an expense line; credit-normal (losses co-lending partners bear)
    EXPENSE = "expense"
    EQUITY = "equity"


class NormalSide(StrEnum):
    DEBIT = "debit"
    CREDIT = "credit"


class Account(StrEnum):
    SETTLEMENT_CASH = "settlement_cash"
    LOANS_PRINCIPAL = "loans_principal"
    INTEREST_RECEIVABLE = "interest_receivable"
    PENALTY_RECEIVABLE = "penalty_receivable"
    FEE_RECEIVABLE = "fee_receivable"
    LOSS_ALLOWANCE = "loss_allowance"
    BORROWER_CREDIT = "borrower_credit"
    PARTNER_PAYABLE = "partner_payable"
    PARTNER_FUNDING = "partner_funding"  # co-lending: partners' share of the loans (docs/co-lending.md)
    INTEREST_INCOME = "interest_income"
    PENALTY_INCOME = "penalty_income"
    FEE_INCOME = "fee_income"
    CREDIT_LOSS_EXPENSE = "credit_loss_expense"
    PROMOTIONAL_DISCOUNT = "promotional_discount"  # interest given up under coupons (docs/promotions.md)
    PARTNER_INCOME = "partner_income"  # co-lending: partners' share of income, passed through to them
    PARTNER_LOSSES = "partner_losses"  # co-lending: partners' share of credit losses
    # securitisation (docs/securitisation.md, "The trust in the books"): the loans stay on the books
    TRUST_FUNDING = "trust_funding"  # the trusts' claim on the principal of the loans sold to them
    TRUST_PAYABLE = "trust_payable"  # collections on sold loans owed to their trust until remitted
    TRUST_INCOME = "trust_income"  # interest, penalty and fees collected on sold loans, passed through
    TRUST_LOSSES = "trust_losses"  # sold principal written off, borne by the trust
    RETAINED_NOTES = "retained_notes"  # the ABS notes the platform keeps (the subordinated tranche), at par
    RETAINED_NOTES_INCOME = "retained_notes_income"  # their coupon and the residual
    RETAINED_NOTES_LOSSES = "retained_notes_losses"  # their write-downs
    ABS_DISCOUNT = "abs_discount"  # what the platform got for a pool below the trust's claim, unamortised
    ABS_FUNDING_COST = "abs_funding_cost"  # that discount, amortised as the pool runs off
    SERVICING_FEE_RECEIVABLE = "servicing_fee_receivable"  # the servicing fee a trust owes
    SERVICING_FEE_INCOME = "servicing_fee_income"


@dataclass(frozen=True, slots=True)
class AccountSpec:
    number: str
    name: str
    type: AccountType
    per_loan: bool  # postings carry a loan id and reconcile against the loan's own state

    @property
    def normal_side(self) -> NormalSide:
        debit_types = (AccountType.ASSET, AccountType.EXPENSE, AccountType.CONTRA_INCOME)
        return NormalSide.DEBIT if self.type in debit_types else NormalSide.CREDIT


CHART: dict[Account, AccountSpec] = {
    Account.SETTLEMENT_CASH: AccountSpec("1000", "Settlement cash", AccountType.ASSET, False),
    Account.LOANS_PRINCIPAL: AccountSpec("1100", "Loans receivable, principal", AccountType.ASSET, True),
    Account.INTEREST_RECEIVABLE: AccountSpec("1110", "Interest receivable", AccountType.ASSET, True),
    Account.PENALTY_RECEIVABLE: AccountSpec("1120", "Penalty interest receivable", AccountType.ASSET, True),
    Account.FEE_RECEIVABLE: AccountSpec("1130", "Fees receivable", AccountType.ASSET, True),
    Account.LOSS_ALLOWANCE: AccountSpec("1190", "Loss allowance", AccountType.CONTRA_ASSET, False),
    Account.BORROWER_CREDIT: AccountSpec("2100", "Borrower credit balances", AccountType.LIABILITY, True),
    Account.PARTNER_PAYABLE: AccountSpec("2200", "Partner payables", AccountType.LIABILITY, False),
    Account.INTEREST_INCOME: AccountSpec("4000", "Interest income", AccountType.INCOME, False),
    Account.PENALTY_INCOME: AccountSpec("4010", "Penalty interest income", AccountType.INCOME, False),
    Account.FEE_INCOME: AccountSpec("4020", "Fee income", AccountType.INCOME, False),
    Account.CREDIT_LOSS_EXPENSE: AccountSpec("5000", "Credit-loss expense", AccountType.EXPENSE, False),
    Account.PROMOTIONAL_DISCOUNT: AccountSpec(
        "4090", "Interest income: promotional discounts", AccountType.CONTRA_INCOME, False
    ),
    Account.PARTNER_FUNDING: AccountSpec("2210", "Partner funding of loans", AccountType.LIABILITY, False),
    Account.PARTNER_INCOME: AccountSpec("4095", "Income passed to partners", AccountType.CONTRA_INCOME, False),
    Account.PARTNER_LOSSES: AccountSpec("5010", "Losses borne by partners", AccountType.CONTRA_EXPENSE, False),
    Account.SERVICING_FEE_RECEIVABLE: AccountSpec("1310", "Servicing fees receivable", AccountType.ASSET, False),
    Account.RETAINED_NOTES: AccountSpec("1320", "Retained ABS notes", AccountType.ASSET, False),
    Account.ABS_DISCOUNT: AccountSpec("1330", "Unamortised ABS discount", AccountType.ASSET, False),
    Account.TRUST_FUNDING: AccountSpec("2300", "Trust funding of sold loans", AccountType.LIABILITY, False),
    Account.TRUST_PAYABLE: AccountSpec("2310", "Collections owed to trusts", AccountType.LIABILITY, False),
    Account.SERVICING_FEE_INCOME: AccountSpec("4030", "Servicing fee income", AccountType.INCOME, False),
    Account.RETAINED_NOTES_INCOME: AccountSpec("4040", "Income on retained ABS notes", AccountType.INCOME, False),
    Account.TRUST_INCOME: AccountSpec("4096", "Income passed to trusts", AccountType.CONTRA_INCOME, False),
    Account.TRUST_LOSSES: AccountSpec("5020", "Losses borne by trusts", AccountType.CONTRA_EXPENSE, False),
    Account.RETAINED_NOTES_LOSSES: AccountSpec("5030", "Losses on retained ABS notes", AccountType.EXPENSE, False),
    Account.ABS_FUNDING_COST: AccountSpec("5040", "ABS funding cost", AccountType.EXPENSE, False),
}


def shard_of(borrower_id: str, shard_count: int = SHARD_COUNT) -> int:
    """The shard of a borrower: stable across processes and machines (CRC-32, not Python's hash)."""
    assert shard_count > 0, "a shard count must be positive"
    return zlib.crc32(borrower_id.encode("utf-8")) % shard_count
