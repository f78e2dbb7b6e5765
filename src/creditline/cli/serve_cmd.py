"""`creditline serve`: the HTTP API under uvicorn, against SQLite by default or PostgreSQL by URL.

The database is brought to the current schema first (as `creditline db upgrade` does), unless
`--no-migrate`. `--dev` prints an admin session token on start, for local work without a
passkey; it is refused in production and on any address but loopback.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from creditline.cli.db_cmd import DbOption, engine_for

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _export(settings_env: dict[str, str | None]) -> None:
    for name, value in settings_env.items():
        if value is not None:
            os.environ[name] = value


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        db_url: DbOption = None,
        host: Annotated[str, typer.Option("--host", help="address to listen on")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port")] = 8000,
        workers: Annotated[int, typer.Option("--workers", min=1, max=32, help="uvicorn worker processes")] = 1,
        environment: Annotated[
            str | None, typer.Option("--env", help="production or development (default $CREDITLINE_ENV or development)")
        ] = None,
        rp_id: Annotated[str | None, typer.Option("--rp-id", help="passkey relying party id (the site's domain)")] = None,
        origins: Annotated[
            str | None, typer.Option("--origins", help="comma-separated origins passkeys are used from")
        ] = None,
        dev: Annotated[bool, typer.Option("--dev", help="DEVELOPMENT ONLY: print an admin token on start")] = False,
        no_migrate: Annotated[bool, typer.Option("--no-migrate", help="do not run the migrations first")] = False,
        access_log: Annotated[bool, typer.Option("--access-log/--no-access-log", help="one JSON line per request")] = True,
    ) -> None:
        """Serve the API (OpenAPI at /openapi.json, /health, /ready, /metrics)."""
        import tempfile
        from datetime import date

        import uvicorn

        from creditline.api.settings import SettingsInvalid, from_environment
        from creditline.store import resolve_url

        _export({
            "CREDITLINE_DB": resolve_url(db_url), "CREDITLINE_ENV": environment, "CREDITLINE_RP_ID": rp_id,
            "CREDITLINE_ORIGINS": origins or (None if os.environ.get("CREDITLINE_ORIGINS") else _default_origins(host, port)),
            "CREDITLINE_ACCESS_LOG": None if access_log else "0",
            "CREDITLINE_WARM": os.environ.get("CREDITLINE_WARM", "1"),  # the console ready before /ready says so
        })  # fmt: skip
        settings = from_environment(dev_bootstrap=dev or None)  # validates: --dev in production is refused
        if dev and host not in LOOPBACK:
            raise SettingsInvalid("the dev token bootstrap listens on loopback only", field="host")
        engine = engine_for(settings.db_url, schema_required=False)  # reachable; /ready reports a pending migration
        if not no_migrate:
            from creditline.app.setup import initialise

            initialise(engine, date.today())  # the wall clock, at the edge, for a new database only
        if dev:
            _print_dev_token(engine, settings)
        engine.dispose()
        if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="creditline-metrics-")
        typer.echo(f"creditline API on {_browse_url(host, port)} ({workers} worker{'s' if workers > 1 else ''}, "
                   f"{settings.environment}, {engine.dialect.name})", err=True)  # fmt: skip
        uvicorn.run(
            "creditline.api.server:build", factory=True, host=host, port=port, workers=workers,
            log_config=None, access_log=False, server_header=False,
        )  # fmt: skip


def _print_dev_token(engine, settings) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.access import AccessConfig
    from creditline.app.dev_access import dev_session
    from creditline.identity.passkeys import RelyingParty

    config = AccessConfig(RelyingParty(settings.rp_id, settings.rp_name, settings.origins))
    account, issued = dev_session(engine, config, "admin", "dev admin")
    typer.echo(f"DEVELOPMENT ONLY admin {account['account_id']} token: {issued.token}", err=False)


def _default_origins(host: str, port: int) -> str:
    """Origins passkeys may be used from when none are configured.

    A WebAuthn relying-party id cannot be an IP address, so on loopback the default relying party is
    `localhost` and the browser must be on http://localhost:PORT; the IP origin stays for API clients.
    """
    if host in LOOPBACK:
        return f"http://localhost:{port},http://{host}:{port}"
    return f"http://{host}:{port}"


def _browse_url(host: str, port: int) -> str:
    return f"http://localhost:{port}" if host in LOOPBACK else f"http://{host}:{port}"
