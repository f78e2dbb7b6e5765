"""The unit of work: one database transaction around one command; it rolls back unless committed."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Connection, Engine

from creditline.store.repositories import (
    EodRepository,
    IdempotencyRepository,
    JournalRepository,
    LineRepository,
    LoanRepository,
    ProductRepository,
    SystemRepository,
)


class UnitOfWork:
    """`with UnitOfWork(engine) as uow: ...; uow.commit()` — leaving the block without commit() rolls back.

    Repositories share the one connection, so everything a command writes (state, events, journal,
    idempotency record) commits or vanishes together.
    """

    connection: Connection

    def __init__(self, engine: Engine, *, read_only: bool = False) -> None:
        self.engine = engine
        self.read_only = read_only
        self._committed = False

    def __enter__(self) -> UnitOfWork:
        options = {"read_only": True} if self.read_only else {}
        self.connection = self.engine.connect().execution_options(**options)
        self._transaction = self.connection.begin()
        self.system = SystemRepository(self.connection)
        self.products = ProductRepository(self.connection)
        self.lines = LineRepository(self.connection)
        self.loans = LoanRepository(self.connection)
        self.journal = JournalRepository(self.connection)
        self.idempotency = IdempotencyRepository(self.connection)
        self.eod = EodRepository(self.connection)
        return self

    def commit(self) -> None:
        assert not self.read_only, "a read-only unit of work never commits"
        self._transaction.commit()
        self._committed = True

    def rollback(self) -> None:
        if self._transaction.is_active:
            self._transaction.rollback()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if not self._committed:
                self.rollback()
        finally:
            self.connection.close()
