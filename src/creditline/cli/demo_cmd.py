"""`creditline demo`: the whole platform on this machine — a trained model, a simulated portfolio in
SQLite, its reports and a securitisation, demo accounts, and the borrower app and operator console
served on http://localhost:8000 (docs/demo.md).

The first run builds everything (a few minutes on two cores); later runs reuse the build and serve
in seconds, unless `--fresh`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from creditline.demo.layout import BORROWERS_DEFAULT, MONTHS_DEFAULT, PORT_DEFAULT, SEED_DEFAULT

EXIT_INTERRUPTED = 130


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="the demo's SQLite file (default: demo.sqlite in the "
            "user's creditline data directory); its files go in a folder beside it",
        ),
    ] = None,
    borrowers: Annotated[int, typer.Option("--borrowers", help="applicants to simulate")] = BORROWERS_DEFAULT,
    months: Annotated[
        int, typer.Option("--months", help="months of business to simulate, end of day every day")
    ] = MONTHS_DEFAULT,
    seed: Annotated[
        int, typer.Option("--seed", help="seed of the model's population and the simulation")
    ] = SEED_DEFAULT,
    port: Annotated[
        int, typer.Option("--port", help="port to serve on (127.0.0.1, shown as localhost)")
    ] = PORT_DEFAULT,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="build and print the accounts, then exit")
    ] = False,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="discard the demo built earlier and build it again")
    ] = False,
) -> None:
    """Train the demo model, simulate a portfolio into SQLite, report, securitise, make demo accounts, serve."""
    from creditline.demo.display import Screen
    from creditline.demo.layout import DemoOptions, db_path
    from creditline.demo.run import run_demo

    options = DemoOptions(db_path(db), borrowers, months, seed, port, not no_serve, fresh)
    screen = Screen()
    try:
        run_demo(options, screen)
    except KeyboardInterrupt:
        screen.print("\ninterrupted: an unfinished build is started again by the next `creditline demo`")
        raise typer.Exit(EXIT_INTERRUPTED) from None
