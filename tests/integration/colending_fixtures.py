"""Builders for the co-lending integration tests: partner files, books with partners, EOD days."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

START = date(2025, 1, 1)
COLENDING_STAGES = frozenset({"accrue", "classify", "colending"})


def partner_file(
    partner_id: str,
    *,
    cost: str = "3%",
    share_max: str = "40%",
    share_min: str = "5%",
    balance_max: str = "1000000.00",
    concentration: str = "100%",
    version: int = 1,
    extra: str = "",
) -> str:
    return (
        "\n".join(
            [
                f"partner_id: {partner_id}",
                f"version: {version}",
                f"name: Bank {partner_id}",
                "currency: CNY",
                f'cost_of_funds: "{cost}"',
                f'concentration_limit: "{concentration}"',
                "appetite:",
                f'  balance_max: "{balance_max}"',
                f'  share_min: "{share_min}"',
                f'  share_max: "{share_max}"',
            ]
        )
        + "\n"
        + extra
    )


def add_partners(engine: Any, *files: str) -> None:
    from creditline.app.colending import add_partner

    for text in files:
        add_partner(engine, text, "partner.yaml")


def line_for(engine: Any, borrower: str, limit: str = "50000") -> str:
    from creditline.app import OpenLine, open_line

    return open_line(engine, OpenLine(borrower, "revolving-consumer", limit, "0.05", "approved"))["line_id"]


def days(engine: Any, first: date, count: int, stages: frozenset[str] = COLENDING_STAGES) -> date:
    """Close `count` business days one at a time with the stages co-lending needs."""
    from creditline.app.eod_pipeline import run_pipeline

    for n in range(count):
        run_pipeline(engine, first + timedelta(days=n + 1), only=stages)
    return first + timedelta(days=count)


def partner_lines(engine: Any) -> list[tuple]:
    from sqlalchemy import select

    from creditline.store.tables_colending import partner_ledger as pl

    with engine.connect() as connection:
        query = select(pl.c.partner_id, pl.c.movement, pl.c.recovery, pl.c.amount_minor, pl.c.business_date)
        return [tuple(row) for row in connection.execute(query.order_by(pl.c.line_id))]
