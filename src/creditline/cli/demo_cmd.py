"""`creditline demo`: an interim tour — a sample schedule and the annualised rates of a few loans.

The full platform demo replaces this once origination, loans and the ledger are wired together.
"""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo() -> None:
    """Print a sample repayment schedule and an APR table (no database, no network)."""
    from datetime import date

    from rich.console import Console
    from rich.table import Table

    from creditline.cli.schedule_cmd import _print_table, schedule_document
    from creditline.lending.apr import schedule_apr
    from creditline.lending.schedule import ScheduleTerms, build_schedule
    from creditline.money import Money, Rate

    console = Console(width=120)
    disbursed = date(2025, 1, 31)
    sample = ScheduleTerms(
        principal=Money.parse("10000", "CNY"),
        rate=Rate.daily_percent("0.05"),
        installments=12,
        disbursed=disbursed,
        interest_basis="daily",
    )
    console.print("A 借呗-style drawdown: 10,000 CNY at 0.05% a day, 12 monthly installments, daily interest")
    _print_table(schedule_document(build_schedule(sample)))
    table = Table(title="Annualised rates of 10,000 CNY over 12 months")
    for name in (
        "method",
        "quoted rate",
        "total interest",
        "APR (IRR, PBOC)",
        "effective annual",
        "Reg Z APR",
    ):
        table.add_column(name, justify="left" if name in ("method", "quoted rate") else "right")
    loans = [
        ("equal-installment", Rate.annual_percent("18"), "18% a year"),
        ("equal-principal", Rate.annual_percent("18"), "18% a year"),
        ("interest-only", Rate.annual_percent("18"), "18% a year"),
        ("bullet", Rate.annual_percent("18"), "18% a year"),
        ("flat", Rate.annual_percent("18"), "18% a year, flat"),
        ("equal-installment", Rate.daily_percent("0.05"), "0.05% a day"),
    ]
    for method, rate, label in loans:
        terms = ScheduleTerms(
            Money.parse("10000", "CNY"), rate, 12, disbursed, method=method, interest_basis="daily"
        )
        schedule = build_schedule(terms)
        irr, reg_z = schedule_apr(schedule.cash_flows(), "irr"), schedule_apr(schedule.cash_flows(), "reg-z")
        table.add_row(
            method,
            label,
            schedule.total_interest.amount_str(),
            f"{irr.apr_pct_display}%",
            f"{irr.effective_annual_pct.quantize(irr.apr_pct_display)}%",
            f"{reg_z.apr_pct_display}%",
        )
    console.print(table)
