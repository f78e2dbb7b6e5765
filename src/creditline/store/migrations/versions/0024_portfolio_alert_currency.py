"""live portfolio early-warning alerts raised before they named their currency get the subject they
have now (`product:x` → `product:x:CNY`, `M0:2025-02-28` → `M0:2025-02-28:CNY`,
`2025-01:mob3` → `2025-01:mob3:CNY`) and `details.currency`, so the first end of day after the
deployment does not raise each of them a second time (servicing.early_warning_portfolio)

An alert is live while open or acknowledged (`app.alerts_stage.store_alerts` does not raise its
condition again while it is); an old one is told by its details, which have no `currency`. Its
currency is the one currency of what it measured:
- a product's concentration: the product's currency (`products`), else its loans';
- a region's or a co-lending partner's: the currency of the loans approved in that region / that
  partner funds;
- a roll rate: the currency of the month-end loan snapshot it was measured on (`loan_snapshots` at
  that date); a vintage loss: that of the vintage's snapshot rows;
and, where those rows are gone, the book's (`loans`) if it has one currency.

Left as it is (its old subject, for an operator to resolve): an alert whose measure spanned two
currencies — before the change money of two currencies was added up, so no one currency's condition
is the one it raised, and the next end of day raises each currency's own alert if its condition
holds — or one whose new subject is already live (renaming it would make two live alerts of one
condition). Downgrade leaves the subjects: the code before this change measured over all currencies,
and its conditions are not these.

Revision ID: 0024_portfolio_alert_currency
Revises: 0023_audit_books_logged
"""

from __future__ import annotations

import json
from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0024_portfolio_alert_currency"
down_revision = "0023_audit_books_logged"
branch_labels = None
depends_on = None

_SUBJECT_CHARS_MAX = 120

_LIVE_OLD = sa.text(
    "SELECT alert_id, kind, subject, details_json FROM ew_alerts "
    "WHERE scope = 'portfolio' AND status IN ('open', 'acknowledged') AND kind IN ('concentration', 'roll_rate', "
    "'vintage_loss') ORDER BY alert_id"
)
_LIVE = sa.text("SELECT 1 FROM ew_alerts WHERE kind = :kind AND subject = :subject AND status IN ('open', 'acknowledged')")
_RENAME = sa.text("UPDATE ew_alerts SET subject = :subject, details_json = :details WHERE alert_id = :alert_id")
_BOOK = "SELECT DISTINCT currency FROM loans"
_BY_GROUP = {
    "product": ("SELECT DISTINCT currency FROM products WHERE product_id = :group",
                "SELECT DISTINCT currency FROM loans WHERE product_id = :group"),
    "region": ("SELECT DISTINCT l.currency FROM loans AS l JOIN origination_decisions AS d ON d.line_id = l.line_id "
               "WHERE d.jurisdiction = :group",),
    "partner": ("SELECT DISTINCT l.currency FROM loans AS l JOIN loan_funding_shares AS s ON s.loan_id = l.loan_id "
                "WHERE s.partner_id = :group",),
}  # fmt: skip
_ROLL_BOOK = "SELECT DISTINCT currency FROM loan_snapshots WHERE as_of = :as_of"
_VINTAGE_BOOK = "SELECT DISTINCT currency FROM loan_snapshots WHERE vintage_month = :vintage"


def _currencies(connection: sa.Connection, sql: str, params: dict[str, object]) -> set[str]:
    return {str(c) for (c,) in connection.execute(sa.text(sql), params) if c is not None}


def _one(found: set[str]) -> str | None:
    return next(iter(found)) if len(found) == 1 else None


def _first(connection: sa.Connection, queries: tuple[tuple[str, dict[str, object]], ...]) -> str | None:
    """The currency of the first query that finds rows (None if they span two), else the book's one currency."""
    for sql, params in queries:
        found = _currencies(connection, sql, params)
        if found:
            return _one(found)
    return _one(_currencies(connection, _BOOK, {}))


def _currency(connection: sa.Connection, kind: str, subject: str) -> str | None:
    """The currency of the book an old-style subject measured, or None when it is not one currency."""
    head, _, tail = subject.partition(":")
    if kind == "concentration":
        return _first(connection, tuple((sql, {"group": tail}) for sql in _BY_GROUP.get(head, ())))
    try:
        if kind == "roll_rate":
            return _first(connection, ((_ROLL_BOOK, {"as_of": date.fromisoformat(tail)}),))
        return _first(connection, ((_VINTAGE_BOOK, {"vintage": date.fromisoformat(f"{head}-01")}),))
    except ValueError:  # not a subject this code wrote: leave it
        return None


def upgrade() -> None:
    connection = op.get_bind()
    for alert_id, kind, subject, details_json in connection.execute(_LIVE_OLD).all():
        try:
            details = json.loads(details_json)
        except ValueError:
            continue
        if not isinstance(details, dict) or "currency" in details:
            continue  # unreadable, or raised since the alerts name their currency
        currency = _currency(connection, kind, subject)
        renamed = f"{subject}:{currency}"
        if currency is None or len(renamed) > _SUBJECT_CHARS_MAX:
            continue
        if connection.execute(_LIVE, {"kind": kind, "subject": renamed}).first() is not None:
            continue
        details_text = json.dumps(details | {"currency": currency}, sort_keys=True)
        connection.execute(_RENAME, {"subject": renamed, "details": details_text, "alert_id": alert_id})


def downgrade() -> None:
    pass
