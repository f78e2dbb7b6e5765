"""Recompute a decision from its record: the same facts through the same versioned data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from creditline.app.apply_setup import _PRODUCTS, reference_apr, shipped_model_dir, strategy
from creditline.app.apply_strategy import evaluate
from creditline.risk.limits import LimitInputs


def _typed_facts(record: dict[str, Any], kinds: dict[str, str]) -> dict[str, object]:
    facts: dict[str, object] = {}
    for name, value in record["facts"].items():
        facts[name] = Decimal(value) if kinds.get(name) == "number" and isinstance(value, str) else value
    return facts


def replay_record(record: dict[str, Any], product: Any) -> tuple[dict[str, Any], list[str]]:
    from creditline.app.decision import ReplayUnavailable

    versions = record["versions"]
    role = record["strategy"]
    recorded = versions[role]
    name = recorded["policy"].split("@")[0]
    chosen = strategy(name, role, recorded["limits"].split("@")[0], _grid_name(recorded))
    for part, digest in (("policy", chosen.policy.digest), ("limits", chosen.limits.digest), ("price_grid", chosen.grid_digest)):
        if recorded[f"{part}_digest"] != digest:
            raise ReplayUnavailable(f"the {part} data changed since the decision (digest differs)", field="decision")
    kinds = {spec.name: spec.type for spec in chosen.policy.table("knockout").spec.inputs}
    facts = _typed_facts(record, kinds)
    pd = Decimal(record["pd"]["pd"])
    on = date.fromisoformat(record["business_date"])
    product_key = (product.product_id, product.version)
    _PRODUCTS[product_key] = product
    limits = {k: v for k, v in record["limit_inputs"].items()}
    outcome = evaluate(
        chosen, facts, pd, lambda band: LimitInputs(band=band, **limits),
        lambda rate: reference_apr(product_key, rate, on), product.apr_cap_pct / 100,
        (product.rate_daily_min, product.rate_daily_max),
    )
    replayed = outcome.to_json()
    notes = []
    rescored = _rescore(record, versions["model"])
    if rescored is None:
        notes.append(f"PD model {versions['model']} is not loaded here; the recorded PD was used")
    else:
        replayed["pd"] = rescored
    return {k: replayed[k] for k in ("outcome", "reasons", "band", "limit_minor", "rate_daily", "apr", "pd") if k in replayed}, notes


def _grid_name(recorded: dict[str, str]) -> str:
    return recorded["price_grid_name"]


def _rescore(record: dict[str, Any], model_id: str) -> str | None:
    from creditline.app.apply_setup import pd_scorer

    scorer = pd_scorer(str(shipped_model_dir()))
    if scorer.model_id != model_id:
        return None
    return str(scorer.score(record["pd_fields"]).pd)
