"""`creditline operator ...`: its one-line errors name its own options (exit 2), and change nothing."""

from __future__ import annotations

import pytest
from integration_helpers import cli, dump


@pytest.mark.parametrize("name", ["", "   ", "x" * 65, "a\x01b"])
def test_operator_add_with_a_bad_name_names_name_not_display_name(engine, db_url: str, name: str) -> None:  # type: ignore[no-untyped-def]
    """The refusal said `error: --display-name: ...`, an option `operator add` does not have."""
    before = dump(engine)
    refused = cli("operator", "add", "--name", name, "--role", "finance", "--db", db_url)
    assert (refused.exit_code, refused.stderr.strip()) == (2, "error: --name: 1 to 64 printable characters")
    assert dump(engine) == before
