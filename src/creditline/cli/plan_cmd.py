"""`creditline plan recommend|restructure`: the best repayment plan for a drawdown, a re-age that fits."""

from __future__ import annotations

from typing import Annotated

import typer

from creditline.cli.db_cmd import DbOption, JsonOption, emit, engine_for

IncomeOption = Annotated[
    str | None, typer.Option("--income", help="monthly income in major units (default: the application's)")
]
ObligationsOption = Annotated[
    str | None, typer.Option("--obligations", help="monthly repayments to other lenders (default: the bureau's)")
]
PaydayOption = Annotated[int | None, typer.Option("--payday", help="day of the month pay arrives (1-31)")]
LangOption = Annotated[str, typer.Option("--lang", help="language of the reasons: en or zh")]


def _finances(income: str | None, obligations: str | None, payday: int | None):  # type: ignore[no-untyped-def]
    from creditline.app.plans import FinancesGiven

    return FinancesGiven(income, obligations, payday)


def _check_lang(lang: str) -> str:
    from creditline.errors import DomainError

    if lang not in ("en", "zh"):
        raise DomainError("must be en or zh", field="lang")
    return lang


def plan_text(view: dict, lang: str) -> str:
    lines = [
        f"{'plan':<24}{'largest':>12}{'total cost':>12}{'APR %':>8}{'share':>8}  fits",
    ]
    for option in view["options"]:
        mark = "*" if option["key"] == view["recommended"] else " "
        share = option["installment_share"] or "—"
        lines.append(
            f"{mark}{option['key']:<23}{option['installment_max']:>12}{option['total_cost']:>12}"
            f"{option['apr_pct']:>8}{share:>8}  {'no' if option['strained'] else 'yes'}"
        )
    chosen = view["recommended"] or "none"
    lines.append(f"recommended: {chosen} ({view['currency']}, record {view['recommendation_id']})")
    lines.append(view["rationale"][lang])
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    plan = typer.Typer(help="Repayment plans: recommendation at drawdown, restructure in hardship.", no_args_is_help=True)
    app.add_typer(plan, name="plan")

    @plan.command("recommend")
    def recommend_cmd(
        line: Annotated[str, typer.Option("--line", help="credit line id")],
        amount: Annotated[str, typer.Option("--amount", help="amount to draw, in major units")],
        income: IncomeOption = None,
        obligations: ObligationsOption = None,
        payday: PaydayOption = None,
        lang: LangOption = "en",
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Rank every term and method the product allows by cost and affordability; recommend one and say why."""
        from creditline.app.plans import RecommendPlan, recommend

        _check_lang(lang)
        view = recommend(engine_for(db_url), RecommendPlan(line, amount, _finances(income, obligations, payday)))
        emit(view, as_json, plan_text(view, lang))

    @plan.command("restructure")
    def restructure_cmd(
        loan: Annotated[str, typer.Option("--loan", help="loan id")],
        income: IncomeOption = None,
        obligations: ObligationsOption = None,
        payday: PaydayOption = None,
        lang: LangOption = "en",
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Propose the re-age (installment count) a borrower in difficulty can afford; changes nothing."""
        from creditline.app.plans import ProposeRestructure, propose_restructure

        _check_lang(lang)
        view = propose_restructure(engine_for(db_url), ProposeRestructure(loan, _finances(income, obligations, payday)))
        proposed = view["proposed_installments"]
        how = (  # `loan reage` refuses a loan that is not overdue: name the command only when it would run
            f"creditline loan reage {view['loan_id']} --installments {proposed}"
            if view["status"] == "overdue"
            else f"once the loan is overdue: it is {view['status']}, and only an overdue loan is re-aged"
        )
        head = f"loan {view['loan_id']}: " + (f"re-age over {proposed} installments ({how})" if proposed else "no re-age fits")
        emit(view, as_json, head + "\n" + view["rationale"][lang])
