"""`creditline schedule` and `creditline apr`: repayment schedules and annualised rates.

Options arrive as text and are validated by the domain, so every mistake becomes one line naming the
option and the rule (exit 2). `--json` prints amounts as decimal strings in major units.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

import typer

from creditline.errors import DomainError
from creditline.money import InvalidAmount, Money, Rate, currency

Opt = typer.Option


def register(app: typer.Typer) -> None:
    app.command("schedule")(schedule)
    app.command("apr")(apr)


def schedule(
    principal: Annotated[str, Opt(help="Principal in major units, e.g. 10000 or 1,234.56.")],
    installments: Annotated[str, Opt(help="Number of installments, 1 to 360.")] = "12",
    currency_code: Annotated[str, Opt("--currency", help="ISO 4217 code.")] = "CNY",
    annual_rate: Annotated[str | None, Opt(help="Annual rate in percent, e.g. 18.")] = None,
    daily_rate: Annotated[str | None, Opt(help="Daily rate in percent, e.g. 0.05 (借呗 style).")] = None,
    method: Annotated[
        str, Opt(help="equal-installment, equal-principal, interest-only, bullet, flat.")
    ] = "equal-installment",
    frequency: Annotated[str, Opt(help="monthly, weekly or daily.")] = "monthly",
    every: Annotated[str, Opt(help="Repay every N periods.")] = "1",
    interest_basis: Annotated[
        str, Opt(help="period (rate ÷ periods a year) or daily (rate × days ÷ year).")
    ] = "period",
    days_in_year: Annotated[str, Opt(help="360, 364, 365 or actual.")] = "actual",
    days_in_month: Annotated[str, Opt(help="30 or actual.")] = "actual",
    emi_solve: Annotated[
        str | None,
        Opt(
            help="Level installment from the nominal rate or each period's actual rate "
            "(default: nominal up to 12 installments, actual beyond)."
        ),
    ] = None,
    disbursed: Annotated[str | None, Opt(help="Disbursement date YYYY-MM-DD (default: today).")] = None,
    first_due: Annotated[str | None, Opt(help="First due date YYYY-MM-DD (a broken first period).")] = None,
    installment_multiple: Annotated[
        str | None, Opt(help="Round level installments to this amount, e.g. 1.")
    ] = None,
    grace_principal: Annotated[str, Opt(help="Interest-only periods before principal is repaid.")] = "0",
    rounding: Annotated[str, Opt(help="half-up or half-even (also down, up).")] = "half-up",
    as_json: Annotated[bool, Opt("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Print a repayment schedule and its annualised rate."""
    from creditline.lending.schedule import ScheduleTerms, build_schedule

    code = currency(currency_code).code
    terms = ScheduleTerms(
        principal=Money.parse(principal, code, field="principal"),
        rate=_rate(annual_rate, daily_rate),
        installments=_whole(installments, "installments"),
        disbursed=_date(disbursed, "disbursed") if disbursed is not None else _today(),
        method=method,
        frequency=frequency,
        every=_whole(every, "every"),
        first_due=_date(first_due, "first_due") if first_due is not None else None,
        interest_basis=interest_basis,
        days_in_year=days_in_year,
        days_in_month=days_in_month,
        emi_solve=emi_solve,  # None: the terms' own default rule (nominal up to 12 installments, actual beyond)
        installment_multiple_minor=_multiple(installment_multiple, code),
        grace_principal=_whole(grace_principal, "grace_principal"),
        rounding=rounding,
    )
    result = build_schedule(terms)
    document = schedule_document(result)
    if as_json:
        typer.echo(json.dumps(document, ensure_ascii=False))
    else:
        _print_table(document)


def schedule_document(result: Any) -> dict[str, Any]:
    """The JSON form of a schedule: rows, totals and annualised rates (amounts in major units as text)."""
    from creditline.lending.apr import schedule_apr

    flows = result.cash_flows()
    irr = schedule_apr(flows, "irr")
    reg_z = schedule_apr(flows, "reg-z")
    rows = [
        {
            "n": row.n,
            "due_date": row.due_date.isoformat(),
            "days": row.days,
            "principal": row.principal.amount_str(),
            "interest": row.interest.amount_str(),
            "total": row.total.amount_str(),
            "balance": row.balance_after.amount_str(),
        }
        for row in result.rows
    ]
    return {
        "currency": result.terms.currency_code,
        "method": result.terms.method.value,
        "rows": rows,
        "totals": {
            "installments": len(rows),
            "principal": result.total_principal.amount_str(),
            "interest": result.total_interest.amount_str(),
            "total": result.total_payment.amount_str(),
        },
        "apr": {
            "apr_pct": str(irr.apr_pct_display),
            "effective_annual_pct": _pct(irr.effective_annual_pct),
            "reg_z_apr_pct": str(reg_z.apr_pct_display),
            "unit_period": irr.unit_period.name,
            "periods_per_year": _fraction_text(irr.periods_per_year),
        },
    }


def apr(
    as_json: Annotated[bool, Opt("--json", help="Print JSON instead of a line of text.")] = False,
) -> None:
    """Annualised rate of a cash flow read as JSON on stdin.

    {"advance": {"amount", "date"}, "payments": [{"amount", "date"}, ...], "method": "reg-z" | "irr"}
    with optional "currency" (default CNY), "unit_period" (e.g. "month", "week", "semimonth") and
    "disclosed_apr_pct" (checked against the 1/8 or 1/4 point tolerance).
    """
    from creditline.cli.main import fail
    from creditline.lending.apr import annual_rate

    try:
        request = json.loads(sys.stdin.read(), parse_float=Decimal)
    except json.JSONDecodeError as exc:
        fail(f"stdin: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})")
    except (ValueError, RecursionError) as exc:  # digits beyond int's limit; nested deeper than the parser recurses
        fail(f"stdin: not JSON this reads ({exc})")
    try:
        advance, payments, method, unit, disclosed = _apr_request(request)
        result = annual_rate(advance, payments, method, unit)
    except DomainError as exc:
        fail(f"{exc.field}: {exc.message}" if exc.field else exc.message)
    document = {
        "apr_pct": str(result.apr_pct_display),
        "apr_pct_exact": str(result.apr_pct),
        "method": result.method.value,
        "unit_period": result.unit_period.name,
        "periods_per_year": _fraction_text(result.periods_per_year),
        "periodic_rate": f"{result.periodic_rate:.12f}",
        "effective_annual_pct": _pct(result.effective_annual_pct),
        "regular": result.regular,
        "tolerance_pct": str(result.tolerance_pct),
    }
    if disclosed is not None:
        document["disclosed_apr_pct"] = str(disclosed)
        document["within_tolerance"] = result.within_tolerance(disclosed)
    if as_json:
        typer.echo(json.dumps(document))
    else:
        typer.echo(
            f"APR {document['apr_pct']}% ({result.method.value}, unit period {result.unit_period.name})"
        )


def _apr_request(request: Any) -> tuple[Any, list[Any], str, Any, Decimal | None]:
    from creditline.lending.apr import AprMethod, Payment
    from creditline.lending.apr_periods import UnitPeriod
    from creditline.lending.errors import CashFlowInvalid

    if not isinstance(request, dict):
        raise CashFlowInvalid("expected a JSON object with advance and payments", field="stdin")
    code = currency(_text(request.get("currency", "CNY"), "currency")).code
    advance = _flow(request.get("advance"), code, "advance")
    payments = request.get("payments")
    if not isinstance(payments, list) or not payments:
        raise CashFlowInvalid("expected a non-empty list of {amount, date}", field="payments")
    flows = [_flow(item, code, f"payments[{index}]") for index, item in enumerate(payments)]
    method = _text(request.get("method", "reg-z"), "method")
    if method not in {m.value for m in AprMethod}:
        raise CashFlowInvalid(f"{method!r} is not one of reg-z, irr", field="method")
    unit = None
    if "unit_period" in request:
        unit = _unit_period(_text(request["unit_period"], "unit_period"), UnitPeriod)
    disclosed = None
    if "disclosed_apr_pct" in request:
        disclosed = _decimal(request["disclosed_apr_pct"], "disclosed_apr_pct")
    return (
        Payment(advance[0], advance[1]),
        [Payment(on, amount) for on, amount in flows],
        method,
        unit,
        disclosed,
    )


def _flow(item: Any, code: str, where: str) -> tuple[date, Money]:
    from creditline.lending.errors import CashFlowInvalid

    if not isinstance(item, dict) or "amount" not in item or "date" not in item:
        raise CashFlowInvalid("expected an object with amount and date", field=where)
    amount = item["amount"]
    if isinstance(amount, Decimal | int) and not isinstance(amount, bool):
        money = Money.from_decimal(Decimal(amount), code, rounding=None, field=f"{where}.amount")
    else:
        money = Money.parse(_text(amount, f"{where}.amount"), code, field=f"{where}.amount")
    return _date(_text(item["date"], f"{where}.date"), f"{where}.date"), money


_UNIT_NAMES = {
    "day": ("day", 1),
    "week": ("week", 1),
    "semimonth": ("semimonth", 1),
    "month": ("month", 1),
    "quarter": ("month", 3),
    "half-year": ("month", 6),
    "year": ("month", 12),
}


def _unit_period(name: str, unit_type: Any) -> Any:
    from creditline.lending.errors import CashFlowInvalid

    if name not in _UNIT_NAMES:
        raise CashFlowInvalid(f"{name!r} is not one of {', '.join(_UNIT_NAMES)}", field="unit_period")
    kind, count = _UNIT_NAMES[name]
    return unit_type(kind, count)


def _text(value: Any, field: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return str(value)
    raise InvalidAmount(f"expected text, got {type(value).__name__}", field=field)


def _decimal(value: Any, field: str) -> Decimal:
    from creditline.money import parse_decimal

    return parse_decimal(_text(value, field), field=field)


def _rate(annual: str | None, daily: str | None) -> Rate:
    from creditline.money import InvalidRate

    if annual is not None and daily is not None:
        raise InvalidRate("give either --annual-rate or --daily-rate, not both", field="annual_rate")
    if annual is None and daily is None:
        raise InvalidRate(
            "give the rate: --annual-rate (percent a year) or --daily-rate (percent a day)",
            field="annual_rate",
        )
    if annual is not None:
        return Rate.annual_percent(annual, field="annual_rate")
    return Rate.daily_percent(daily, field="daily_rate")  # type: ignore[arg-type]


def _whole(text: str, field: str) -> int:
    from creditline.lending.errors import OptionInvalid

    cleaned = text.strip()
    if not cleaned.lstrip("+-").isdigit():
        raise OptionInvalid(f"{text!r} is not a whole number", field=field)
    return int(cleaned)


def _date(text: str, field: str) -> date:
    from creditline.cli.db_cmd import parse_date

    parsed = parse_date(text, field)
    assert parsed is not None
    return parsed


def _today() -> date:
    # The CLI is an edge: a default business date from the clock is allowed here, never in the domain.
    return date.today()


def _multiple(text: str | None, code: str) -> int | None:
    if text is None:
        return None
    multiple = Money.parse(text, code, field="installment_multiple")
    if multiple.minor <= 0:
        raise InvalidAmount("must be more than zero", field="installment_multiple")
    return multiple.minor


def _pct(value: Decimal) -> str:
    from decimal import ROUND_HALF_EVEN

    from creditline.lending.apr import quantize_wide

    return str(quantize_wide(value, Decimal("0.01"), ROUND_HALF_EVEN))


def _fraction_text(value: Any) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def _print_table(document: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Repayment schedule ({document['method']}, {document['currency']})")
    for name in ("n", "due date", "days", "principal", "interest", "total", "balance"):
        table.add_column(name, justify="left" if name == "due date" else "right")
    for row in document["rows"]:
        table.add_row(
            str(row["n"]),
            row["due_date"],
            str(row["days"]),
            row["principal"],
            row["interest"],
            row["total"],
            row["balance"],
        )
    totals = document["totals"]
    table.add_section()
    table.add_row("", "total", "", totals["principal"], totals["interest"], totals["total"], "")
    console = Console()
    console.print(table)
    rates = document["apr"]
    console.print(
        f"APR (IRR, PBOC) {rates['apr_pct']}%  effective annual {rates['effective_annual_pct']}%  "
        f"Reg Z APR {rates['reg_z_apr_pct']}%  unit period {rates['unit_period']}"
    )
