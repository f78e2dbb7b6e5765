"""Building the deciders an origination process runs with: strategies, models, verifiers, indexes.

Everything here is loaded once per process and database (`deciders_for`): policy and price data
parse in milliseconds, but the PD model and the fraud index (rebuilt from the stored signals)
take longer and must not be paid per application.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from creditline.app.apply_pipeline import PD_PLACES, Deciders, PdScore
from creditline.app.apply_strategy import Strategy
from creditline.identity import SimulatedBureau, SimulatedFaceMatcher, SimulatedTelco, profile

SALT_ENV = "CREDITLINE_PII_SALT"
# Development only: a deployment sets CREDITLINE_PII_SALT (keyed hashes of ID numbers are only
# as private as this key).
SALT_DEV = b"creditline-dev-salt"
REFERENCE_LOAN_MAJOR = 10_000
KINDS = ("id_number", "phone", "device", "ip", "bank_card")
CONTACTS_INDEXED_MAX = 20


@dataclass(frozen=True, slots=True)
class OriginationConfig:
    jurisdiction: str = "CN"
    product_id: str = "revolving-consumer"
    policy: str = "origination_cn"
    challenger: str | None = "origination_cn_challenger"
    challenger_share: Decimal = Decimal("0.1")
    limits: str = "limits_cn"
    price_grid: str = "price_grid_cn"
    fraud_rules: str = "fraud_rules"
    model_dir: str | None = None  # None: the PD model trained on the simulated population
    anomaly: bool = True


def pii_salt() -> bytes:
    return os.environ.get(SALT_ENV, "").encode() or SALT_DEV


def shipped_model_dir() -> Path:
    return Path(str(resources.files("creditline.app") / "apply_models" / "pd_simulated_cn"))


class ModelPdScorer:
    """The `risk.models` in-process scorer behind the pipeline's `PdScorer` interface."""

    def __init__(self, directory: Path) -> None:
        from creditline.risk.models import Scorer, load_model

        self._scorer = Scorer(load_model(directory), threads=1)
        self.model_id = self._scorer.model_id

    def score(self, fields: Any) -> PdScore:
        decision = self._scorer.score_one(fields)
        pd = Decimal(repr(decision.pd)).quantize(PD_PLACES)
        reasons = tuple(reason.text for reason in decision.reasons)
        factors = tuple(reason.to_json() for reason in decision.reasons)
        return PdScore(pd, decision.score, reasons, self._scorer.reason_words(decision.reasons), factors)


@lru_cache(maxsize=8)
def pd_scorer(directory: str) -> ModelPdScorer:
    return ModelPdScorer(Path(directory))


@lru_cache(maxsize=16)
def strategy(name: str, role: str, limits: str, grid: str) -> Strategy:
    from creditline.risk.limits import builtin_limit_policy
    from creditline.risk.policy import builtin_policy
    from creditline.risk.pricing import builtin_price_grid, grid_terms

    price_grid = builtin_price_grid(grid)
    return Strategy(
        role, builtin_policy(name), builtin_limit_policy(limits), grid_terms(price_grid), price_grid.digest, grid
    )


@lru_cache(maxsize=4096)
def reference_apr(product_key: tuple[str, int], rate_daily: Decimal, on: date) -> Decimal:
    """The IRR-based APR (PBOC method) of the product's reference loan at `rate_daily`, as a fraction."""
    from creditline.lending.apr import AprMethod, schedule_apr
    from creditline.lending.schedule import build_schedule
    from creditline.money import Money

    product = _PRODUCTS[product_key]
    amount = Money.of_minor(REFERENCE_LOAN_MAJOR * product.currency.minor_per_major, product.currency)
    terms = product.schedule_terms(amount, max(product.terms_months), product.methods[0], rate_daily, on)
    apr = schedule_apr(build_schedule(terms).cash_flows(), AprMethod.IRR)
    return apr.apr_pct / 100


# An erasure removes a borrower's signals from the database; a process's fraud index, built from them and
# then only grown, drops them by reloading when the erasure counter moves. The counter is read at most
# this often per process (an application pays no extra round trip), so an erased borrower's signals stop
# counting within a second or so in every server process, not at its next restart.
ERASURES_CHECK_S = 1.0


@dataclass(slots=True)
class CachedScreen:
    """A process's fraud screen for one database and rule set: the erasure counter it was built at, and
    when the process last read the counter."""

    screen: Any
    erasures: int
    checked_at_s: float


_PRODUCTS: dict[tuple[str, int], Any] = {}
_SCREENS: dict[tuple[str, str], CachedScreen] = {}
_DECIDERS: dict[tuple[Any, ...], Deciders] = {}
_LOCK = threading.Lock()


def deciders_for(engine: Any, uow: Any, product: Any, on: date, config: OriginationConfig) -> Deciders:
    """The deciders for this engine and configuration, built on first use and then reused (the fraud
    screen rebuilt once an erasure has removed signals since it was built)."""
    import time

    from creditline.store.tables_origination import OriginationRepository

    product_key = (product.product_id, product.version)
    _PRODUCTS[product_key] = product
    key = (str(engine.url), config.fraud_rules)
    with _LOCK:
        repository, now = OriginationRepository(uow.connection), time.monotonic()
        cached = _SCREENS.get(key)
        if cached is None or (now - cached.checked_at_s >= ERASURES_CHECK_S and _erased_since(repository, cached, now)):
            # The counter first: an erasure committing while the signals load moves it, and the next check reloads.
            erasures = repository.erasures()
            cached = _SCREENS[key] = CachedScreen(load_screen(repository, config), erasures, now)
            _DECIDERS.clear()
        found = _DECIDERS.get((key, config, product_key, on))
        if found is None:
            found = _DECIDERS[(key, config, product_key, on)] = _build(cached.screen, product, on, config)
    return found


def _erased_since(repository: Any, cached: CachedScreen, now: float) -> bool:
    """Whether an erasure has counted since the screen was built (and note that the counter was read)."""
    erasures = repository.erasures()
    cached.checked_at_s = now
    return erasures != cached.erasures


def _build(screen: Any, product: Any, on: date, config: OriginationConfig) -> Deciders:
    challenger = None
    if config.challenger:
        challenger = strategy(config.challenger, "challenger", config.limits, config.price_grid)
    product_key = (product.product_id, product.version)
    return Deciders(
        profile=profile(config.jurisdiction),
        bureau=SimulatedBureau(minor_per_major=product.currency.minor_per_major),
        face=SimulatedFaceMatcher(),
        telco=SimulatedTelco(),
        screen=screen,
        scorer=pd_scorer(config.model_dir or str(shipped_model_dir())),
        champion=strategy(config.policy, "champion", config.limits, config.price_grid),
        apr_of=lambda rate: reference_apr(product_key, rate, on),
        apr_cap=product.apr_cap_pct / 100,
        rate_range=(product.rate_daily_min, product.rate_daily_max),
        challenger=challenger,
        challenger_share=config.challenger_share,
        salt=pii_salt(),
    )


def load_screen(repository: Any, config: OriginationConfig) -> Any:
    """The fraud screen, its indexes bulk-loaded from every stored application's signals."""
    import numpy as np

    from creditline.risk.fraud import (
        FraudScreen,
        IdentityGraph,
        SignalKind,
        VelocityIndex,
        builtin_fraud_rules,
    )

    history = repository.signal_history(KINDS, CONTACTS_INDEXED_MAX)
    times = history.applied_at_s
    velocity = VelocityIndex.bulk_load({SignalKind(k): (history.keys[k], times) for k in KINDS})
    links = np.stack([history.keys[k] for k in ("phone", "device", "bank_card")], axis=1)
    bad_keys = np.array(sorted(repository.flagged("bad_outcome")), dtype=np.int64)
    bad = np.isin(history.keys["id_number"], bad_keys)
    graph = IdentityGraph.bulk_load(history.keys["id_number"], links, history.contacts, bad)
    screen = FraudScreen(builtin_fraud_rules(config.fraud_rules), velocity, graph)
    if config.anomaly:
        screen.anomaly = anomaly_model()
    return screen


@lru_cache(maxsize=1)
def anomaly_model() -> Any:
    """The shipped anomaly model (`app.anomaly_forest`: fitted once, loaded in milliseconds)."""
    from creditline.app.anomaly_forest import load_anomaly_model

    return load_anomaly_model()


def forget_screens() -> None:
    """Drop the cached fraud indexes (tests that recreate a database under the same URL)."""
    with _LOCK:
        _SCREENS.clear()
        _DECIDERS.clear()
