"""Plain-data summaries (dicts of str, int, float, lists) of pools, structures, runs and Monte Carlo
results: what `creditline abs ... --json` prints and the HTML report shows. Amounts are integer minor
units in fields ending `_minor`; rates and shares are fractions.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np

from creditline.funding.deal import Deal, DealRun
from creditline.funding.metrics import TrancheMetrics
from creditline.funding.montecarlo import MonteCarloResult
from creditline.funding.profile import PoolProfile, pool_profile
from creditline.money import Money


def major(minor: int, currency_code: str) -> str:
    """Minor units as major-unit text with thousands separators: 1234567 CNY -> "12,345.67"."""
    digits = Money.zero(currency_code).currency.minor_digits
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(int(minor)), 10**digits)
    return f"{sign}{whole:,}.{frac:0{digits}d}" if digits else f"{sign}{whole:,}"


def pool_summary(deal: Deal) -> dict[str, Any]:
    selection, sale = deal.selection, deal.sale
    return {
        "currency": selection.currency,
        "cut_off_date": selection.cut_off_date.isoformat(),
        "source_loans": selection.source_loans,
        "source_principal_minor": selection.source_principal_minor,
        "selected_loans": len(selection.tape),
        "selected_principal_minor": selection.principal_minor,
        "exclusions": [asdict(e) for e in selection.exclusions],
        "profile": profile_summary(pool_profile(selection.tape)),
        "sale": {
            "sale_date": sale.sale_date.isoformat(),
            "price": str(sale.price),
            "book_value_minor": sale.total_book_minor,
            "price_minor": sale.total_price_minor,
            "gain_on_sale_minor": sale.gain_on_sale_minor,
            "servicing_fee_rate": str(sale.servicing_fee_rate),
        },
    }


def profile_summary(profile: PoolProfile) -> dict[str, Any]:
    return {
        "total": asdict(profile.total),
        "by_grade": [asdict(s) for s in profile.by_grade],
        "borrowers": profile.borrowers,
        "largest_borrower_share": profile.largest_borrower_share,
        "average_principal_minor": profile.average_principal_minor,
    }


def structure_summary(deal: Deal) -> dict[str, Any]:
    structure = deal.structure
    pool = max(structure.pool_balance_minor, 1)
    below = structure.pool_balance_minor
    tranches = []
    for tranche in structure.tranches:
        below -= tranche.balance_minor
        tranches.append(
            {
                "name": tranche.name,
                "balance_minor": tranche.balance_minor,
                "share": tranche.balance_minor / pool,
                "credit_enhancement": below / pool,  # subordination beneath the tranche
                "coupon_rate": str(tranche.coupon_rate),
                "day_count": tranche.day_count.value,
                "price": str(tranche.price),
            }
        )
    return {
        "name": structure.name,
        "currency": structure.currency,
        "pool_balance_minor": structure.pool_balance_minor,
        "closing_date": structure.closing_date.isoformat(),
        "first_payment_date": structure.first_payment_date.isoformat(),
        "principal_payment": "pro_rata" if structure.pro_rata else "sequential",
        "tranches": tranches,
        "fees": [
            {"name": f.name, "annual_rate": str(f.annual_rate), "fixed_minor": f.fixed_minor}
            for f in structure.fees
        ],
        "reserve": asdict(structure.reserve) | {"target_share": str(structure.reserve.target_share)},
        "triggers": [
            {
                "name": t.name,
                "metric": t.metric.value,
                "above": str(t.above),
                "actions": sorted(a.value for a in t.actions),
                "curable": t.curable,
            }
            for t in structure.triggers
        ],
        "revolving": structure.revolving.model_dump(mode="json") if structure.revolving else None,
        "clean_up_call": str(structure.clean_up_call) if structure.clean_up_call is not None else None,
    }


def run_summary(
    run: DealRun, metrics: list[TrancheMetrics], break_even: list[float | None]
) -> dict[str, Any]:
    result = run.result
    tranches = []
    for m, cdr in zip(metrics, break_even, strict=True):
        row = asdict(m)
        for key in ("first_principal_date", "last_principal_date"):
            row[key] = row[key].isoformat() if row[key] else None
        # the first-loss point of a run that ends with the tranche outstanding counts only the losses
        # within the horizon, not its first loss: not computed (null, as when it never loses)
        tranches.append(
            row | {"loss_rate": m.loss_rate, "break_even_cdr": None if m.balance_end_minor else cdr}
        )
    pool_initial = max(int(result.pool_balance[0, 0]), 1)
    return {
        "assumptions": run.assumptions.model_dump(mode="json"),
        "periods": result.periods,
        "pool": {
            "defaults_minor": int(result.defaults[0].sum()),
            "recoveries_minor": int(result.recoveries[0].sum()),
            "cumulative_default_rate": float(result.defaults[0].sum() / pool_initial),
            "interest_collected_minor": int(result.interest_collected[0].sum()),
            "principal_collected_minor": int(
                (result.scheduled_collected[0] + result.prepaid_collected[0]).sum()
            ),
            "call_proceeds_minor": int(result.call_proceeds[0].sum()),
            "purchases_minor": int(result.purchases[0].sum()),
            "fees_paid_minor": int(result.fees_paid[0].sum()),
            "residual_minor": int(result.residual[0].sum()),
        },
        "tranches": tranches,
    }


def cash_flow_rows(run: DealRun, path: int = 0) -> list[dict[str, Any]]:
    """One row per period: the deal's cash-flow table (what `--cashflows` writes)."""
    result, structure = run.result, run.deal.structure
    rows = []
    for t in range(1, result.periods + 1):
        row: dict[str, Any] = {
            "period": t,
            "date": result.dates[t].isoformat(),
            "pool_balance_minor": int(result.pool_balance[path, t]),
            "defaults_minor": int(result.defaults[path, t]),
            "interest_collected_minor": int(result.interest_collected[path, t]),
            "scheduled_collected_minor": int(result.scheduled_collected[path, t]),
            "prepaid_collected_minor": int(result.prepaid_collected[path, t]),
            "recoveries_minor": int(result.recoveries[path, t]),
            "call_proceeds_minor": int(result.call_proceeds[path, t]),
            "purchases_minor": int(result.purchases[path, t]),
            "fees_paid_minor": int(result.fees_paid[path, :, t].sum()),
            "reserve_balance_minor": int(result.reserve_balance[path, t]),
            "residual_minor": int(result.residual[path, t]),
            "sequential": bool(result.sequential[path, t]),
        }
        for k, tranche in enumerate(structure.tranches):
            row[f"{tranche.name}_interest_minor"] = int(result.interest_paid[path, k, t])
            row[f"{tranche.name}_principal_minor"] = int(result.principal_paid[path, k, t])
            row[f"{tranche.name}_writedown_minor"] = int(result.writedown[path, k, t])
            row[f"{tranche.name}_balance_minor"] = int(result.tranche_balance[path, k, t])
        rows.append(row)
    return rows


def monte_carlo_summary(mc: MonteCarloResult) -> dict[str, Any]:
    return {
        "paths": mc.settings.paths,
        "correlation": str(mc.settings.correlation),
        "seed": mc.settings.seed,
        "granular": mc.settings.granular,
        "pool_default_rate": _moments(mc.pool_default_rate),
        "pool_loss_rate": _moments(mc.pool_loss_rate),
        "tranches": [
            {
                "name": d.name,
                "expected_loss": d.expected_loss,
                "loss_std": d.loss_std,
                "probability_of_loss": d.probability_of_loss,
                "percentiles": {f"p{p:g}": v for p, v in d.percentiles.items()},
            }
            for d in mc.tranches
        ],
    }


def _moments(values: np.ndarray) -> dict[str, float]:
    return {
        "mean": float(values.mean()),
        "std": float(values.std()),
        "p50": float(np.percentile(values, 50)),
        "p99": float(np.percentile(values, 99)),
    }
