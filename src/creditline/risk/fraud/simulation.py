"""A synthetic fraud-ring scenario: honest households, fraud rings, and honest people next to rings.

Honest applicants live in households of one to three who list each other's phones as contacts and
sometimes share a device; everyone's other contacts come from a large pool, so unrelated honest
people also end up linked by the odd common friend. A ring is six to twelve synthetic identities
with their own SIM cards, working from two or three devices, listing one another and an organiser
as contacts, applying over about ten days. Its honest neighbours each share exactly one thing
with it: a device bought second hand after the ring moved on, a ring member in their contacts,
or an IP address (a café's wifi). The question is whether the rings are caught and the neighbours
are not. Seeded; the same seed gives the same scenario.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from creditline.risk.fraud.assess import ApplicationSignals, FraudScreen
from creditline.risk.fraud.keys import SignalKind, signal_key

DAY_S = 86_400
HORIZON_DAYS = 120


@dataclass(frozen=True, slots=True)
class SimApplication:
    label: str  # "honest", "neighbour" or "ring"
    group: int  # ring number for ring members and their neighbours, -1 otherwise
    signals: ApplicationSignals


@dataclass
class _Builder:
    rng: np.random.Generator
    serial: int = 0
    applications: list[SimApplication] = field(default_factory=list)

    def fresh(self, kind: SignalKind) -> int:
        self.serial += 1
        return signal_key(kind, f"sim-{kind}-{self.serial}")

    def contact_pool(self, size: int) -> np.ndarray:
        return np.array([self.fresh(SignalKind.PHONE) for _ in range(size)], dtype=np.int64)

    def add(self, label: str, group: int, at_s: int, keys: dict[SignalKind, int], contacts: list[int]) -> None:
        signals = ApplicationSignals(int(at_s), keys, tuple(int(c) for c in contacts))
        self.applications.append(SimApplication(label, group, signals))


def ring_scenario(*, seed: int = 20250601, households: int = 2500, rings: int = 12) -> list[SimApplication]:
    """Applications in time order."""
    build = _Builder(np.random.default_rng(seed))
    pool = build.contact_pool(400_000)
    for _ in range(households):
        _household(build, pool)
    for ring in range(rings):
        _ring(build, pool, ring)
    return sorted(build.applications, key=lambda a: a.signals.applied_at_s)


def _person(build: _Builder, phone: int | None = None) -> dict[SignalKind, int]:
    return {
        SignalKind.ID_NUMBER: build.fresh(SignalKind.ID_NUMBER),
        SignalKind.PHONE: phone if phone is not None else build.fresh(SignalKind.PHONE),
        SignalKind.DEVICE: build.fresh(SignalKind.DEVICE),
        SignalKind.BANK_CARD: build.fresh(SignalKind.BANK_CARD),
        SignalKind.IP: build.fresh(SignalKind.IP),
    }


def _household(build: _Builder, pool: np.ndarray) -> None:
    rng = build.rng
    size = int(rng.choice([1, 2, 3], p=[0.6, 0.3, 0.1]))
    members = [_person(build) for _ in range(size)]
    if size > 1 and rng.random() < 0.3:
        members[1][SignalKind.DEVICE] = members[0][SignalKind.DEVICE]
    for member in members:
        family = [m[SignalKind.PHONE] for m in members if m is not member]
        others = list(rng.choice(pool, size=int(rng.integers(3, 9))))
        at_s = int(rng.integers(0, HORIZON_DAYS * DAY_S))
        build.add("honest", -1, at_s, member, family + others)


def _ring(build: _Builder, pool: np.ndarray, ring: int) -> None:
    rng = build.rng
    start_s = int(rng.integers(10, 60) * DAY_S)
    devices = [build.fresh(SignalKind.DEVICE) for _ in range(int(rng.integers(2, 4)))]
    organiser = build.fresh(SignalKind.PHONE)
    cafe_ip = build.fresh(SignalKind.IP)
    members = [_person(build) for _ in range(int(rng.integers(6, 13)))]
    times = sorted(start_s + rng.integers(0, 10 * DAY_S, size=len(members)))
    for index, (member, at_s) in enumerate(zip(members, times, strict=True)):
        member[SignalKind.DEVICE] = devices[index % len(devices)]
        member[SignalKind.IP] = cafe_ip if rng.random() < 0.5 else member[SignalKind.IP]
        mates = [m[SignalKind.PHONE] for m in members if m is not member]
        contacts = [organiser, *rng.choice(mates, size=min(3, len(mates)), replace=False)]
        build.add("ring", ring, at_s, member, contacts + list(rng.choice(pool, size=2)))
    _neighbours(build, pool, ring, members, devices, cafe_ip, times[-1])


def _neighbours(build, pool, ring, members, devices, cafe_ip, last_s) -> None:  # type: ignore[no-untyped-def]
    rng = build.rng
    second_hand = _person(build)
    second_hand[SignalKind.DEVICE] = devices[0]
    build.add("neighbour", ring, last_s + 45 * DAY_S, second_hand, list(rng.choice(pool, size=5)))
    acquaintance = _person(build)
    contacts = [members[0][SignalKind.PHONE], *rng.choice(pool, size=5)]
    build.add("neighbour", ring, last_s + int(rng.integers(1, 5)) * DAY_S, acquaintance, contacts)
    cafe = _person(build)
    cafe[SignalKind.IP] = cafe_ip
    build.add("neighbour", ring, last_s - DAY_S, cafe, list(rng.choice(pool, size=6)))


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    scores: np.ndarray
    labels: np.ndarray
    groups: np.ndarray
    rules: list[tuple[str, ...]]

    def rate(self, label: str, threshold: float) -> float:
        chosen = self.labels == label
        return float((self.scores[chosen] >= threshold).mean())

    def rings_caught(self, threshold: float, share: float = 0.5) -> float:
        """Share of rings with at least `share` of their applications at or above `threshold`."""
        ring_ids = np.unique(self.groups[self.labels == "ring"])
        caught = [
            (self.scores[(self.labels == "ring") & (self.groups == r)] >= threshold).mean() >= share for r in ring_ids
        ]
        return float(np.mean(caught))


def run_scenario(screen: FraudScreen, applications: list[SimApplication]) -> ScenarioResult:
    """Screen each application in time order, then remember it, as origination does."""
    scores, rules = [], []
    for application in applications:
        assessment = screen.assess(application.signals)
        scores.append(float(assessment.score))
        rules.append(assessment.rules)
        screen.remember(application.signals)
    return ScenarioResult(
        np.array(scores),
        np.array([a.label for a in applications]),
        np.array([a.group for a in applications]),
        rules,
    )
