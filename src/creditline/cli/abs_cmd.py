"""`creditline abs`: securitisation of a pool of loans — select, structure, run, report.

    creditline abs tape      --loans 2000 --out tape.csv          a synthetic tape to try things on
    creditline abs pool      --tape tape.csv --deal deal.yaml     eligibility waterfall, pool profile, sale
    creditline abs structure --tape tape.csv --deal deal.yaml     capital structure against the pool
    creditline abs run       --tape tape.csv --deal deal.yaml     waterfall, tranche metrics, Monte Carlo
    creditline abs report    --tape tape.csv --deal deal.yaml --out report/
    creditline abs tape      --from-db --out tape.csv [--as-of D]  the platform's own loans as a tape
    creditline abs sell | deals | deal | reconcile              a pool sold to a trust, in the books (abs_books)
    creditline abs run       --deal ID                          a recorded deal's waterfall on its collections

Mistakes in a file are reported against the option that named it: `error: --deal: tranches[1].coupon_rate: ...`.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import typer

from creditline.errors import DomainError

TAPE_OPTION = typer.Option(
    ..., "--tape", help="Loan tape: .csv or .parquet (columns in docs/securitisation.md)."
)
DEAL_OPTION = typer.Option(
    ..., "--deal", help="Deal file: .yaml, .toml or .json (structure and eligibility)."
)
JSON_OPTION = typer.Option(False, "--json", help="Print the result as JSON on stdout.")


@contextlib.contextmanager
def blame(option: str, *, prefix: str = "") -> Iterator[None]:
    """Report an error found inside a file against the option that named the file."""
    try:
        yield
    except DomainError as exc:
        inner = f"{prefix}{exc.field}" if exc.field else prefix.rstrip(".")
        message = f"{inner}: {exc.message}" if inner else exc.message
        raise type(exc)(message, field=option, code=exc.code) from None


def register(app: typer.Typer) -> None:
    abs_app = typer.Typer(
        help="Securitisation: pool selection, deal structure, cash-flow waterfall, Monte Carlo.",
        no_args_is_help=True,
    )
    app.add_typer(abs_app, name="abs")
    _register_inputs(abs_app)
    _register_run(abs_app)
    _register_report(abs_app)
    from creditline.cli.abs_books import register_books

    register_books(abs_app)


def _register_inputs(abs_app: typer.Typer) -> None:
    @abs_app.command("tape")
    def tape_command(
        out: Path = typer.Option(..., "--out", help="Where to write the tape (.csv or .parquet)."),
        loans: int = typer.Option(2_000, "--loans", min=1, max=5_000_000, help="Number of loans."),
        seed: int = typer.Option(7, "--seed", min=0, help="Random seed (same seed, same tape)."),
        currency: str = typer.Option("CNY", "--currency", help="ISO 4217 currency of the loans."),
        from_db: bool = typer.Option(False, "--from-db", help="The platform's own loans from the books instead."),
        as_of: str | None = typer.Option(None, "--as-of", help="With --from-db: a past day's snapshot (YYYY-MM-DD)."),
        salt: str | None = typer.Option(None, "--salt", help="With --from-db: borrower pseudonym salt (default random)."),
        db_url: str | None = typer.Option(None, "--db", help="With --from-db: database URL (default $CREDITLINE_DB)."),
    ) -> None:
        """Write a synthetic consumer-loan tape (for trying the commands; not real data), or the books' own."""
        from creditline.cli.abs_files import table_bytes, write_atomic
        from creditline.funding.synthetic import synthetic_tape
        from creditline.money import currency as lookup

        if from_db:
            _books_tape(out, as_of, salt, db_url)
            return
        code = lookup(currency).code
        write_atomic(out, table_bytes(synthetic_tape(loans, seed=seed, currency=code), out, field="out"))
        typer.echo(f"wrote {loans:,} loans to {out}")

    @abs_app.command("pool")
    def pool_command(
        tape: Path = TAPE_OPTION,
        deal: Path = DEAL_OPTION,
        out: Path | None = typer.Option(
            None, "--out", help="Write the selected loans as a tape (.csv or .parquet)."
        ),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Select the pool by the deal's eligibility criteria: exclusions, profile, sale to the trust."""
        from creditline.cli.abs_files import table_bytes, write_atomic
        from creditline.funding.summaries import pool_summary

        built = load_deal(tape, deal)
        summary = pool_summary(built)
        content = table_bytes(built.selection.tape.to_columns(), out, field="out") if out else None
        if content is not None and out is not None:
            write_atomic(out, content)
        _emit(summary, as_json, _print_pool)

    @abs_app.command("structure")
    def structure_command(
        tape: Path = TAPE_OPTION, deal: Path = DEAL_OPTION, as_json: bool = JSON_OPTION
    ) -> None:
        """Check the deal's tranches against the selected pool and show the capital structure."""
        from creditline.funding.summaries import structure_summary

        _emit(structure_summary(load_deal(tape, deal)), as_json, _print_structure)


def _books_tape(out: Path, as_of: str | None, salt: str | None, db_url: str | None) -> None:
    from creditline.app.securitisation_tape import export_tape
    from creditline.cli.abs_files import table_bytes, write_atomic
    from creditline.cli.db_cmd import engine_for, parse_date

    exported = export_tape(engine_for(db_url), parse_date(as_of, "as_of"), salt=salt)
    if not exported["loans"]:
        from creditline.funding.errors import TapeError

        raise TapeError(f"the books hold no loan to put on a tape on {exported['as_of']}", field="from_db")
    write_atomic(out, table_bytes(exported["columns"], out, field="out"))
    left_out = ", ".join(f"{n} ({reason})" for reason, n in exported["excluded"].items())
    typer.echo(f"wrote {exported['loans']:,} loans of the books as of {exported['as_of']} to {out}"
               + (f"; left out {left_out}" if left_out else ""))  # fmt: skip


def _deal_run(deal_id: str, db_url: str | None, as_json: bool) -> None:
    from creditline.app.trust_waterfall import deal_run
    from creditline.cli.db_cmd import engine_for

    view = deal_run(engine_for(db_url), deal_id)
    if as_json:
        typer.echo(json.dumps(view, indent=2))
        return
    typer.echo(f"{view['name']} ({view['deal_id']}): {len(view['periods'])} period(s) on the books' collections")
    for row in view["periods"]:
        notes = ", ".join(f"{t['name']} {t['balance']}" for t in row["tranches"])
        typer.echo(f"  {row['period']:>3} {row['payment_date']}  collected {row['collections']:>14}  pool "
                   f"{row['pool_balance']:>14}  fees {row['fees_paid']}  residual {row['residual']}  {notes}")  # fmt: skip
    for trigger in view["triggers"]:
        state = "BREACHED" if trigger["breached"] else "ok"
        typer.echo(f"  trigger {trigger['name']}: {trigger['metric']} {trigger['value']:.4%} (level {trigger['level']}) {state}")


def _register_run(abs_app: typer.Typer) -> None:
    @abs_app.command("run")
    def run_command(
        tape: Path | None = typer.Option(
            None, "--tape", help="Loan tape (.csv/.parquet). Without it --deal names a deal recorded in the books."
        ),
        deal: Path = DEAL_OPTION,
        scenario: Path | None = typer.Option(
            None, "--scenario", help="Assumptions file (.yaml/.toml/.json)."
        ),
        default_model: str | None = typer.Option(None, "--default-model", help="cdr | pd | roll_rate."),
        cdr: str | None = typer.Option(
            None, "--cdr", help="Annual default rate, or a monthly vector: 2%,4%,6%."
        ),
        cpr: str | None = typer.Option(None, "--cpr", help="Annual prepayment rate, or a monthly vector."),
        recovery_rate: str | None = typer.Option(
            None, "--recovery-rate", help="Share of a default recovered."
        ),
        recovery_lag_months: int | None = typer.Option(
            None, "--recovery-lag-months", help="Months to recovery."
        ),
        pd_multiplier: str | None = typer.Option(None, "--pd-multiplier", help="Stress on PDs (pd model)."),
        horizon_months: int | None = typer.Option(None, "--horizon-months", help="Months to project."),
        paths: int | None = typer.Option(
            None, "--paths", min=0, help="Monte Carlo scenarios (default 0: none)."
        ),
        correlation: str | None = typer.Option(
            None, "--correlation", help="Asset correlation for Monte Carlo."
        ),
        seed: int | None = typer.Option(None, "--seed", min=0, help="Monte Carlo random seed."),
        cashflows: Path | None = typer.Option(
            None, "--cashflows", help="Write the period cash-flow table (.csv)."
        ),
        as_json: bool = JSON_OPTION,
        db_url: str | None = typer.Option(None, "--db", help="Without --tape: database URL (default $CREDITLINE_DB)."),
    ) -> None:
        """Project the pool, run the waterfall and report each tranche; optionally Monte Carlo.

        Without --tape, --deal is a deal sold from the books: its waterfall runs on what its loans collected."""
        options = _assumption_options(
            default_model, cdr, cpr, recovery_rate, recovery_lag_months, pd_multiplier, horizon_months
        )
        mc_options = _mc_options(paths, correlation, seed)
        if tape is None:
            if options or mc_options or scenario is not None or cashflows is not None:
                raise DomainError("a recorded deal runs on its collections: assumptions need a --tape", field="tape")
            _deal_run(str(deal), db_url, as_json)
            return
        outcome = analyse(tape, deal, scenario, options, mc_options, default_paths=0)
        if cashflows is not None:
            from creditline.cli.abs_files import table_bytes, write_atomic
            from creditline.funding.summaries import cash_flow_rows

            rows = cash_flow_rows(outcome["run"])
            columns = {key: [row[key] for row in rows] for key in rows[0]}
            write_atomic(cashflows, table_bytes(columns, cashflows, field="cashflows"), field="cashflows")
        _emit(outcome["summary"], as_json, _print_run)


def _register_report(abs_app: typer.Typer) -> None:
    @abs_app.command("report")
    def report_command(
        tape: Path = TAPE_OPTION,
        deal: Path = DEAL_OPTION,
        out: Path = typer.Option(..., "--out", help="Directory for report.html and its charts."),
        scenario: Path | None = typer.Option(
            None, "--scenario", help="Assumptions file (.yaml/.toml/.json)."
        ),
        cdr: str | None = typer.Option(None, "--cdr", help="Annual default rate (or vector)."),
        cpr: str | None = typer.Option(None, "--cpr", help="Annual prepayment rate (or vector)."),
        recovery_rate: str | None = typer.Option(
            None, "--recovery-rate", help="Share of a default recovered."
        ),
        recovery_lag_months: int | None = typer.Option(
            None, "--recovery-lag-months", help="Months to recovery."
        ),
        paths: int | None = typer.Option(
            None, "--paths", min=0, help="Monte Carlo scenarios (default 10,000)."
        ),
        correlation: str | None = typer.Option(
            None, "--correlation", help="Asset correlation for Monte Carlo."
        ),
        seed: int | None = typer.Option(None, "--seed", min=0, help="Monte Carlo random seed."),
    ) -> None:
        """Write an HTML report with charts: tranche balances, collections, loss distributions."""
        from creditline.cli.abs_files import write_atomic
        from creditline.funding.report import render_report

        options = _assumption_options(None, cdr, cpr, recovery_rate, recovery_lag_months, None, None)
        outcome = analyse(
            tape, deal, scenario, options, _mc_options(paths, correlation, seed), default_paths=10_000
        )
        summary = outcome["summary"]
        files = render_report(
            outcome["run"], summary["pool"], summary["structure"], summary["run"], outcome["mc"]
        )
        for name, content in files.items():
            write_atomic(out / name, content)
        typer.echo(f"wrote {out / 'report.html'} and {len(files) - 1} chart(s)")


def load_deal(tape_path: Path, deal_path: Path):
    """Read and validate the tape and the deal file, then select, size and price the pool."""
    from creditline.cli.abs_files import read_spec, read_tape_columns
    from creditline.funding.deal import build_deal
    from creditline.funding.errors import EmptyPool
    from creditline.funding.structure import deal_spec
    from creditline.funding.tape import loan_tape

    with blame("deal"):
        spec = deal_spec(read_spec(deal_path, field="deal"))
    with blame("tape"):
        tape = loan_tape(read_tape_columns(tape_path))
    try:
        return build_deal(spec, tape)
    except EmptyPool as exc:
        with blame("deal", prefix="eligibility."):
            raise exc from None
    except DomainError as exc:
        with blame("deal"):
            raise exc from None


def _assumption_options(
    default_model, cdr, cpr, recovery_rate, recovery_lag_months, pd_multiplier, horizon_months
) -> dict[str, Any]:
    given = {
        "default_model": default_model,
        "cdr": _curve_text(cdr),
        "cpr": _curve_text(cpr),
        "recovery_rate": recovery_rate,
        "recovery_lag_months": recovery_lag_months,
        "pd_multiplier": pd_multiplier,
        "horizon_months": horizon_months,
    }
    return {key: value for key, value in given.items() if value is not None}


def _curve_text(text: str | None) -> list[str] | None:
    return None if text is None else [part.strip() for part in text.split(",") if part.strip()] or [text]


def _mc_options(paths: int | None, correlation: str | None, seed: int | None) -> dict[str, Any]:
    given = {"paths": paths, "correlation": correlation, "seed": seed}
    return {key: value for key, value in given.items() if value is not None}


def analyse(
    tape: Path,
    deal: Path,
    scenario: Path | None,
    options: dict[str, Any],
    mc_options: dict[str, Any],
    default_paths: int,
) -> dict[str, Any]:
    """Deterministic run, break-even CDRs and (when paths > 0) Monte Carlo, with their summaries."""
    from creditline.funding.deal import break_even_cdrs, run_deal
    from creditline.funding.metrics import tranche_metrics
    from creditline.funding.montecarlo import monte_carlo
    from creditline.funding.summaries import monte_carlo_summary, pool_summary, run_summary, structure_summary

    built = load_deal(tape, deal)
    assumptions, settings, paths = _scenario(scenario, options, mc_options, default_paths)
    run = run_deal(built, assumptions)
    summary = run_summary(
        run, tranche_metrics(run.result, built.structure), break_even_cdrs(built, assumptions)
    )
    try:
        mc = monte_carlo(built, assumptions, settings) if paths else None
    except DomainError as exc:
        if scenario is None or "paths" in mc_options:
            raise
        with blame("scenario", prefix="monte_carlo."):  # the paths came from the scenario file
            raise exc from None
    everything = {
        "pool": pool_summary(built),
        "structure": structure_summary(built),
        "run": summary,
        "monte_carlo": monte_carlo_summary(mc) if mc is not None else None,
    }
    return {"run": run, "mc": mc, "summary": everything}


def _scenario(scenario: Path | None, options: dict[str, Any], mc_options: dict[str, Any], default_paths: int):
    """Assumptions and Monte Carlo settings: the scenario file, overridden by command-line options.

    An error is reported against the option that gave the bad value, else against --scenario."""
    from creditline.cli.abs_files import read_spec
    from creditline.funding.assumptions import assumptions as parse_assumptions
    from creditline.funding.montecarlo import monte_carlo_settings

    from_file: dict[str, Any] = {}
    if scenario is not None:
        with blame("scenario"):
            from_file = read_spec(scenario, field="scenario")
    mc_file = from_file.pop("monte_carlo", None)
    if mc_file is None:
        mc_file = {}
    elif not isinstance(mc_file, dict):
        from creditline.funding.errors import AssumptionError

        with blame("scenario"):
            raise AssumptionError(
                "expected a mapping of paths, correlation, seed, granular", field="monte_carlo"
            )
    mc_merged = {"paths": default_paths} | mc_file | mc_options
    paths = mc_merged.get("paths")
    prefix = ""  # where in the scenario file a bad value sits: Monte Carlo settings under monte_carlo
    try:
        parsed = parse_assumptions(from_file | options)
        prefix = "monte_carlo."
        settings = monte_carlo_settings(mc_merged | {"paths": paths or 1})
    except DomainError as exc:
        top = (exc.field or "").split(".")[0].split("[")[0]
        if top in options or top in mc_options:
            raise
        if scenario is None:  # no file was given: the options together are to blame
            given = [*options, *mc_options]
            blamed = "default_model" if "default_model" in given else (given[0] if given else None)
            raise type(exc)(exc.message, field=exc.field or blamed, code=exc.code) from None
        with blame("scenario", prefix=prefix):
            raise exc from None
    return parsed, settings, paths


def _emit(summary: dict[str, Any], as_json: bool, printer) -> None:
    if as_json:
        typer.echo(json.dumps(summary, indent=2, default=str))
    else:
        printer(summary)


def _print_pool(summary: dict[str, Any]) -> None:
    from creditline.funding.summaries import major

    code = summary["currency"]
    typer.echo(
        f"tape: {summary['source_loans']:,} loans, {major(summary['source_principal_minor'], code)} {code}"
    )
    for e in summary["exclusions"]:
        if e["loans"]:
            typer.echo(
                f"  excluded by {e['rule']}: {e['loans']:,} loans, {major(e['principal_minor'], code)} {code}"
            )
    typer.echo(
        f"pool: {summary['selected_loans']:,} loans, {major(summary['selected_principal_minor'], code)} {code}"
    )
    total = summary["profile"]["total"]
    typer.echo(
        f"  WA rate {total['wa_annual_rate']:.2%}, WA remaining term {total['wa_remaining_term_months']:.1f} months"
    )
    sale = summary["sale"]
    typer.echo(
        f"sale at {Decimal(sale['price']) * 100:f}% of par: {major(sale['price_minor'], code)} {code}, "
        f"gain on sale {major(sale['gain_on_sale_minor'], code)} {code}"
    )


def _print_structure(summary: dict[str, Any]) -> None:
    from creditline.funding.summaries import major

    code = summary["currency"]
    typer.echo(
        f"{summary['name']}: pool {major(summary['pool_balance_minor'], code)} {code}, principal {summary['principal_payment']}"
    )
    for t in summary["tranches"]:
        typer.echo(
            f"  {t['name']:<8} {major(t['balance_minor'], code):>20} {t['share']:>8.2%}  CE {t['credit_enhancement']:>7.2%}  coupon {float(t['coupon_rate']):.3%}"
        )


def _print_run(summary: dict[str, Any]) -> None:
    from creditline.funding.summaries import major

    code = summary["structure"]["currency"]
    run = summary["run"]
    typer.echo(
        f"{summary['structure']['name']}: {run['periods']} periods, pool cumulative default rate {run['pool']['cumulative_default_rate']:.2%}"
    )
    for t in run["tranches"]:
        wal = "-" if t["wal_years"] is None else f"{t['wal_years']:.2f}y"
        yld = "-" if t["yield_annual"] is None else f"{t['yield_annual']:.2%}"
        cdr = "never" if t["break_even_cdr"] is None else f"{t['break_even_cdr']:.2%}"
        if t["balance_end_minor"]:
            cdr = f"-  outstanding {major(t['balance_end_minor'], code)}"
        typer.echo(
            f"  {t['name']:<8} WAL {wal:>6}  yield {yld:>7}  principal {major(t['principal_paid_minor'], code):>18}  loss {t['loss_rate']:.2%}  break-even CDR {cdr}"
        )
    if any(t["balance_end_minor"] for t in run["tranches"]):
        months = run["periods"]
        typer.echo(
            f"  the horizon ({months} month{'s' if months != 1 else ''}) ends before the deal: losses count to it only;"
            " WAL, yield and break-even need the tranche's whole life"
        )
    mc = summary["monte_carlo"]
    if mc:
        typer.echo(f"Monte Carlo, {mc['paths']:,} scenarios, rho {mc['correlation']}:")
        for t in mc["tranches"]:
            typer.echo(
                f"  {t['name']:<8} expected loss {t['expected_loss']:.4%}  P(loss) {t['probability_of_loss']:.2%}  p99 {t['percentiles']['p99']:.2%}"
            )
