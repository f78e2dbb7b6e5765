"""Entry point: builds the Typer app from the command modules and enforces the error contract.

Contract: a mistake the user made prints one line `error: <option or field>: <rule>` on stderr and
exits 2, with nothing changed; never a traceback. Command modules import heavy libraries inside
their command functions so that `creditline --help` and quick commands stay fast.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer

try:  # typer >= 0.25 vendors its own click; older releases use click itself
    from typer._click import echo
    from typer._click import exceptions as click_exceptions
except ImportError:  # pragma: no cover - depends on the installed typer
    from click import echo
    from click import exceptions as click_exceptions

from creditline.errors import DomainError, shortened

EXIT_USAGE = 2


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="creditline",
        help="creditline: run an online consumer credit line.",
        add_completion=False,
        invoke_without_command=False,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    @app.callback()
    def root() -> None:
        """creditline: run an online consumer credit line."""

    package = importlib.import_module("creditline.cli")
    for module in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if module.name.endswith("_cmd"):
            importlib.import_module(f"creditline.cli.{module.name}").register(app)
    return app


def option_name(field: str | None) -> str | None:
    """Map a domain field name (`annual_rate`) to the CLI option that carries it (`--annual-rate`)."""
    if not field:
        return None
    return field if field.startswith("-") else "--" + field.replace("_", "-")


def fail(message: str) -> None:
    echo(f"error: {shortened(message)}", err=True)  # click's usage errors echo the option's value too
    sys.exit(EXIT_USAGE)


def run(argv: list[str] | None = None) -> None:
    command = typer.main.get_command(build_app())
    try:
        code = command.main(args=argv, prog_name="creditline", standalone_mode=False)
        if isinstance(code, int) and code:  # a command's typer.Exit(n) comes back as a return value here
            sys.exit(code)
    except DomainError as exc:
        name = option_name(exc.field)
        fail(f"{name}: {exc.message}" if name else exc.message)
    except click_exceptions.NoArgsIsHelpError as exc:
        echo(exc.ctx.get_help() if exc.ctx else "", err=True)
        sys.exit(EXIT_USAGE)
    except click_exceptions.UsageError as exc:
        fail(" ".join(exc.format_message().split()))
    except (typer.Exit, click_exceptions.ClickException) as exc:
        if isinstance(exc, click_exceptions.ClickException):
            fail(" ".join(exc.format_message().split()))
        sys.exit(getattr(exc, "exit_code", 0))
    except typer.Abort:
        echo("aborted", err=True)
        sys.exit(1)


if __name__ == "__main__":
    run()
