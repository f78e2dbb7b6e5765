"""The portfolio report for one as-of date: every metric of this package, as JSON, CSV tables and HTML.

Pure: `build_report` takes validated snapshots and options and returns a `PortfolioReport` whose
`to_json`, `csv` and `to_html` produce text; the CLI decides where it goes. Amounts are integer
minor units (`*_minor`) of the report's one currency; ratios are Decimal text with 8 decimals.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl

from creditline.money import Currency
from creditline.portfolio import capital, liquidity
from creditline.portfolio.balance_sheet import BalanceSheet
from creditline.portfolio.default_rate import default_rate_12m, latest_default_rate_12m, npl_ratio
from creditline.portfolio.delinquency import (
    BUCKET_NAMES,
    CHINA_2023,
    TierPolicy,
    bucket_table,
    charged_off_totals,
    tier_table,
)
from creditline.portfolio.ecl import EclAssumptions, PdMethod, ecl_table, round_minor_batch
from creditline.portfolio.errors import InvalidAssumption, SnapshotNotFound
from creditline.portfolio.lgd import WORKOUT_MONTHS_DEFAULT, workout_lgd
from creditline.portfolio.pd_term import MarkovChain
from creditline.portfolio.provision_matrix import (
    loss_rates_from_flows,
    observed_flows,
    provision_matrix,
    unobserved_needed,
)
from creditline.portfolio.provisions import ProvisionRatios, ProvisionRequirement
from creditline.portfolio.ratio import shown
from creditline.portfolio.roll_rates import STATE_NAMES, roll_rates, transition_counts, transition_matrix
from creditline.portfolio.snapshot import for_date, single_currency

TRANSITION_MONTHS_DEFAULT = 12
DEFAULT_REQUIREMENT = ProvisionRequirement()
DEFAULT_RETAIL_POLICY = capital.RetailPolicy()


@dataclass(frozen=True, slots=True)
class ReportOptions:
    ccf: Decimal = Decimal("0.5")
    lgd: Decimal | None = None  # None: the workout LGD from recoveries fills rows without an LGD
    pd_method: PdMethod = PdMethod.MODEL
    tier_policy: TierPolicy = CHINA_2023
    requirement: ProvisionRequirement = DEFAULT_REQUIREMENT
    retail_policy: capital.RetailPolicy = DEFAULT_RETAIL_POLICY
    transition_months: int = TRANSITION_MONTHS_DEFAULT
    workout_months: int = WORKOUT_MONTHS_DEFAULT
    balance_sheet: BalanceSheet | None = None
    currency: Currency | None = None  # which currency's loans: needed when the snapshots hold several

    def __post_init__(self) -> None:
        if not 1 <= self.transition_months <= 120:
            raise InvalidAssumption("the transition window is 1 to 120 months", field="transition_months")
        if not 1 <= self.workout_months <= 120:
            raise InvalidAssumption("the workout period is 1 to 120 months", field="workout_months")


@dataclass(frozen=True, slots=True)
class PortfolioReport:
    as_of: date
    currency: Currency
    summary: dict[str, Any]
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    transition_months: int = TRANSITION_MONTHS_DEFAULT

    def to_json(self) -> str:
        """The summary and the tables the JSON holds beside it (built here, for the file: the console
        keeps the summary and the tables, not a second copy of them as rows)."""
        document = self.summary | {
            "vintage": table_rows(self.tables["vintage"]),
            "roll_rates": table_rows(self.tables["roll_rates"]),
            "transition_matrix": {"months": self.transition_months, "rows": table_rows(self.tables["transition_matrix"])},
        }
        return json.dumps(document, indent=2, sort_keys=False, default=str) + "\n"

    def csv(self, name: str) -> str:
        return self.tables[name].write_csv()

    def to_html(self) -> str:
        from creditline.portfolio.report_html import render

        return render(self)


def build_report(frame: pl.DataFrame, as_of: date, options: ReportOptions = ReportOptions()) -> PortfolioReport:
    """Every metric as of `as_of`; `frame` is validated snapshots (`snapshot.validate`)."""
    day = for_date(frame, as_of)
    history = frame.filter(pl.col("as_of") <= as_of)
    if options.currency is not None:
        day, history = _in_currency(day, history, options.currency)
    cur = single_currency(history)
    if options.balance_sheet is not None and options.balance_sheet.currency != cur:
        raise InvalidAssumption(f"the balance sheet is in {options.balance_sheet.currency.code}, the loans in "
                                f"{cur.code}", field="balance_sheet")
    summary: dict[str, Any] = {"as_of": as_of.isoformat(), "currency": cur.code, "minor_digits": cur.minor_digits}
    tables: dict[str, pl.DataFrame] = {}
    _delinquency(day, options, summary, tables)
    summary["default_rate_12m"] = default_rate_json(history, as_of)
    tables["vintage"] = _vintage(history, as_of)
    counts = transition_counts(history, as_of)
    tables["roll_rates"] = roll_rates(counts)
    tables["transition_matrix"] = _matrix_table(counts, options.transition_months)
    allowance = _ecl(history, day, as_of, counts, options, summary, tables)
    _provision_matrix(counts, tables, options, summary)
    npl = npl_ratio(day, options.tier_policy)
    ratios = ProvisionRatios(allowance, npl.npl_principal_minor, npl.loans_principal_minor, options.requirement)
    summary["npl"] = {"npl_principal_minor": npl.npl_principal_minor,
                      "loans_principal_minor": npl.loans_principal_minor, "npl_ratio": shown(npl.ratio)}
    summary["provisions"] = _provisions(ratios)
    summary["capital"] = _capital(day, options)
    summary["liquidity"] = _liquidity(day, options.balance_sheet)
    return PortfolioReport(as_of, cur, summary, tables, options.transition_months)


def table_rows(table: pl.DataFrame) -> list[dict[str, Any]]:
    """A table's rows for the JSON: its ratios (float columns) as 8-decimal text like every other ratio
    of the report, none where a ratio has no denominator; counts and amounts as integers (dates
    become ISO text in `to_json`)."""
    floats = [name for name, dtype in table.schema.items() if dtype.is_float()]
    rows = table.to_dicts()
    for row in rows:
        for name in floats:
            value = row[name]
            row[name] = None if value is None or value != value else shown(Decimal(repr(value)))
    return rows


def _in_currency(day: pl.DataFrame, history: pl.DataFrame, cur: Currency) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The rows of one currency's loans: a report covers one currency of a book that holds several."""
    mine = pl.col("currency") == cur.code
    rows = day.filter(mine)
    if rows.is_empty():
        found = ", ".join(sorted(day.get_column("currency").unique().to_list()))
        raise InvalidAssumption(f"no loans in {cur.code} on {day.get_column('as_of')[0]} (the snapshot holds {found})",
                                field="currency")
    return rows, history.filter(mine)


def _delinquency(day: pl.DataFrame, options: ReportOptions, summary: dict[str, Any],
                 tables: dict[str, pl.DataFrame]) -> None:
    tables["buckets"] = bucket_table(day)
    tables["tiers"] = tier_table(day, options.tier_policy)
    # On book: the accruing loans in the buckets, and charged-off loans not yet written off.
    summary["charged_off"] = charged_off_totals(day)
    summary["loans_on_book"] = int(tables["buckets"].get_column("loans").sum()) + summary["charged_off"]["loans"]
    summary["buckets"] = tables["buckets"].to_dicts()
    summary["tiers"] = {"policy": options.tier_policy.name, "rows": tables["tiers"].to_dicts()}


def default_rate_json(history: pl.DataFrame, as_of: date, *, latest: bool = False) -> dict[str, Any]:
    """The report's `default_rate_12m` ending on `as_of`; with `latest`, ending on the latest snapshot date
    on or before it that has one (`end` says which: the console's figure in mid-month)."""
    try:
        rate = (latest_default_rate_12m if latest else default_rate_12m)(history, as_of)
    except SnapshotNotFound as exc:
        return {"available": False, "reason": exc.message}
    return {
        "available": True, "start": rate.start.isoformat(), "end": rate.end.isoformat(),
        "cohort_loans": rate.cohort_loans, "defaulted_loans": rate.defaulted_loans,
        "cohort_drawn_minor": rate.cohort_drawn_minor, "defaulted_drawn_minor": rate.defaulted_drawn_minor,
        "by_count": shown(rate.by_count), "by_balance": shown(rate.by_balance),
    }


def _vintage(history: pl.DataFrame, as_of: date) -> pl.DataFrame:
    from creditline.portfolio.vintage import vintage_curves

    return vintage_curves(history, as_of)


def _matrix_table(counts: pl.DataFrame, months: int) -> pl.DataFrame:
    matrix = transition_matrix(counts, months=months)
    rows = {"from_state": list(STATE_NAMES[: matrix.probabilities.shape[0]]),
            "observations": matrix.observations.astype(int).tolist()}
    for j, name in enumerate(STATE_NAMES):
        rows[name] = matrix.probabilities[:, j].tolist()
    return pl.DataFrame(rows)


def _ecl(history: pl.DataFrame, day: pl.DataFrame, as_of: date, counts: pl.DataFrame, options: ReportOptions,
         summary: dict[str, Any], tables: dict[str, pl.DataFrame]) -> int:
    workout = workout_lgd(history, as_of, workout_months=options.workout_months)
    pool = options.lgd
    if pool is None and workout.lgd is not None:
        pool = Decimal(repr(workout.lgd))
    chain = None
    if options.pd_method is PdMethod.MARKOV:
        chain = MarkovChain.from_transitions(transition_matrix(counts, months=options.transition_months))
    loans = ecl_table(day, EclAssumptions(ccf=options.ccf, lgd_pool=pool, pd_method=options.pd_method, chain=chain))
    by_stage = (
        pl.DataFrame({"stage": [1, 2, 3]}, schema={"stage": pl.Int8})
        .join(loans.group_by("stage").agg(pl.len().cast(pl.Int64).alias("exposures"),
                                          pl.col("ead").alias("eads"), pl.col("ecl_minor").sum()),
              on="stage", how="left")
        .with_columns(pl.col("exposures", "ecl_minor").fill_null(0))
    )
    ead_minor = [int(round_minor_batch(e.to_numpy()).sum()) if e is not None else 0
                 for e in by_stage.get_column("eads")]
    tables["ecl_by_stage"] = by_stage.drop("eads").with_columns(pl.Series("ead_minor", ead_minor))
    allowance = int(loans.get_column("ecl_minor").sum())
    summary["lgd_workout"] = {"defaults": workout.defaults, "ead_minor": workout.ead_minor,
                              "recovered_minor": workout.recovered_minor,
                              "lgd": None if workout.lgd is None else shown(Decimal(repr(workout.lgd))),
                              "workout_months": options.workout_months}
    summary["ecl"] = {"pd_method": options.pd_method.value, "ccf": str(options.ccf),
                      "lgd_pool": None if pool is None else str(pool), "allowance_minor": allowance,
                      "by_stage": tables["ecl_by_stage"].to_dicts()}
    return allowance


def _provision_matrix(counts: pl.DataFrame, tables: dict[str, pl.DataFrame], options: ReportOptions,
                      summary: dict[str, Any]) -> None:
    flows = observed_flows(counts, months=options.transition_months)
    rates = loss_rates_from_flows(flows)
    buckets = tables["buckets"]
    balances = buckets.get_column("drawn_minor").to_list()
    unseen = [BUCKET_NAMES[k] for k in unobserved_needed(flows, rates, balances)]
    if unseen:
        tables["provision_matrix"] = pl.DataFrame(schema={"bucket": pl.Int8, "name": pl.String, "drawn_minor": pl.Int64,
                                                          "loss_rate": pl.String, "allowance_minor": pl.Int64})
        summary["provision_matrix"] = {"available": False, "window_months": options.transition_months,
                                       "reason": f"no balance observed rolling out of {', '.join(unseen)}"}
        return
    # A rate still unknown here belongs to a bucket with no balance, whose allowance is 0 whatever it is.
    # Charged-off balances (on book until written off) are where the flow to loss ends: lost in full.
    charged = summary["charged_off"]["drawn_minor"]
    lines = provision_matrix([*balances, charged], [*(Decimal(0) if rate is None else rate for rate in rates),
                                                    Decimal(1)])
    tables["provision_matrix"] = pl.concat([
        buckets.select("bucket", "name", "drawn_minor"),
        pl.DataFrame({"bucket": [len(balances)], "name": ["charged_off"], "drawn_minor": [charged]},
                     schema={"bucket": pl.Int8, "name": pl.String, "drawn_minor": pl.Int64}),
    ]).with_columns(
        pl.Series("loss_rate", [*(shown(rate) for rate in rates), shown(Decimal(1))], dtype=pl.String),
        pl.Series("allowance_minor", [line.allowance_minor for line in lines], dtype=pl.Int64),
    )
    summary["provision_matrix"] = {"available": True, "window_months": options.transition_months,
                                   "allowance_minor": sum(line.allowance_minor for line in lines),
                                   "rows": tables["provision_matrix"].to_dicts()}


def _provisions(ratios: ProvisionRatios) -> dict[str, Any]:
    return {
        "allowance_minor": ratios.allowance_minor,
        "coverage_ratio": shown(ratios.coverage), "coverage_min": str(ratios.requirement.coverage_min),
        "coverage_met": ratios.coverage_met,
        "loan_provision_ratio": shown(ratios.loan_provision),
        "loan_provision_min": str(ratios.requirement.loan_provision_min),
        "loan_provision_met": ratios.loan_provision_met,
    }


def _capital(day: pl.DataFrame, options: ReportOptions) -> dict[str, Any]:
    retail = capital.retail_rwa(day, options.retail_policy)
    result: dict[str, Any] = {"qualifying_retail_exposure_minor": retail.qualifying_exposure_minor,
                              "other_retail_exposure_minor": retail.other_exposure_minor,
                              "retail_rwa_minor": retail.rwa_minor}
    sheet = options.balance_sheet
    if sheet is None or sheet.capital is None:
        return result | {"available": False, "reason": "no capital figures (give --balance-sheet)"}
    rwa = retail.rwa_minor + capital.other_rwa_minor(sheet.other_exposures)
    leverage = capital.leverage_exposure_minor(day, sheet.other_assets_minor)
    ratios = capital.CapitalRatios(sheet.capital, rwa, leverage)
    return result | {
        "available": True, "rwa_minor": rwa, "leverage_exposure_minor": leverage,
        "total_capital_minor": sheet.capital.total_minor, "tier1_minor": sheet.capital.tier1_minor,
        "car": shown(ratios.car), "tier1_ratio": shown(ratios.tier1), "cet1_ratio": shown(ratios.cet1),
        "leverage_ratio": shown(ratios.leverage), "checks": ratios.checks(),
    }


def _liquidity(day: pl.DataFrame, sheet: BalanceSheet | None) -> dict[str, Any]:
    if sheet is None or sheet.liquid_assets is None:
        return {"available": False, "reason": "no liquid assets (give --balance-sheet with hqla)"}
    book_out, book_in = liquidity.loan_book_flows(day)
    result = liquidity.lcr(sheet.liquid_assets, (*sheet.outflows, book_out), (*sheet.inflows, book_in))
    return {
        "available": True, "hqla_minor": result.hqla_minor, "outflows_minor": result.outflows_minor,
        "inflows_minor": result.inflows_minor, "inflows_counted_minor": result.inflows_counted_minor,
        "net_outflows_minor": result.net_outflows_minor, "lcr": shown(result.ratio), "lcr_met": result.met,
    }
