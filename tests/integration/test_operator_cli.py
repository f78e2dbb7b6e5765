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


def test_operator_set_with_nothing_to_change_is_refused_and_ends_no_session(engine, db_url: str) -> None:  # type: ignore[no-untyped-def]
    """`operator set OP` with neither --role nor --status answered as a change and bumped the operator's
    privilege epoch, ending every session they held."""
    from integration_helpers import ok

    created = ok("operator", "add", "--name", "Fin Fay", "--role", "finance", "--db", db_url)
    before = dump(engine)
    refused = cli("operator", "set", created["account_id"], "--db", db_url)
    assert (refused.exit_code, refused.stderr.strip()) == (2, "error: --role: name a role or a status to change")
    assert dump(engine) == before
    changed = ok("operator", "set", created["account_id"], "--role", "risk_analyst", "--db", db_url)
    assert (changed["role"], changed["status"]) == ("risk_analyst", "pending")


def test_operator_set_refuses_to_demote_or_disable_the_last_active_admin(engine, db_url: str) -> None:  # type: ignore[no-untyped-def]
    """`operator set ADMIN --role finance` (or `--status disabled`) left no admin; only the database
    could make one again."""
    from creditline.app.access import AccessConfig
    from creditline.app.dev_access import dev_session
    from creditline.identity.passkeys import RelyingParty

    config = AccessConfig(RelyingParty("localhost", "creditline", ("http://localhost",)))
    boss = dev_session(engine, config, "admin", "Boss")[0]["account_id"]
    before = dump(engine)
    for option, value in (("--role", "finance"), ("--status", "disabled")):
        refused = cli("operator", "set", boss, option, value, "--db", db_url)
        assert refused.exit_code == 2, refused.stderr
        assert refused.stderr.strip().startswith(f"error: {option}: the last active admin keeps the admin role")
    assert dump(engine) == before
    other = dev_session(engine, config, "admin", "Other")[0]["account_id"]
    assert cli("operator", "set", other, "--status", "disabled", "--db", db_url).exit_code == 0
    assert cli("operator", "set", boss, "--role", "finance", "--db", db_url).exit_code == 2, "the other is disabled"
