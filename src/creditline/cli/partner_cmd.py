"""`creditline partner add|list|show|statement|reconcile|remit`: co-lending funding partners (docs/co-lending.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from creditline.cli.db_cmd import DbOption, JsonOption, emit, engine_for, parse_date

FILE_BYTES_MAX = 20_000
PartnerArgument = Annotated[str, typer.Argument(help="partner id")]


def _read(path: str) -> str:
    from creditline.funding.colending import PartnerInvalid

    file = Path(path)
    try:
        if file.stat().st_size > FILE_BYTES_MAX:
            raise PartnerInvalid(f"a partner file is at most {FILE_BYTES_MAX} bytes", field="file")
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PartnerInvalid(f"cannot read {path}: {exc.__class__.__name__}", field="file") from None


def _line(view: dict) -> str:
    state = "active" if view["active"] else "inactive"
    return (
        f"{view['partner_id']} v{view['version']} {view['name']} ({view['currency']}, {state}): "
        f"cost of funds {view['cost_of_funds']}, principal {view['principal_outstanding']} of {view['balance_max']}"
    )


def register(app: typer.Typer) -> None:
    partner = typer.Typer(
        help="Co-lending funding partners: appetite, statements, reconciliation.", no_args_is_help=True
    )
    app.add_typer(partner, name="partner")

    @partner.command("add")
    def add_cmd(
        file: Annotated[str, typer.Option("--file", help="partner file (.yaml or .toml)")],
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Register a partner, or a new version of its file (the same file again changes nothing)."""
        from creditline.app.colending import add_partner

        view = add_partner(engine_for(db_url), _read(file), file)
        emit(view, as_json, f"{view['outcome']}: {_line(view)}")

    @partner.command("list")
    def list_cmd(db_url: DbOption = None, as_json: JsonOption = False) -> None:
        """Every partner with its cost of funds and the principal it funds."""
        from creditline.app.colending import list_partners

        views = list_partners(engine_for(db_url))
        emit({"partners": views}, as_json, "\n".join(_line(v) for v in views) or "no partners")

    @partner.command("show")
    def show_cmd(partner_id: PartnerArgument, db_url: DbOption = None, as_json: JsonOption = False) -> None:
        """A partner's terms, appetite and position."""
        from creditline.app.colending import show_partner

        view = show_partner(engine_for(db_url), partner_id)
        details = (
            f"  shares {view['share_min']}-{view['share_max']}, concentration limit {view['concentration_limit']}, "
            f"grades {view['risk_grades'] or 'any'}, terms {view['terms_months'] or 'any'}, loans {view['loans_funded']}"
        )
        emit(view, as_json, f"{_line(view)}\n{details}")

    @partner.command("statement")
    def statement_cmd(
        partner_id: PartnerArgument,
        period_from: Annotated[str, typer.Option("--from", help="first day (YYYY-MM-DD)")],
        period_to: Annotated[
            str, typer.Option("--to", help="last day (YYYY-MM-DD), before the business date")
        ],
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """The partner's statement for closed days: opening, movements by component, closing."""
        from creditline.app.colending_books import partner_statement

        first, last = parse_date(period_from, "from"), parse_date(period_to, "to")
        assert first is not None and last is not None
        view = partner_statement(engine_for(db_url), partner_id, first, last)
        emit(view, as_json, _statement_text(view))

    @partner.command("remit")
    def remit_cmd(
        partner_id: Annotated[str, typer.Option("--partner", help="partner id")],
        through: Annotated[str, typer.Option("--date", help="pay collections of days up to this closed day (YYYY-MM-DD)")],
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Pay a partner the collections held for it (partner payable to settlement cash); once per date."""
        from creditline.app.partner_settlement import remit_partner

        day = parse_date(through, "date")
        assert day is not None
        view = remit_partner(engine_for(db_url), partner_id, day)
        emit(view, as_json, f"remittance {view['remittance_id']}: {view['amount']} {view['currency']} to "
                            f"{view['partner_id']} for collections through {view['through']} (paid {view['paid_on']})")  # fmt: skip

    @partner.command("reconcile")
    def reconcile_cmd(
        partner_id: Annotated[str | None, typer.Argument(help="one partner (default: all)")] = None,
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Each partner's position from the journal against its shares of every loan; exits 1 on a difference."""
        from creditline.app.colending_books import reconcile_partners

        report = reconcile_partners(engine_for(db_url), partner_id)
        lines = [f"{p['partner_id']}: {'clean' if p['clean'] else 'DIFFERENCES'} (funding {p['accounts']['partner_funding']}, "
                 f"payable {p['accounts']['partner_payable']} {p['currency']})" for p in report["partners"]]  # fmt: skip
        lines += [f"  {p['partner_id']} {d['movement']}: journal {d['journal']} loans {d['loans']}"
                  for p in report["partners"] for d in p["differences"]]  # fmt: skip
        lines += [f"  GL {c['account']} {c['currency']}: {c['general_ledger']} vs sub-ledger {c['sub_ledger']}"
                  for c in report["control_differences"]]  # fmt: skip
        lines += [
            f"  entry {e}: postings differ from its partner lines" for e in report["entries_disagreeing"]
        ]
        emit(report, as_json, "\n".join([*lines, "clean" if report["clean"] else "DIFFERENCES FOUND"]))
        if not report["clean"]:
            raise typer.Exit(1)


def _statement_text(view: dict) -> str:
    def block(name: str) -> str:
        values = view[name]
        return f"  {name:<17} " + ", ".join(f"{k} {v}" for k, v in values.items())

    return "\n".join(
        [
            f"statement {view['statement_id']}: {view['partner_id']} {view['from']} to {view['to']} ({view['currency']})",
            block("opening_exposure"),
            f"  {'disbursements':<17} {view['disbursements']}",
            *(
                block(name)
                for name in ("accruals", "collections", "recoveries", "waivers", "losses", "closing_exposure")
            ),
            f"  {'payable':<17} opening {view['payable']['opening']}, collected {view['payable']['collected']}, "
            f"remitted {view['payable'].get('remitted', '0.00')}, closing {view['payable']['closing']}",
            f"  {'income':<17} {view['income']}",
            *([f"  {'allowance share':<17} {view['allowance_share']['amount']} (memo, as of "
               f"{view['allowance_share']['as_of'] or '-'})"] if "allowance_share" in view else []),
        ]
    )
