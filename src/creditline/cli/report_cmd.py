"""`creditline report portfolio`: the portfolio report for one as-of date, as JSON, CSV and HTML.

Snapshots come from the database EOD writes them to (`--db`), or from a file (`--snapshots`, CSV
or Parquet, the schema in docs/portfolio-metrics.md). Everything is read, validated and computed
before the first file is written, and every file is written to a temporary name before any is renamed,
so a mistake or a failed write leaves the output untouched.
"""

from __future__ import annotations

import json
import os
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer

from creditline.errors import DomainError

REPORT_TABLES = ("buckets", "tiers", "vintage", "roll_rates", "transition_matrix", "ecl_by_stage",
                 "provision_matrix")


def register(app: typer.Typer) -> None:
    report = typer.Typer(help="Reports over the loan book.", no_args_is_help=True)
    app.add_typer(report, name="report")

    @report.command("portfolio")
    def portfolio(
        as_of: Annotated[str, typer.Option("--as-of", help="snapshot date, YYYY-MM-DD")],
        out: Annotated[Path, typer.Option("--out", help="directory for the JSON, CSV and HTML files")],
        snapshots: Annotated[Path | None, typer.Option("--snapshots", help="loan snapshots, .csv or .parquet "
                                                       "(default: the database's, which EOD writes)")] = None,
        pd_method: Annotated[str, typer.Option("--pd-method", help="PD term structure: model or markov")] = "model",
        ccf: Annotated[str, typer.Option("--ccf", help="credit conversion factor of undrawn limits")] = "0.5",
        lgd: Annotated[str | None, typer.Option("--lgd", help="LGD for loans without one (default: "
                                                "the workout LGD from recoveries)")] = None,
        tier_policy: Annotated[str, typer.Option("--tier-policy", help="china-2023 or china-card-2011")] = "china-2023",
        coverage_min: Annotated[str, typer.Option("--coverage-min", help="provision coverage minimum, 1.2–1.5")] = "1.5",
        loan_provision_min: Annotated[str, typer.Option("--loan-provision-min",
                                                        help="loan provision minimum, 0.015–0.025")] = "0.025",
        balance_sheet: Annotated[Path | None, typer.Option("--balance-sheet", help="capital, HQLA and cash "
                                                           "flows as JSON")] = None,
        transition_months: Annotated[int, typer.Option("--transition-months", help="roll-rate window")] = 12,
        workout_months: Annotated[int, typer.Option("--workout-months", help="LGD workout period")] = 12,
        as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON on stdout")] = False,
        db_url: Annotated[str | None, typer.Option("--db", help="database URL when reading EOD's snapshots "
                                                   "(default $CREDITLINE_DB or a file)")] = None,
        currency_code: Annotated[str | None, typer.Option("--currency", help="the loans of this currency (needed "
                                                          "when the book has loans in several)")] = None,
    ) -> None:
        """Default rate, NPL, vintages, roll rates, IFRS 9 ECL, provisions, capital and liquidity."""
        from creditline.cli.db_cmd import parse_date
        from creditline.portfolio.report import ReportOptions, build_report

        day = parse_date(as_of, "as_of")
        assert day is not None
        options = ReportOptions(
            ccf=_decimal(ccf, "ccf"), lgd=None if lgd is None else _decimal(lgd, "lgd"),
            pd_method=_choice_pd_method(pd_method), tier_policy=_choice_tier_policy(tier_policy),
            requirement=_requirement(coverage_min, loan_provision_min),
            balance_sheet=None if balance_sheet is None else _read_balance_sheet(balance_sheet),
            transition_months=transition_months, workout_months=workout_months,
            currency=None if currency_code is None else _currency(currency_code),
        )
        if snapshots is not None:
            report = build_report(read_snapshots(snapshots), day, options)
        else:
            report = _database_report(db_url, day, options)
        files = _render(report)
        written = _write_all(out, files)
        if as_json:
            typer.echo(report.to_json(), nl=False)
            return
        summary = report.summary
        typer.echo(f"portfolio report as of {summary['as_of']}: {summary['loans_on_book']} loans on book, "
                   f"NPL ratio {summary['npl']['npl_ratio']}, ECL allowance {summary['ecl']['allowance_minor']} "
                   f"minor units of {summary['currency']}")
        for path in written:
            typer.echo(f"wrote {path}")


def read_snapshots(path: Path) -> Any:
    """A validated snapshot frame from a CSV or Parquet file."""
    import polars as pl

    from creditline.portfolio.snapshot import validate

    if not path.is_file():
        raise DomainError(f"{path} does not exist or is not a file", field="snapshots")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            # Read every column as text: the schema check then names the column that does not convert.
            frame = pl.read_csv(path, infer_schema_length=0)
        elif suffix in (".parquet", ".pq"):
            frame = pl.read_parquet(path)
        else:
            raise DomainError(f"{path.name}: expected a .csv or .parquet file", field="snapshots")
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise DomainError(f"cannot read {path.name}: {str(exc).splitlines()[0]}", field="snapshots") from exc
    return validate(frame)


def _database_report(db_url: str | None, as_of: date, options: Any) -> Any:
    """The report over EOD's snapshots, with the allowance EOD booked that day beside the report's own."""
    from creditline.app.eod_reports import database_report, portfolio_snapshots
    from creditline.cli.db_cmd import engine_for

    engine = engine_for(db_url)
    return database_report(engine, portfolio_snapshots(engine, as_of), as_of, options)


def _decimal(text: str, field: str) -> Decimal:
    from creditline.money import parse_decimal

    return parse_decimal(text, field=field)


def _currency(code: str) -> Any:
    from creditline.money import currency

    return currency(code)


def _choice_pd_method(text: str) -> Any:
    from creditline.portfolio.ecl import PdMethod

    try:
        return PdMethod(text)
    except ValueError as exc:
        raise DomainError(f"{text!r} is not one of model, markov", field="pd_method") from exc


def _choice_tier_policy(text: str) -> Any:
    from creditline.portfolio.delinquency import TIER_POLICIES

    if text not in TIER_POLICIES:
        raise DomainError(f"{text!r} is not one of {', '.join(TIER_POLICIES)}", field="tier_policy")
    return TIER_POLICIES[text]


def _requirement(coverage_min: str, loan_provision_min: str) -> Any:
    from creditline.portfolio.provisions import ProvisionRequirement

    return ProvisionRequirement(_decimal(coverage_min, "coverage_min"),
                                _decimal(loan_provision_min, "loan_provision_min"))


def _read_balance_sheet(path: Path) -> Any:
    from creditline.portfolio.balance_sheet import parse_balance_sheet

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DomainError(f"cannot read {path}: {exc.strerror or exc}", field="balance_sheet") from exc
    except UnicodeDecodeError as exc:  # has no strerror
        raise DomainError(f"cannot read {path}: not UTF-8 text ({exc.reason})", field="balance_sheet") from exc
    except json.JSONDecodeError as exc:
        raise DomainError(f"{path.name} is not JSON: {exc.msg} at line {exc.lineno}", field="balance_sheet") from exc
    except (ValueError, RecursionError) as exc:  # digits beyond int's limit; nested deeper than the parser recurses
        raise DomainError(f"{path.name} is not JSON this reads: {exc}", field="balance_sheet") from exc
    return parse_balance_sheet(data)


def _render(report: Any) -> dict[str, str]:
    stem = f"portfolio-{report.as_of.isoformat()}"
    files = {f"{stem}.json": report.to_json(), f"{stem}.html": report.to_html()}
    for name in REPORT_TABLES:
        files[f"{stem}-{name.replace('_', '-')}.csv"] = report.csv(name)
    return files


def _write_all(out: Path, files: dict[str, str]) -> list[Path]:
    if out.exists() and not out.is_dir():
        raise DomainError(f"{out} exists and is not a directory", field="out")
    # Every file goes to its temporary name first and only then are they renamed, so a write that fails
    # (a full disk) leaves the previous report whole, not some files of the new one beside the old.
    temporaries = {out / f".{name}.partial": out / name for name in files}
    try:
        out.mkdir(parents=True, exist_ok=True)
        for (temporary, _), text in zip(temporaries.items(), files.values(), strict=True):
            temporary.write_text(text, encoding="utf-8")
        for temporary, target in temporaries.items():
            os.replace(temporary, target)
    except OSError as exc:
        for temporary in temporaries:
            if temporary.is_file():
                temporary.unlink(missing_ok=True)
        raise DomainError(f"cannot write to {out}: {exc.strerror or exc}", field="out") from exc
    return list(temporaries.values())
