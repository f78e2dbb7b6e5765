"""A database at head for each storage test without running Alembic for each one.

The migrations run for real (`creditline db upgrade`'s code path, `store.upgrade`) once per worker
process and database kind; each test then gets its own copy of what they produced:

- SQLite: the migrated file, copied to the test's own path.
- PostgreSQL: the statements the migrations sent (recorded while they ran into a schema of their
  own), sent again in one transaction into the test's own empty schema. The first replay is compared
  with the migrated schema (tables, columns, types, defaults, constraints, indexes, rows) and fails the
  test on any difference, so a migration whose effect a replay cannot reproduce is seen at once.

Running Alembic costs the test process about 0.35 s CPU on SQLite and 0.2 s on PostgreSQL per test
(loading 31 revision files and rendering each operation); a copy costs milliseconds, a replay 0.03 s.
PostgreSQL's own work for the DDL (about 1.5 s on a loaded 2-vCPU machine) is the same either way.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import event, text

from shared_files import postgres_schema

# Every column, constraint and index of the schema on search_path, and each table's rows: what a replay
# must reproduce (object names only, no OIDs, so two schemas compare equal when built alike).
_CATALOGUE = """
select 'column', table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' '
       || coalesce(column_default, '') || ' ' || coalesce(character_maximum_length::text, '')
       || ' ' || coalesce(numeric_precision::text, '') || ',' || coalesce(numeric_scale::text, '')
  from information_schema.columns where table_schema = current_schema()
union all
select 'constraint', conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
  from pg_constraint where connamespace = current_schema()::regnamespace
union all
select 'index', indexname || ' ' || replace(indexdef, current_schema() || '.', '')
  from pg_indexes where schemaname = current_schema()
union all
select 'sequence', sequence_name || ' ' || data_type || ' ' || start_value
  from information_schema.sequences where sequence_schema = current_schema()
order by 1, 2
"""


def catalogue(engine: Any) -> list[tuple[str, str]]:
    """The PostgreSQL schema's definition and every table's rows, comparable between two schemas."""
    from sqlalchemy import inspect

    with engine.connect() as connection:
        found = [(kind, line) for kind, line in connection.execute(text(_CATALOGUE))]
        for table in sorted(inspect(connection).get_table_names()):
            rows = connection.execute(text(f'select * from "{table}"')).all()
            found += [("row", f"{table} {row}") for row in sorted(rows, key=repr)]
    return found


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    from creditline.store.migrate import alembic_config

    head = ScriptDirectory.from_config(alembic_config(None)).get_current_head()
    assert head is not None
    return head


class MigratedTemplates:
    """Per worker process: one migration run per database kind, copied into each test's database."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._sqlite: Path | None = None
        self._statements: list[tuple[str, Any]] | None = None
        self._reference: list[tuple[str, str]] | None = None
        self.head = head_revision()

    def sqlite_copy(self, url: str) -> None:
        """Fill the (not yet existing) SQLite file of `url` with the migrated template."""
        from creditline.store import make_engine, upgrade

        if self._sqlite is None:
            path = self.folder / "migrated.sqlite"
            built = make_engine(f"sqlite:///{path}")
            assert upgrade(built) == self.head
            built.dispose()  # the last connection checkpoints the write-ahead log into the file
            assert not path.with_name(path.name + "-wal").exists()
            self._sqlite = path
        shutil.copyfile(self._sqlite, url.removeprefix("sqlite:///"))

    def postgres_replay(self, engine: Any, base_url: str) -> None:
        """Send the migrations' statements into `engine`'s empty schema, in one transaction."""
        if self._statements is None:
            self._statements, self._reference = self._record(base_url)
        raw = engine.raw_connection()
        try:
            with raw.cursor() as cursor:
                for statement, parameters in self._statements:
                    cursor.execute(statement, parameters)
            raw.commit()
        finally:
            raw.close()
        if self._reference is not None:  # the first replay of this process: is it the migrated schema?
            replayed, self._reference = catalogue(engine), self._reference
            assert replayed == self._reference, "replaying the recorded migrations built another schema"
            self._reference = None

    @staticmethod
    def _record(base_url: str) -> tuple[list[tuple[str, Any]], list[tuple[str, str]]]:
        from creditline.store import make_engine, upgrade

        statements: list[tuple[str, Any]] = []
        with postgres_schema(base_url, "tmpl") as url:
            built = make_engine(url)

            @event.listens_for(built, "before_cursor_execute")
            def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
                assert not executemany, "a migration's executemany is not recorded"
                statements.append((statement, parameters))

            upgrade(built)
            event.remove(built, "before_cursor_execute", record)
            reference = catalogue(built)
            built.dispose()
        return statements, reference
