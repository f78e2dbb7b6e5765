"""`creditline product list|show|check`: the shipped products, and checking a product file before use.

`check` validates a TOML or YAML product file exactly as the platform will and prints its content
hash (what a loan records), so an operator can review a new product version before loading it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from creditline.errors import DomainError

Opt = typer.Option
Arg = typer.Argument


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Lending products: list, show, check a product file.", no_args_is_help=True)
    group.command("list")(list_products)
    group.command("show")(show_product)
    group.command("check")(check_product)
    app.add_typer(group, name="product")


def list_products(as_json: Annotated[bool, Opt("--json", help="Print JSON.")] = False) -> None:
    """The products shipped with creditline."""
    from creditline.lending.product import builtin_products

    products = [_summary(p) for p in builtin_products().values()]
    if as_json:
        typer.echo(json.dumps(products, ensure_ascii=False))
        return
    for item in products:
        typer.echo(f"{item['product_id']}  v{item['version']}  {item['name']}  {item['content_hash'][:12]}")


def show_product(
    product_id: Annotated[str, Arg(help="A shipped product id, e.g. revolving-consumer.")],
    as_json: Annotated[bool, Opt("--json", help="Print JSON.")] = False,
) -> None:
    """Every setting of a shipped product."""
    from creditline.lending.product import builtin_product

    _print(_details(builtin_product(product_id)), as_json)


def check_product(
    path: Annotated[Path, Arg(help="A product file (.toml, .yaml or .yml).")],
    as_json: Annotated[bool, Opt("--json", help="Print JSON.")] = False,
) -> None:
    """Validate a product file and print its settings and content hash."""
    from creditline.lending.product import ProductInvalid, load_product

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DomainError(f"cannot read {path}: {exc.__class__.__name__}", field="path") from None
    try:
        product = load_product(text, source=path.name)
    except ProductInvalid as exc:
        where = f"{exc.field}: " if exc.field else ""
        raise DomainError(f"{where}{exc.message}", code=exc.code) from None
    _print(_details(product), as_json)


def _summary(product: Any) -> dict[str, Any]:
    return {
        "product_id": product.product_id,
        "version": product.version,
        "name": product.name,
        "content_hash": product.content_hash,
    }


def _details(product: Any) -> dict[str, Any]:
    return _summary(product) | {
        "currency": product.currency.code,
        "terms_months": list(product.terms_months),
        "methods": [m.value for m in product.methods],
        "rate_daily_min": format(product.rate_daily_min, "f"),
        "rate_daily_max": format(product.rate_daily_max, "f"),
        "drawdown_min": product.drawdown_min.amount_str(),
        "drawdown_max": product.drawdown_max.amount_str(),
        "penalty_rate_multiplier": format(product.penalty_rate_multiplier, "f"),
        "grace_days": product.grace_days,
        "early_repayment_free": product.early_repayment_free,
        "apr_cap_pct": format(product.apr_cap_pct, "f"),
        "rounding": product.rounding.value,
        "interest_basis": product.interest_basis.value,
        "days_in_year": product.days_in_year.value,
        "days_in_month": product.days_in_month.value,
        "allocation": {
            "style": product.allocation.style.value,
            "order": [c.value for c in product.allocation.order],
        },
        "charge_off_days": product.charge_off_days,
    }


def _print(details: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(details, ensure_ascii=False))
        return
    for key, value in details.items():
        typer.echo(f"{key:24} {value}")
