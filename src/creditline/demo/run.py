"""`run_demo`: build (or reuse) the demo, make its accounts, print where to go, and serve it."""

from __future__ import annotations

from datetime import date
from typing import Any

from creditline.demo.display import Screen
from creditline.demo.layout import DemoLayout, DemoOptions, plan
from creditline.demo.steps import STEPS, build_demo, migrate

RP_ID_WHY = ("Passkeys need a host name: open localhost, not 127.0.0.1 (a WebAuthn relying-party id "
             "cannot be an IP address).")  # fmt: skip
WHO_SEES_WHAT = ("the admin reads everything but decides and moves nothing; reviews are the risk analyst's, "
                 "the call queue the collections agent's, funding the finance user's")  # fmt: skip


def run_demo(options: DemoOptions, screen: Screen) -> None:
    from creditline.demo.applicants import approved_samples
    from creditline.demo.serving import origin, require_free_port

    layout = DemoLayout(options.db)
    if options.serve:
        require_free_port(options.port)  # before minutes of building, not after
    state = plan(layout, options)
    screen.header(str(layout.db), state)
    manifest = (
        _reuse(layout, screen) if state == "reuse" else build_demo(layout, options, state, screen.run_step)
    )
    business_date = date.fromisoformat(manifest["steps"]["portfolio"]["business_date"])
    operators, token = _accounts(layout, options)
    samples = approved_samples(layout.db, business_date, options.seed)
    site = origin(options.port)
    _show_platform(screen, site, business_date)
    screen.accounts(operators, site)
    screen.print(f"  ({WHO_SEES_WHAT})")
    _show_applicants(screen, samples)
    if token is not None:
        _show_token(screen, site, token)
    _show_files(screen, layout)
    if options.serve:
        _serve(screen, layout, options)
    else:
        screen.print(
            f"Serve it with `creditline demo --db {layout.db}`: the build is reused, it starts in seconds."
        )


def _reuse(layout: DemoLayout, screen: Screen) -> dict[str, Any]:
    migrate(layout)
    manifest = layout.read_manifest()
    assert manifest is not None, "plan() found a complete manifest"
    for name, _ in STEPS:
        screen.step_line(name, manifest["steps"][name], reused=True)
    return manifest


def _accounts(layout: DemoLayout, options: DemoOptions) -> tuple[list[Any], dict[str, Any] | None]:
    from creditline.demo.accounts import demo_operators, dev_admin_token
    from creditline.demo.serving import origin
    from creditline.store import make_engine

    engine = make_engine(layout.url)
    try:
        operators = demo_operators(engine)
        token = dev_admin_token(engine, origin(options.port)) if options.serve else None
    finally:
        engine.dispose()
    return operators, token


def _show_platform(screen: Screen, site: str, business_date: date) -> None:
    screen.print()
    screen.print(f"[bold]The platform[/bold] (business date {business_date}):")
    screen.print(f"  Borrower app      {site}/app/      sign up with a passkey, apply, draw, repay")
    screen.print("                    (the browser's own passkey, or choose a phone and scan the QR code to "
                 "use its fingerprint or face)")  # fmt: skip
    screen.print(f"  Operator console  {site}/console/  portfolio, reviews, collections, alerts, models, "
                 "funding, audit")  # fmt: skip
    screen.print(f"  API               {site}/openapi.json")
    screen.print(f"  {RP_ID_WHY}")
    screen.print()


def _show_applicants(screen: Screen, samples: list[dict[str, str]]) -> None:
    if not samples:
        return
    screen.print()
    screen.print("[bold]Sample applicants[/bold] to type into the application form (made up; each would be "
                 "approved today):")  # fmt: skip
    for s in samples:
        screen.print(f"  {s['name']}  ID {s['id_number']}  phone {s['phone']}  card {s['bank_card']}  "
                     f"income {s['income_monthly']} ({s['employment']})  → limit {s['limit']}")  # fmt: skip


def _show_token(screen: Screen, site: str, token: dict[str, Any]) -> None:
    screen.print()
    screen.print(f"API token (DEVELOPMENT ONLY: an admin session for {token['lifetime_hours']} h, ending after "
                 f"{token['idle_minutes']} idle minutes):")  # fmt: skip
    screen.print(f'  curl -H "Authorization: Bearer {token["token"]}" {site}/v1/reports/portfolio')


def _show_files(screen: Screen, layout: DemoLayout) -> None:
    screen.print()
    screen.print(f"Files: {layout.folder}  (model and portfolio reports, the ABS tape, deal and report, "
                 "demo.json, server.log)")  # fmt: skip
    screen.print(f"The CLI on this database: export CREDITLINE_DB={layout.url}")


def _serve(screen: Screen, layout: DemoLayout, options: DemoOptions) -> None:
    from creditline.demo.serving import HOST, origin, serve, serve_command

    env = {"CREDITLINE_BALANCE_SHEET": str(layout.balance_sheet)} if layout.balance_sheet.is_file() else {}
    screen.print()
    screen.print(f"Starting the server on {HOST}:{options.port} …")

    def ready() -> None:
        screen.print(f"[bold green]Ready:[/bold green] open {origin(options.port)}/app/ and "
                     f"{origin(options.port)}/console/ — Ctrl-C stops the server.")  # fmt: skip

    serve(serve_command(layout.url, options.port), env, layout.folder / "server.log", options.port, ready)
    screen.print(
        "Server stopped. `make demo` again starts it in seconds (the demo is kept; --fresh rebuilds it)."
    )
