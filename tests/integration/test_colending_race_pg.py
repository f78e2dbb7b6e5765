"""Two drawdowns racing for the last of a partner's appetite on PostgreSQL: the partner's row lock makes
the second see the first's part, so the partner never funds more than its maximum."""

from __future__ import annotations

import pytest
from colending_fixtures import add_partners, line_for, partner_file
from lending_fixtures import setup_books

from creditline.app import Draw, draw
from creditline.app.colending import show_partner
from creditline.app.colending_books import reconcile_partners
from shared_files import race

pytestmark = pytest.mark.postgres
ROUNDS = 3



def test_racing_drawdowns_never_fund_a_partner_past_its_appetite(pg_url: str) -> None:
    from creditline.store import make_engine

    engine = make_engine(pg_url)
    try:
        setup_books(engine)
        for n in range(ROUNDS):
            add_partners(
                engine, partner_file(f"bank-{n}", cost=f"{n}%", balance_max="1000.00", share_max="70%")
            )
            lines = [line_for(engine, f"R{n}a"), line_for(engine, f"R{n}b")]
            results = race(
                *(
                    lambda line=line, key=f"k{n}{i}": draw(engine, Draw(line, "1000.00", 6, key))
                    for i, line in enumerate(lines)
                )
            )
            assert all(isinstance(r, dict) for r in results), results
            parts = sorted(
                f["principal"] for r in results for f in r["funding"]["funders"] if f["party"] == f"bank-{n}"
            )
            assert parts == ["300.00", "700.00"]  # the second drawdown saw the first's 700.00
            assert show_partner(engine, f"bank-{n}")["principal_outstanding"] == "1000.00"
        assert reconcile_partners(engine)["clean"]
    finally:
        engine.dispose()


def test_racing_registrations_of_one_partner_answer_unchanged_or_a_version_conflict(pg_url: str) -> None:
    # the loser's insert hit the primary key and the raw IntegrityError reached the CLI as a traceback
    from creditline.app.colending import add_partner
    from creditline.funding.colending import PartnerExists
    from creditline.store import make_engine

    engine = make_engine(pg_url)
    try:
        setup_books(engine)
        for n in range(ROUNDS):
            same = partner_file(f"bank-{n}")
            first = race(*(lambda text=same: add_partner(engine, text, "p.yaml") for _ in range(2)))
            assert sorted(r["outcome"] for r in first) == ["registered", "unchanged"], first
            files = [partner_file(f"bank-{n}", version=2, cost=cost) for cost in ("5%", "6%")]
            second = race(*(lambda text=text: add_partner(engine, text, "p.yaml") for text in files))
            updated = [r for r in second if isinstance(r, dict)]
            refused = [r for r in second if isinstance(r, PartnerExists)]
            assert (len(updated), len(refused)) == (1, 1), second
            assert updated[0]["outcome"] == "updated" and refused[0].field == "version"
            assert show_partner(engine, f"bank-{n}")["cost_of_funds"] == updated[0]["cost_of_funds"]
    finally:
        engine.dispose()


def test_racing_first_requests_for_a_statement_return_the_one_stored(pg_url: str) -> None:
    # both computed the period's statement and the second insert hit the (partner, period) unique
    # constraint: an IntegrityError, a 500 on GET /v1/funding/partners/{id}/statement
    from datetime import timedelta

    from colending_fixtures import START, days

    from creditline.app.colending_books import partner_statement
    from creditline.store import make_engine

    engine = make_engine(pg_url)
    try:
        setup_books(engine)
        add_partners(engine, partner_file("bank", share_max="70%"))
        draw(engine, Draw(line_for(engine, "S1"), "1000.00", 6, "s1"))
        today = days(engine, START, 3)
        for n in range(ROUNDS):
            last = today - timedelta(days=n + 1)
            results = race(*(lambda to=last: partner_statement(engine, "bank", START, to) for _ in range(2)))
            assert all(isinstance(r, dict) for r in results), results
            assert results[0] == results[1]  # one statement: the same id and figures for both
            assert partner_statement(engine, "bank", START, last) == results[0]
    finally:
        engine.dispose()
