"""Roll rates and transition matrices on small books whose histories are known month by month."""

from __future__ import annotations

from datetime import date

from portfolio_factories import row

from creditline.portfolio import snapshot
from creditline.portfolio.roll_rates import CLOSED, roll_rates, transition_counts, transition_matrix


def _loan(loan_id: str, history: list[tuple[date, int]]) -> list:
    """One loan's rows: (date, days past due), 0 days current."""
    return [row(as_of=day, loan_id=loan_id, days_past_due=days, status="overdue" if days else "active",
                stage=2 if days > 30 else 1) for day, days in history]


def test_a_mid_month_report_date_is_not_counted_as_a_months_transition():
    # Month-ends to February, then the report date 15 March: 1 to 15 March is half a month, not
    # a transition; the last complete month is February's.
    rows = _loan("A", [(date(2024, 1, 31), 0), (date(2024, 2, 29), 0), (date(2024, 3, 15), 15)])
    frame = snapshot.from_rows(rows)
    counts = transition_counts(frame, date(2024, 3, 15))
    assert counts.get_column("month_end").to_list() == [date(2024, 2, 29)]
    rates = roll_rates(counts)
    assert rates.get_column("roll_rate_balance").to_list() == [0.0]
    matrix = transition_matrix(counts, months=1)
    assert matrix.probabilities[0, 0] == 1.0
    assert matrix.observations[0] == 1


def test_the_month_end_report_date_counts_its_month():
    rows = _loan("A", [(date(2024, 2, 29), 0), (date(2024, 3, 31), 15)])
    counts = transition_counts(snapshot.from_rows(rows), date(2024, 3, 31))
    assert counts.rows() == [(date(2024, 3, 31), 0, 1, 1, 100_000)]


def test_a_loan_closed_mid_month_counts_in_that_months_transitions():
    # Daily snapshots: loan A closes on 10 March and, as the docs allow, has no row after it; loan B
    # stays current. March's transitions are both loans' (one closure, one stay), all under 31 March.
    a = [*_loan("A", [(date(2024, 2, 29), 0)]),
         row(as_of=date(2024, 3, 10), loan_id="A", status="closed", principal_minor=0)]
    b = _loan("B", [(date(2024, 2, 29), 0), (date(2024, 3, 10), 0), (date(2024, 3, 31), 0)])
    counts = transition_counts(snapshot.from_rows(a + b), date(2024, 3, 31))
    assert counts.rows() == [(date(2024, 3, 31), 0, 0, 1, 100_000), (date(2024, 3, 31), 0, CLOSED, 1, 100_000)]
    rates = roll_rates(counts)
    assert rates.select("month_end", "loans", "rolled_loans").rows() == [(date(2024, 3, 31), 2, 0)]
    matrix = transition_matrix(counts, months=1)
    assert matrix.observations[0] == 2
    assert matrix.probabilities[0, CLOSED] == 0.5
