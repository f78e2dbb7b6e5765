"""`creditline version`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("version")
    def version() -> None:
        """Print the installed version."""
        from creditline import __version__

        typer.echo(__version__)
