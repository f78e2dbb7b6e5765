"""`creditline draw`, `creditline repay`, `creditline refund-credit` and
`creditline loan show|reverse|waive|prepay|reage|write-off`."""

from __future__ import annotations

from typing import Annotated

import typer

from creditline.cli.db_cmd import DbOption, JsonOption, emit, engine_for, options_named, parse_date

KeyOption = Annotated[str, typer.Option("--key", help="client idempotency key: a retry with it returns the first result")]
DateOption = Annotated[
    str | None, typer.Option("--date", help="effective date (YYYY-MM-DD); default the business date; may be backdated")
]
LoanArgument = Annotated[str, typer.Argument(help="loan id")]


def loan_text(view: dict) -> str:
    return (
        f"loan {view['loan_id']} ({view['status']}, {view['days_past_due']} days past due) as of {view['as_of']}: "
        f"principal {view['principal_outstanding']}, interest {view['interest_receivable']}, "
        f"penalty {view['penalty_receivable']}, credit balance {view['credit_balance']} {view['currency']}"
    )


def _engine(db_url: str | None):  # type: ignore[no-untyped-def]

    return engine_for(db_url)


def register(app: typer.Typer) -> None:
    @app.command("draw")
    def draw_cmd(
        line: Annotated[str, typer.Option("--line", help="credit line id")],
        amount: Annotated[str, typer.Option("--amount", help="amount in major units, e.g. 1000")],
        term: Annotated[int, typer.Option("--term", help="term in months (one the product offers)")],
        key: KeyOption,
        method: Annotated[str | None, typer.Option("--method", help="repayment method (default: the product's first)")] = None,
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Draw from a credit line: a new loan with its schedule, disbursed at once."""
        from creditline.app import Draw, draw

        view = draw(_engine(db_url), Draw(line, amount, term, key, method))
        emit(view, as_json, f"drew {view['principal_outstanding']} {view['currency']}: " + loan_text(view))

    @app.command("repay")
    def repay_cmd(
        loan: Annotated[str, typer.Option("--loan", help="loan id")],
        amount: Annotated[str, typer.Option("--amount", help="amount received, in major units")],
        key: KeyOption,
        on: DateOption = None,
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Apply a repayment (backdate it with --date); any excess becomes the borrower's credit balance."""
        from creditline.app import Repay, repay
        from creditline.errors import DomainError
        from creditline.servicing.autodebit import ATTEMPT_KEY_PREFIX

        # The CLI's keys are not scoped to an account as the API's are: one shaped like an auto-debit's would
        # stand in for it, and end of day would then book the bank's money as this repayment or not at all.
        if key.startswith(ATTEMPT_KEY_PREFIX):
            raise DomainError(f"keys starting {ATTEMPT_KEY_PREFIX} are end of day's auto-debits", field="key",
                              code="key_invalid")  # fmt: skip
        view = repay(_engine(db_url), Repay(loan, amount, key, parse_date(on, "date")))
        emit(view, as_json, loan_text(view))

    @app.command("refund-credit")
    def refund_credit_cmd(
        borrower: Annotated[str, typer.Option("--borrower", help="borrower id")],
        amount: Annotated[str, typer.Option("--amount", help="amount to pay back out, in major units")],
        key: Annotated[str, typer.Option("--key", "--idempotency-key",
                                         help="client idempotency key: a retry with it returns the first result")],
        currency: Annotated[
            str | None, typer.Option("--currency", help="ISO code; needed only when the borrower has lines in several")
        ] = None,
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Pay back out part or all of a borrower's credit balance (what they overpaid), in one journal entry."""
        from creditline.app.credit_refunds import RefundCredit, refund_credit

        view = refund_credit(_engine(db_url), RefundCredit(borrower, amount, key, currency))
        emit(view, as_json, f"refunded {view['refunded']} {view['currency']} to borrower {view['borrower_id']}: "
                            f"credit balance now {view['credit_balance']} (entry {view['entry_id']})")  # fmt: skip

    loan = typer.Typer(help="Loans: show and service them.", no_args_is_help=True)
    app.add_typer(loan, name="loan")

    @loan.command("show")
    def show_cmd(loan_id: LoanArgument, db_url: DbOption = None, as_json: JsonOption = False) -> None:
        """A loan's state, installments and events, as of the business date."""
        from creditline.app import show_loan

        view = show_loan(_engine(db_url), loan_id)
        emit(view, as_json, loan_text(view))

    @loan.command("reverse")
    def reverse_cmd(
        loan_id: LoanArgument,
        event: Annotated[str, typer.Option("--event", help="id of the repayment event to reverse")],
        key: KeyOption,
        on: DateOption = None,
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Reverse a repayment (a returned auto-debit); the history is replayed without it."""
        from creditline.app import Reverse, reverse

        with options_named(reverses="--event"):
            view = reverse(_engine(db_url), Reverse(loan_id, event, key, parse_date(on, "date")))
        emit(view, as_json, loan_text(view))

    @loan.command("waive")
    def waive_cmd(
        loan_id: LoanArgument,
        amount: Annotated[str, typer.Option("--amount", help="amount to waive, in major units")],
        key: KeyOption,
        part: Annotated[str, typer.Option("--part", help="interest, penalty or fees")] = "penalty",
        on: DateOption = None,
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Waive part of what the borrower owes."""
        from creditline.app import Waive, waive

        with options_named(component="--part"):
            view = waive(_engine(db_url), Waive(loan_id, amount, part, key, parse_date(on, "date")))
        emit(view, as_json, loan_text(view))

    @loan.command("prepay")
    def prepay_cmd(
        loan_id: LoanArgument,
        amount: Annotated[str, typer.Option("--amount", help="amount prepaid, in major units")],
        key: KeyOption,
        keep: Annotated[str, typer.Option("--keep", help="keep-term or keep-installment")] = "keep-term",
        on: DateOption = None,
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Partial prepayment that re-amortises the rest (lower installment or shorter term)."""
        from creditline.app import Prepay, prepay

        with options_named(mode="--keep"):
            view = prepay(_engine(db_url), Prepay(loan_id, amount, keep, key, parse_date(on, "date")))
        emit(view, as_json, loan_text(view))

    @loan.command("reage")
    def reage_cmd(
        loan_id: LoanArgument,
        key: KeyOption,
        installments: Annotated[
            int, typer.Option("--installments", help="spread what is unpaid over this many new installments")
        ],
        on: DateOption = None,
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Re-age an overdue loan for hardship: spread what is unpaid over --installments new installments."""
        from creditline.app import Reage, reage

        view = reage(_engine(db_url), Reage(loan_id, installments, key, parse_date(on, "date")))
        emit(view, as_json, loan_text(view))

    @loan.command("write-off")
    def write_off_cmd(
        loan_id: LoanArgument, key: KeyOption, on: DateOption = None, db_url: DbOption = None, as_json: JsonOption = False
    ) -> None:
        """Write a loan off: what is outstanding moves to credit-loss expense."""
        from creditline.app import WriteOff, write_off

        view = write_off(_engine(db_url), WriteOff(loan_id, key, parse_date(on, "date")))
        emit(view, as_json, loan_text(view))
