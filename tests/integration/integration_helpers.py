"""Helpers for integration tests: run the CLI in-process, dump a database to compare before/after."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Result:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def cli(*argv: str) -> Result:
    from creditline.cli.main import run

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with redirect_stdout(out), redirect_stderr(err):
        try:
            run(list(argv))
        except SystemExit as exc:
            code = int(exc.code or 0)
    return Result(code, out.getvalue(), err.getvalue())


def ok(*argv: str) -> Any:
    """Run a command that must succeed, with --json, and return its parsed output."""
    result = cli(*argv, "--json")
    assert result.exit_code == 0, f"{argv} failed: {result.stderr}"
    return result.json()


def dump(engine) -> dict[str, list[tuple]]:  # type: ignore[no-untyped-def]
    """Every row of every table, sorted: compare a dump before and after to prove nothing changed."""
    import importlib
    import pkgutil

    from sqlalchemy import select

    import creditline.store
    from creditline.store.tables import metadata

    for module in pkgutil.iter_modules(creditline.store.__path__):  # every table, not only those imported so far
        if module.name.startswith("tables_"):
            importlib.import_module(f"creditline.store.{module.name}")

    with engine.connect() as connection:
        return {
            name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
            for name, table in metadata.tables.items()
        }
