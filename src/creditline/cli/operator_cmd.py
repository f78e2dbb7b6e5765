"""`creditline operator add|list|set`: operator accounts (they sign in with passkeys).

`add` prints a one-time enrollment code; the operator redeems it at
POST /v1/passkeys/registration-options {"enrollment_code": ...} by registering a passkey. This is
how the first admin of a production deployment is made, with nothing but database access.
"""

from __future__ import annotations

from typing import Annotated

import typer

from creditline.cli.db_cmd import DbOption, JsonOption, emit, engine_for

ROLES = "risk_analyst, collections_agent, finance or admin"


def register(app: typer.Typer) -> None:
    operator = typer.Typer(help="Operator accounts and roles.", no_args_is_help=True)
    app.add_typer(operator, name="operator")

    @operator.command("add")
    def add(
        name: Annotated[str, typer.Option("--name", help="display name (encrypted at rest when data keys are set)")],
        role: Annotated[str, typer.Option("--role", help=ROLES)],
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Create a pending operator and print their one-time enrollment code."""
        from creditline.app.access import create_operator
        from creditline.errors import DomainError

        try:
            created = create_operator(engine_for(db_url), name, role)
        except DomainError as exc:  # the app's display_name is this command's --name
            if exc.field == "display_name":
                exc.field = "name"
            raise
        emit(created, as_json, f"operator {created['account_id']} ({created['role']}): enrollment code "
                               f"{created['enrollment_code']} (one use, expires in 7 days)")  # fmt: skip

    @operator.command("list")
    def list_cmd(db_url: DbOption = None, as_json: JsonOption = False) -> None:
        """Every operator with role and status."""
        from creditline.app.access import list_operators

        found = list_operators(engine_for(db_url))
        lines = [f"{o['account_id']}  {o['role']:<18} {o['status']:<8} {o['display_name']}" for o in found]
        emit({"operators": found}, as_json, "\n".join(lines) or "no operators")

    @operator.command("set")
    def set_cmd(
        account: Annotated[str, typer.Argument(help="operator account id")],
        role: Annotated[str | None, typer.Option("--role", help=ROLES)] = None,
        status: Annotated[str | None, typer.Option("--status", help="active or disabled")] = None,
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Change an operator's role or status (their sessions end)."""
        from creditline.app.access import change_operator

        changed = change_operator(engine_for(db_url), account, role_text=role, status=status)
        emit(changed, as_json, f"operator {changed['account_id']}: {changed['role']}, {changed['status']}")
