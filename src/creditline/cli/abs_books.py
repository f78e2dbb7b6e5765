"""`creditline abs sell|deals|deal|reconcile`: securitisations recorded in the books (docs/securitisation.md).

    creditline abs sell      --deal deal.yaml --key K [--tape pool.csv] [--retain Sub]   sell a pool to a trust
    creditline abs deals                                                            the deals sold
    creditline abs deal      ID                                                     one deal and its trust's position
    creditline abs reconcile [ID]                                                   the trusts' books (exit 1 on a difference)

`creditline abs tape --from-db` and `creditline abs run --deal ID` (in `abs_cmd`) read the books too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from creditline.cli.db_cmd import DbOption, JsonOption, emit, engine_for


def register_books(abs_app: typer.Typer) -> None:
    @abs_app.command("sell")
    def sell_command(
        deal: Annotated[Path, typer.Option("--deal", help="Deal file: .yaml, .toml or .json.")],
        key: Annotated[str, typer.Option("--key", help="Idempotency key: the same key again returns the first sale.")],
        tape: Annotated[Path | None, typer.Option("--tape", help="A reviewed tape (abs pool --out): sell exactly its loans.")] = None,
        retain: Annotated[list[str] | None, typer.Option("--retain", help="A tranche the platform keeps (repeat; default: the last).")] = None,
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Sell a pool of the platform's own loans to a trust: one journal entry, loans stay serviced here."""
        from creditline.app.securitisation import SellPool, sell_pool
        from creditline.cli.abs_cmd import blame
        from creditline.cli.abs_files import read_spec, read_tape_columns

        with blame("deal"):
            spec = read_spec(deal, field="deal")
        columns = None
        if tape is not None:
            with blame("tape"):
                columns = read_tape_columns(tape)
        command = SellPool(spec, deal.read_text(encoding="utf-8"), deal.suffix.lower().lstrip("."), key,
                           tuple(retain or ()), columns)  # fmt: skip
        engine = engine_for(db_url)
        with _blamed(tape is not None):
            view = sell_pool(engine, command)
        emit(view, as_json, _sale_text(view))

    @abs_app.command("deals")
    def deals_command(db_url: DbOption = None, as_json: JsonOption = False) -> None:
        """Every deal sold to a trust."""
        from creditline.app.securitisation import list_deals

        views = list_deals(engine_for(db_url))
        emit({"deals": views}, as_json, "\n".join(_deal_line(v) for v in views) or "no deals")

    @abs_app.command("deal")
    def deal_command(
        deal_id: Annotated[str, typer.Argument(help="deal id")], db_url: DbOption = None, as_json: JsonOption = False
    ) -> None:
        """A deal as sold and its trust's position in the books now."""
        from creditline.app.securitisation import show_deal

        view = show_deal(engine_for(db_url), deal_id)
        position = view["position"]
        lines = [_deal_line(view), *(f"  {name:<26} {value}" for name, value in position.items()),
                 f"  periods closed {view['periods_closed']}, next payment {view['next_payment_date'] or '-'}"]  # fmt: skip
        emit(view, as_json, "\n".join(lines))

    @abs_app.command("reconcile")
    def reconcile_command(
        deal_id: Annotated[str | None, typer.Argument(help="one deal (default: all, with the GL control totals)")] = None,
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """The trusts' books: sub-ledger against the loans, claims, waterfalls, GL control totals; exit 1 on a difference."""
        from creditline.app.trust_books import reconcile_trusts

        report = reconcile_trusts(engine_for(db_url), deal_id)
        lines = [f"{d['deal_id']}: {'clean' if d['clean'] else 'DIFFERENCES'} (trust funding {d['trust_funding_minor']}, "
                 f"loans {d['loans_outstanding_minor']} {d['currency']} minor units)" for d in report["deals"]]  # fmt: skip
        lines += [f"  {d['deal_id']} {x['movement']}: journal {x['journal']} loans {x['loans']}"
                  for d in report["deals"] for x in d["differences"]]  # fmt: skip
        lines += [f"  GL {c['account']} {c['currency']}: {c['general_ledger']} vs deals {c['deals']}"
                  for c in report["control_differences"]]  # fmt: skip
        emit(report, as_json, "\n".join([*lines, "clean" if report["clean"] else "DIFFERENCES FOUND"]))
        if not report["clean"]:
            raise typer.Exit(1)


def _blamed(from_tape: bool):  # type: ignore[no-untyped-def]
    """Errors of the selection and structure belong to the deal file; a stale or foreign row to the tape."""
    import contextlib

    from creditline.app.securitisation_errors import BeyondOwnShare, LoanAlreadySold, LoanNotOwned, TapeStale
    from creditline.cli.abs_cmd import blame
    from creditline.errors import DomainError
    from creditline.funding.errors import EmptyPool, FundingError, TapeError

    @contextlib.contextmanager
    def scope():  # type: ignore[no-untyped-def]
        try:
            yield
        except (TapeError, BeyondOwnShare, TapeStale, LoanNotOwned, LoanAlreadySold) as exc:
            if not from_tape:
                raise
            with blame("tape"):
                raise exc from None
        except EmptyPool as exc:
            with blame("deal", prefix="eligibility." if exc.field != "eligibility" else ""):
                raise exc from None
        except FundingError as exc:
            if exc.field in ("retain", "key"):
                raise
            with blame("deal"):
                raise exc from None
        except DomainError:
            raise

    return scope()


def _sale_text(view: dict) -> str:
    return (
        f"sold {view['loans']} loans, {view['pool_principal']} {view['currency']}, to {view['name']} "
        f"(deal {view['deal_id']}): cash {view['cash_received']}, retained notes {view['retained_notes']} "
        f"({', '.join(view['retained_tranches'])}), discount {view['discount']}; entry {view['entry_id']}"
    )


def _deal_line(view: dict) -> str:
    return (
        f"{view['deal_id']} {view['name']} ({view['currency']}, {view['status']}): {view['loans']} loans, "
        f"pool {view['pool_principal']}, sold {view['sold_on']}, retained {view['retained_notes']}"
    )
