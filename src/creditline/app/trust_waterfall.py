"""The deal's waterfall fed by what its loans really collected, period by period (`abs run --deal ID`).

Each closed collection period's servicer report (`trust_periods`: interest, principal and recoveries
collected, principal defaulted, the performing pool at the end, 30+ days delinquent) becomes one month
of `PoolFlows` — integers, so the waterfall's one rounding point returns them unchanged — and the
recoveries go in as they were collected (`run_waterfall(recoveries_minor=...)`). The structure is the
deal's own, less its clean-up call (the platform has not bought the pool back) and its revolving
period (not sold from the books). Collections on a pool already run off — a late interest payment —
are counted with the recoveries: the waterfall takes both as available funds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import Engine

from creditline.store import UnitOfWork
from creditline.store.securitisation_repository import SecuritisationRepository


@dataclass(frozen=True, slots=True, eq=False)
class RealisedRun:
    structure: Any  # funding.structure.Structure
    collections: np.ndarray  # (T+1,) what the books collected, fed in: interest + principal + recoveries
    result: Any  # funding.waterfall.WaterfallResult, one path

    @property
    def took_in_collections(self) -> bool:
        """Whether the waterfall took in exactly what the books collected, every period. It does unless a
        period's net principal is negative (a repayment reversed in a later period): the pool of the
        waterfall cannot grow back, so such a period is flagged (reconciliation) rather than modelled."""
        return bool(np.array_equal(self.result.collections[0], self.collections))


def realised_run(
    deal: Mapping[str, Any], periods: Sequence[Mapping[str, Any]], *, ended: bool | None = None
) -> RealisedRun:
    """The waterfall over the closed periods, in order (see `took_in_collections`).

    The deal ends (the tranches' unpaid balances are written down) only with the period after which
    nothing is left to collect — no performing pool and no default with principal left — which is the
    last period of an ended deal (`ended`, default: the deal's status). Before that a pool run off
    leaves the tranches outstanding, and what is recovered later repays them in order."""
    from creditline.app.securitisation import deal_structure
    from creditline.funding.projection import PoolFlows
    from creditline.funding.waterfall import run_waterfall

    structure = replace(deal_structure(deal), clean_up_call=None, revolving=None)
    count = len(periods)
    assert [p["period"] for p in periods] == list(range(1, count + 1)), "closed periods run 1..n"
    balance = np.zeros(count + 1, dtype=np.int64)
    balance[0] = deal["pool_principal_minor"]
    figures = {name: np.zeros(count + 1, dtype=np.int64) for name in ("interest", "principal", "recoveries", "defaults")}
    delinquency = np.zeros(count + 1)
    for t, p in enumerate(periods, start=1):
        balance[t] = p["pool_end_minor"]
        figures["interest"][t] = p["interest_collected_minor"]
        figures["principal"][t] = p["principal_collected_minor"]
        figures["recoveries"][t] = p["recoveries_minor"]
        figures["defaults"][t] = p["defaults_minor"]
        delinquency[t] = p["delinquent_minor"] / p["pool_end_minor"] if p["pool_end_minor"] else 0.0
    exhausted = balance[:-1] == 0  # a pool with nothing left at the start of the month: interest is a recovery
    late = np.r_[False, exhausted] & (figures["interest"] != 0)
    figures["recoveries"] = figures["recoveries"] + np.where(late, figures["interest"], 0)
    figures["interest"] = np.where(late, 0, figures["interest"])
    as_float = {name: values.astype(np.float64)[None, :] for name, values in figures.items()}
    zeros = np.zeros((1, count + 1))
    flows = PoolFlows(
        balance=balance.astype(np.float64)[None, :], defaults=as_float["defaults"], interest=as_float["interest"],
        scheduled=as_float["principal"], prepaid=zeros, delinquency_rate=delinquency[None, :],
        default_rate=zeros, prepayment_rate=zeros,
    )  # fmt: skip
    # every closed period but an ended deal's last was followed by another: defaults may still recover
    pending = np.ones(count + 1, dtype=bool)
    pending[count] = not (deal.get("status") == "ended" if ended is None else ended)
    result = run_waterfall(structure, flows, Decimal(0), 0, None, recoveries_minor=figures["recoveries"][None, :],
                           recoveries_pending=pending[None, :])  # fmt: skip
    return RealisedRun(structure, figures["interest"] + figures["principal"] + figures["recoveries"], result)


def period_payments(run: RealisedRun, retained: Sequence[str], t: int) -> dict[str, int]:
    """What period `t` paid the platform: servicing fee, and to the notes it keeps (writedowns too)."""
    result = run.result
    kept = [k for k, tranche in enumerate(run.structure.tranches) if tranche.name in retained]
    return {
        "fee_paid_minor": int(result.fees_paid[0, 0, t]),
        "retained_principal_minor": int(sum(result.principal_paid[0, k, t] for k in kept)),
        "retained_income_minor": int(sum(result.interest_paid[0, k, t] for k in kept) + result.residual[0, t]),
        "retained_writedown_minor": int(sum(result.writedown[0, k, t] for k in kept)),
    }


def deal_run(engine: Engine, deal_id: str) -> dict[str, Any]:
    """The realised waterfall of a recorded deal: period by period, tranche by tranche, triggers."""
    from creditline.app.securitisation import deal_row

    with UnitOfWork(engine, read_only=True) as uow:
        repo = SecuritisationRepository(uow.connection)
        deal = deal_row(repo, deal_id)
        periods = [p for p in repo.periods(deal_id) if p["status"] == "closed"]
    run = realised_run(deal, periods)
    return run_view(deal, run)


def run_view(deal: Mapping[str, Any], run: RealisedRun) -> dict[str, Any]:
    from creditline.money import Money

    result, structure, cur = run.result, run.structure, deal["currency"]

    def text(minor: Any) -> str:
        return Money.of_minor(int(minor), cur).amount_str()

    rows = []
    for t in range(1, result.periods + 1):
        rows.append({
            "period": t, "payment_date": result.dates[t].isoformat(), "pool_balance": text(result.pool_balance[0, t]),
            "collections": text(run.collections[t]), "interest_collected": text(result.interest_collected[0, t]),
            "principal_collected": text(result.scheduled_collected[0, t] + result.prepaid_collected[0, t]),
            "recoveries": text(result.recoveries[0, t]), "defaults": text(result.defaults[0, t]),
            "fees_paid": text(result.fees_paid[0, :, t].sum()), "reserve_balance": text(result.reserve_balance[0, t]),
            "residual": text(result.residual[0, t]), "sequential": bool(result.sequential[0, t]),
            "tranches": [{"name": tr.name, "interest_paid": text(result.interest_paid[0, k, t]),
                          "principal_paid": text(result.principal_paid[0, k, t]),
                          "writedown": text(result.writedown[0, k, t]), "balance": text(result.tranche_balance[0, k, t])}
                         for k, tr in enumerate(structure.tranches)],
        })  # fmt: skip
    last = result.periods
    return {
        "deal_id": deal["deal_id"], "name": deal["name"], "currency": cur, "periods": rows,
        "tranches": [{"name": tr.name, "original_balance": text(tr.balance_minor),
                      "balance": text(result.tranche_balance[0, k, last])}
                     for k, tr in enumerate(structure.tranches)],
        "triggers": trigger_states(structure, result),
        "conserved": run.took_in_collections and bool(np.array_equal(run.collections, paid_out(result))),
    }


def paid_out(result: Any) -> np.ndarray:
    """Every period's uses: fees, interest, principal, purchases, reserve change and residual."""
    return (
        result.fees_paid[0].sum(axis=0) + result.interest_paid[0].sum(axis=0) + result.principal_paid[0].sum(axis=0)
        + result.purchases[0] + result.reserve_change[0] + result.residual[0]
    )  # fmt: skip


def trigger_states(structure: Any, result: Any) -> list[dict[str, Any]]:
    """Each trigger's metric now and whether it is breached (sticky unless curable), as the waterfall tests it."""
    states = []
    for trigger in structure.triggers:
        values = result.metrics[trigger.metric.value][0]
        above = values[1:] > float(trigger.above)
        breached = bool(above.size) and (bool(above[-1]) if trigger.curable else bool(above.any()))
        states.append({"name": trigger.name, "metric": trigger.metric.value, "level": f"{trigger.above}",
                       "value": float(values[-1]) if values.size > 1 else 0.0, "breached": breached})  # fmt: skip
    return states
