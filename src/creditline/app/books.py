"""The books: trial balance and reconciliation of every loan against the journal."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Engine

from creditline.errors import DomainError
from creditline.ledger import CHART, Account, LoanBalances, Mismatch, TrialBalance, reconcile, trial_balance
from creditline.ledger.reconcile import LOAN_ACCOUNT_FIELDS, MISMATCHES_MAX
from creditline.store import UnitOfWork


def trial_balance_now(engine: Engine) -> TrialBalance:
    with UnitOfWork(engine, read_only=True) as uow:
        return trial_balance(uow.journal.balance_rows())


def balance_accounts_outside_chart(engine: Engine) -> list[str]:
    """Accounts of the running balances that the chart does not have (no trial balance line can hold them)."""
    with UnitOfWork(engine, read_only=True) as uow:
        return sorted({row[0] for row in uow.journal.balance_rows()} - {str(account) for account in CHART})


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    loans_checked: int
    mismatches: list[Mismatch]
    # (account, currency, GL summary total, sum of the loans' sub-ledger) where they differ
    control_differences: list[tuple[str, str, int, int]]
    unbalanced_entries: list[tuple[str, str, int]]
    balances_match_postings: bool
    trial_balance_balanced: bool
    notes: list[str] = field(default_factory=list)
    unknown_accounts: list[str] = field(default_factory=list)  # in postings or running balances, not in the chart
    # (account, shard, currency, (debits, credits) kept, (debits, credits) of the postings) where they differ
    balance_differences: list[tuple[str, int, str, tuple[int, int], tuple[int, int]]] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return (
            not self.mismatches
            and not self.control_differences
            and not self.unbalanced_entries
            and self.balances_match_postings
            and self.trial_balance_balanced
            and not self.unknown_accounts
        )


def reconcile_books(engine: Engine) -> ReconcileReport:
    """Rebuild each loan from the journal (its own postings plus its share of the EOD accrual
    summaries, kept in the loan's sub-ledger columns), compare with the loan's state, and check
    that the GL's summary totals equal the sum of the sub-ledger."""
    with UnitOfWork(engine, read_only=True) as uow:
        loan_sums = uow.journal.loan_account_sums()
        loan_rows = uow.loans.balance_rows()
        # Every posting that names no loan, whatever its reference: on a per-loan account only EOD's
        # accrual summaries may carry one, and the loans' sub-ledger columns must add up to them.
        summary = uow.journal.summary_sums()
        unbalanced = uow.journal.unbalanced_entries()
        balance_rows = uow.journal.balance_rows()
        kept, posted = uow.journal.shard_balances(), uow.journal.shard_posting_sums()
    chart = {str(account) for account in CHART}
    named = {row[0] for row in [*balance_rows, *summary]} | {account for _, account, _ in loan_sums}
    unknown = sorted(named - chart)
    from_balances = trial_balance(row for row in balance_rows if row[0] in chart)
    journal: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for loan_id, account, sum_minor in loan_sums:
        if account not in LOAN_ACCOUNT_FIELDS:  # outside the chart, or a loan id on an account that takes none
            if account in chart:
                unknown.append(f"{account} (a loan id on an account that takes none)")
            continue
        name, sign = LOAN_ACCOUNT_FIELDS[Account(account)]
        journal[loan_id][name] += sign * sum_minor
    loans: dict[str, LoanBalances] = {}
    subledger: dict[tuple[str, str], int] = defaultdict(int)
    for row in loan_rows:
        loans[row["loan_id"]] = LoanBalances(
            row["principal_outstanding_minor"],
            row["interest_receivable_minor"],
            row["penalty_receivable_minor"],
            row["fee_receivable_minor"],
            row["credit_balance_minor"],
        )
        journal[row["loan_id"]]["interest_minor"] += row["eod_interest_posted_minor"]
        journal[row["loan_id"]]["penalty_minor"] += row["eod_penalty_posted_minor"]
        subledger[(str(Account.INTEREST_RECEIVABLE), row["currency"])] += row["eod_interest_posted_minor"]
        subledger[(str(Account.PENALTY_RECEIVABLE), row["currency"])] += row["eod_penalty_posted_minor"]
    gl = {(account, currency): s for account, currency, s in summary}
    control = [
        (account, currency, gl.get((account, currency), 0), subledger.get((account, currency), 0))
        for account, currency in sorted(set(gl) | set(subledger))
        if account in LOAN_ACCOUNT_FIELDS
        and gl.get((account, currency), 0) != subledger.get((account, currency), 0)
    ]
    # Row by row, not summed over shards: a balance booked to the wrong shard cancels out in the sum.
    balance_differences = [
        (*key, kept.get(key, (0, 0)), posted.get(key, (0, 0)))
        for key in sorted(set(kept) | set(posted))
        if kept.get(key, (0, 0)) != posted.get(key, (0, 0))
    ]
    return ReconcileReport(
        loans_checked=len(loans),
        mismatches=reconcile({k: LoanBalances(**v) for k, v in journal.items()}, loans),
        control_differences=control,
        unbalanced_entries=unbalanced,
        balances_match_postings=not balance_differences,
        trial_balance_balanced=from_balances.balanced,
        unknown_accounts=unknown,
        balance_differences=balance_differences[:MISMATCHES_MAX],
    )


SNAPSHOT_CHECK_LOANS_MAX = 100_000
CLOSED_STATUS_NAMES = ("paid-off", "written-off")


def normalised_rows(values: dict, on: object) -> tuple:
    """The installment rows that still matter (EOD keeps settled rows a command's replay drops)."""
    from creditline.store.accrual_columns import accrual_of_values

    accrual = accrual_of_values({**values, "status": "active"}, on)  # type: ignore[arg-type]
    return accrual.due_dates, accrual.principal_unpaid_minor, accrual.other_unpaid_minor  # a deep check replays every loan: meant for tests and audits


def snapshot_differences(engine: Engine, limit: int = 100) -> list[str]:
    """Loans whose stored snapshot differs from the replay of their events as of the business date."""
    from creditline.app.catalogue import contract_of
    from creditline.app.common import business_date
    from creditline.lending.loan import replay
    from creditline.store.loan_repository import snapshot_values

    differences: list[str] = []
    with UnitOfWork(engine, read_only=True) as uow:
        on = business_date(uow)
        loan_ids = uow.loans.all_ids(SNAPSHOT_CHECK_LOANS_MAX)
        for loan_id in loan_ids:
            try:  # rows edited into something no loan or event can be (text in an amount, an unknown kind)
                record = uow.loans.get(loan_id)
                assert record is not None
                contract, events = contract_of(uow, record), uow.loans.events(loan_id)
            except (KeyError, TypeError, ValueError, DomainError) as exc:
                differences.append(f"{loan_id}: the stored loan or its events cannot be read ({type(exc).__name__}: {exc})")
                continue
            state = replay(contract, events, on)
            stored = uow.loans.snapshot_row(loan_id)
            expected = snapshot_values(state)
            if stored["status"] in CLOSED_STATUS_NAMES:
                # EOD leaves closed loans alone, so their snapshot stays as of their last event.
                expected = snapshot_values(replay(contract, events, stored["as_of"]))
            expected["rows_blob"] = normalised_rows(expected, on)
            stored["rows_blob"] = normalised_rows(stored, on)
            for name, value in expected.items():
                if name != "row_count" and stored[name] != value:
                    differences.append(f"{loan_id}.{name}: stored {stored[name]!r}, replay {value!r}")
            if len(differences) >= limit:
                break
    return differences
