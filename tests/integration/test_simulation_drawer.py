"""The simulator's day of draws in one unit of work: a refused draw leaves nothing, the others commit."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from test_origination_forms import BUSINESS_DATE, application

from creditline.app import loans
from creditline.app.apply import ApplyForCredit, apply
from creditline.app.apply_setup import forget_screens
from creditline.app.loans import Draw
from creditline.app.setup import initialise
from creditline.errors import DomainError
from creditline.simulation.runner import _Drawer
from creditline.store import UnitOfWork
from creditline.store.tables import journal_entries, loan_events
from creditline.store.tables import loans as loans_table


@pytest.fixture
def line_id(engine):  # type: ignore[no-untyped-def]
    forget_screens()
    initialise(engine, BUSINESS_DATE)
    view = apply(engine, ApplyForCredit("k-1", application(1)))
    assert view["outcome"] == "approve", view
    yield view["line_id"]
    forget_screens()


def _rows(engine) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    with UnitOfWork(engine, read_only=True) as uow:  # a reader beside the drawer's open write transaction
        return tuple(
            uow.connection.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (loans_table, loan_events, journal_entries)
        )


def test_refused_draws_leave_nothing_and_the_rest_commit_together(engine, line_id, monkeypatch):
    drawer = _Drawer(engine)
    try:
        first = drawer.draw(Draw(line_id, "1000", 6, "d-1"))
        with pytest.raises(DomainError):  # more than the line has: refused before anything is written
            drawer.draw(Draw(line_id, "99999999", 6, "d-2"))
        real = loans.fund_drawdown

        def refuse_after_writing(*args, **kwargs):  # type: ignore[no-untyped-def]
            real(*args, **kwargs)
            raise DomainError("refused late", field="test")

        monkeypatch.setattr(loans, "fund_drawdown", refuse_after_writing)
        with pytest.raises(DomainError):  # refused after its writes: the savepoint takes them back
            drawer.draw(Draw(line_id, "500", 6, "d-3"))
        monkeypatch.setattr(loans, "fund_drawdown", real)
        second = drawer.draw(Draw(line_id, "2000", 6, "d-4"))
        assert _rows(engine) == (0, 0, 0)  # nothing is visible before the commit
        drawer.commit()
    finally:
        drawer.close()
    assert _rows(engine) == (2, 2, 2)
    with UnitOfWork(engine, read_only=True) as uow:
        line = uow.lines.get(line_id).line
        assert {uow.loans.get(first["loan_id"]) is not None, uow.loans.get(second["loan_id"]) is not None} == {True}
    assert line.outstanding_principal.minor + line.pending_drawdowns.minor == 300_000
