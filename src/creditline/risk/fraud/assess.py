"""Fraud assessment: velocity, identity graph and the learned scores, folded into one score.

Every rule that fires is listed with its id; the score is a noisy-OR of the fired rules' weights
and the models' excess over their thresholds, rounded to four places so records replay exactly.
`assess` only reads the indexes; `remember` adds the application once its decision is taken.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np

from creditline.risk.fraud.graph import GraphFeatures, IdentityGraph
from creditline.risk.fraud.keys import SignalKind
from creditline.risk.fraud.models import AnomalyModel, SupervisedModel
from creditline.risk.fraud.rules import FraudRules, ModelWeight
from creditline.risk.fraud.velocity import VelocityIndex

SECONDS_PER_HOUR = 3600
SCORE_PLACES = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class ApplicationSignals:
    applied_at_s: int  # business time of the application, seconds since the epoch
    keys: dict[SignalKind, int]  # one key per kind present (0 or absent: not given)
    contact_keys: tuple[int, ...] = ()  # phones in the applicant's contacts, PHONE-kind keys
    features: np.ndarray | None = None  # the application's numeric features for the models

    @property
    def applicant_key(self) -> int:
        return self.keys[SignalKind.ID_NUMBER]

    @property
    def link_keys(self) -> tuple[int, ...]:
        own = [self.keys.get(kind, 0) for kind in (SignalKind.PHONE, SignalKind.DEVICE, SignalKind.BANK_CARD)]
        return tuple(k for k in own if k)


@dataclass(frozen=True, slots=True)
class FraudAssessment:
    score: Decimal
    rules: tuple[str, ...]
    graph: GraphFeatures
    velocity_counts: dict[str, int] = field(default_factory=dict)
    anomaly: Decimal | None = None
    supervised: Decimal | None = None


@dataclass
class FraudScreen:
    """The indexes and models one process screens applications with.

    A server's request threads share one screen: the indexes grow their arrays as applications are
    remembered, so every read and every write of them holds the screen's lock (a read racing a
    growth read past the end of an array: an HTTP 500 under load). The models only read."""

    rules: FraudRules
    velocity: VelocityIndex = field(default_factory=VelocityIndex)
    graph: IdentityGraph = field(default_factory=IdentityGraph)
    anomaly: AnomalyModel | None = None
    supervised: SupervisedModel | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def assess(self, signals: ApplicationSignals) -> FraudAssessment:
        fired: list[str] = []
        weights: list[float] = []
        with self._lock:
            counts = self._velocity(signals, fired, weights)
            graph = self.graph.features(signals.applicant_key, signals.link_keys, signals.contact_keys)
        for rule in self.rules.graph:
            if (
                graph.cluster_size >= rule.cluster_size_min
                and graph.cluster_bad >= rule.cluster_bad_min
                and graph.shared_links >= rule.shared_links_min
                and graph.contact_fan_in >= rule.contact_fan_in_min
            ):
                fired.append(rule.id)
                weights.append(rule.weight)
        anomaly = supervised = None
        if signals.features is not None and self.anomaly is not None:
            anomaly = _model_evidence(self.anomaly.score(signals.features), self.rules.anomaly, fired, weights)
        if signals.features is not None and self.supervised is not None:
            probability = self.supervised.probability(signals.features)
            supervised = _model_evidence(probability, self.rules.supervised, fired, weights)
        return FraudAssessment(_noisy_or(weights), tuple(fired), graph, counts, anomaly, supervised)

    def _velocity(self, signals: ApplicationSignals, fired: list[str], weights: list[float]) -> dict[str, int]:
        counts: dict[str, int] = {}
        for rule in self.rules.velocity:
            key = signals.keys.get(rule.kind, 0)
            if not key:
                continue
            # Every application the index holds came before this one, whatever time it carries: those
            # stamped later count too (the window either side), or a farm stamping each application a
            # little earlier than the last one would never have a prior application in its window.
            window_s = rule.window_hours * SECONDS_PER_HOUR
            count = self.velocity.count(rule.kind, key, signals.applied_at_s - window_s, signals.applied_at_s + window_s + 1)
            counts[rule.id] = count
            if count >= rule.prior_min:
                fired.append(rule.id)
                weights.append(rule.weight)
        return counts

    def remember(self, signals: ApplicationSignals, *, bad: bool = False) -> None:
        with self._lock:
            for kind, key in signals.keys.items():
                if key:
                    self.velocity.add(kind, key, signals.applied_at_s)
            self.graph.add(signals.applicant_key, signals.link_keys, signals.contact_keys, bad=bad)


def _model_evidence(score: float, setting: ModelWeight, fired: list[str], weights: list[float]) -> Decimal:
    """A model above its threshold adds its excess, rescaled to 0..1, times its weight."""
    if score > setting.threshold:
        fired.append(setting.id)
        weights.append(setting.weight * (score - setting.threshold) / (1.0 - setting.threshold))
    return Decimal(repr(score)).quantize(SCORE_PLACES, rounding=ROUND_HALF_EVEN)


def _noisy_or(weights: Sequence[float]) -> Decimal:
    survival = 1.0
    for weight in weights:
        survival *= 1.0 - min(max(weight, 0.0), 1.0)
    return Decimal(repr(1.0 - survival)).quantize(SCORE_PLACES, rounding=ROUND_HALF_EVEN)
