"""Generated behaviour to measure monitoring on: ordinary borrowers, and account takeovers among them.

Each borrower gets a warm-up history of ordinary drawdowns (their own amount habit, active hours,
one or two devices, one account) that builds the profile, then an evaluation period. Ordinary
periods include the legitimate surprises that make monitoring hard: a new phone, a new bank
account, a bigger drawdown than usual, an emergency drawdown of nearly everything available.
Takeover periods follow one of four patterns:

- classic: the attacker, on a new device, changes the account, then draws the line dry to it;
- direct: a new device draws nearly everything to a new account at once;
- patient: as classic, but the attacker gets through the step-up (a phished, synced passkey) and
  waits a day or two before draining the line from the now-familiar device;
- own-device: remote control of the victim's own phone: account change, then a maximal drawdown.

`evaluate` replays every stream through `assess` and `observe` the way the app does: allowed
activities teach the profile; a step-up is passed by the real borrower and failed by an attacker
(but for the patient pattern's first step); a hold stops the activity.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from creditline.risk.transactions.activity import Activity, ActivityKind
from creditline.risk.transactions.profile import Profile, observe
from creditline.risk.transactions.rules import MonitoringRules
from creditline.risk.transactions.score import Action, assess

DAY = 86_400
START_S = 1_735_689_600  # 2025-01-01T00:00:00Z
TAKEOVER_PATTERNS = ("classic", "direct", "patient", "own-device")


@dataclass(frozen=True, slots=True)
class Step:
    activity: Activity
    takeover: bool  # an attacker's step
    warm_up: bool = False  # history before the evaluation period (not scored in the metrics)
    passes_step_up: bool = False  # an attacker step that gets through a step-up


@dataclass(frozen=True, slots=True)
class Stream:
    borrower: str
    pattern: str  # "ordinary" or one of TAKEOVER_PATTERNS
    steps: tuple[Step, ...]


@dataclass
class _Habits:
    limit_minor: int
    share_mean: float
    hour_center: float
    devices: list[str]
    account: str
    rng: np.random.Generator
    serial: list[int] = field(default_factory=lambda: [0])

    def key(self, prefix: str) -> str:
        self.serial[0] += 1
        return f"{prefix}{self.serial[0]}-{int(self.rng.integers(1 << 40)):x}"

    def hour(self) -> int:
        return int(np.clip(round(self.rng.normal(self.hour_center, 2.0)), 6, 23))

    def draw(self, at_s: int, device: str, account: str, share: float | None = None, hour: int | None = None) -> Activity:
        available = int(self.limit_minor * self.rng.uniform(0.6, 1.0))
        if share is None:
            share = float(np.clip(self.rng.lognormal(np.log(self.share_mean), 0.35), 0.01, 1.0))
        amount = max(int(min(self.limit_minor * share, available) // 100 * 100), 100)
        return Activity(
            ActivityKind.DRAWDOWN, at_s, self.hour() if hour is None else hour, device, account,
            amount, self.limit_minor, available,
        )  # fmt: skip

    def change(self, at_s: int, device: str, account: str, hour: int | None = None) -> Activity:
        return Activity(ActivityKind.ACCOUNT_CHANGE, at_s, self.hour() if hour is None else hour, device, account)


def generate(seed: int, borrowers: int, takeover_share: float = 0.3) -> list[Stream]:
    """`borrowers` streams, about `takeover_share` of them ending in an account takeover."""
    rng = np.random.default_rng(seed)
    streams = []
    for index in range(borrowers):
        habits = _habits(rng)
        warm_up, clock = _warm_up(habits)
        if rng.random() < takeover_share:
            pattern = TAKEOVER_PATTERNS[int(rng.integers(len(TAKEOVER_PATTERNS)))]
            tail = list(_takeover(habits, clock, pattern))
        else:
            pattern, tail = "ordinary", list(_ordinary(habits, clock))
        streams.append(Stream(f"B{index}", pattern, (*warm_up, *tail)))
    return streams


def _habits(rng: np.random.Generator) -> _Habits:
    habits = _Habits(
        limit_minor=int(rng.integers(50, 501)) * 10_000,
        share_mean=float(rng.uniform(0.05, 0.3)),
        hour_center=float(rng.uniform(9, 21)),
        devices=[],
        account="",
        rng=rng,
    )
    habits.devices = [habits.key("dev") for _ in range(1 if rng.random() < 0.8 else 2)]
    habits.account = habits.key("acct")
    return habits


def _warm_up(habits: _Habits) -> tuple[list[Step], int]:
    rng, clock, steps = habits.rng, START_S, []
    for _ in range(int(rng.integers(6, 16))):
        clock += int(rng.integers(7, 30)) * DAY + int(rng.integers(DAY))
        device = habits.devices[int(rng.integers(len(habits.devices)))]
        steps.append(Step(habits.draw(clock, device, habits.account), takeover=False, warm_up=True))
    return steps, clock


def _ordinary(habits: _Habits, clock: int) -> Iterator[Step]:
    rng = habits.rng
    device, account = habits.devices[0], habits.account
    for _ in range(int(rng.integers(3, 7))):
        clock += int(rng.integers(3, 25)) * DAY + int(rng.integers(DAY))
        surprise = rng.random()
        if surprise < 0.15:  # a new phone
            device = habits.key("dev")
            yield Step(habits.draw(clock, device, account), takeover=False)
        elif surprise < 0.25:  # a new bank account, then a drawdown to it
            account = habits.key("acct")
            yield Step(habits.change(clock, device, account), takeover=False)
            yield Step(habits.draw(clock + int(rng.integers(1, 5)) * DAY, device, account), takeover=False)
        elif surprise < 0.35:  # a bigger drawdown than usual
            yield Step(habits.draw(clock, device, account, share=min(habits.share_mean * 3, 1.0)), takeover=False)
        elif surprise < 0.40:  # an emergency: nearly everything available
            yield Step(habits.draw(clock, device, account, share=1.0), takeover=False)
        else:
            yield Step(habits.draw(clock, device, account), takeover=False)


def _takeover(habits: _Habits, clock: int, pattern: str) -> Iterator[Step]:
    rng = habits.rng
    clock += int(rng.integers(3, 25)) * DAY
    hour = int(rng.integers(24))
    mule = habits.key("mule")
    device = habits.devices[0] if pattern == "own-device" else habits.key("attacker")
    if pattern != "direct":
        passes = pattern == "patient"
        yield Step(habits.change(clock, device, mule, hour), takeover=True, passes_step_up=passes)
        clock += int(rng.integers(1, 3)) * DAY if pattern == "patient" else int(rng.integers(5, 120)) * 60
    yield Step(habits.draw(clock, device, mule, share=1.0, hour=hour), takeover=True)


@dataclass(frozen=True, slots=True)
class Metrics:
    true_positives: int  # attacker steps stepped up or held
    false_positives: int  # ordinary steps stepped up or held
    false_negatives: int  # attacker steps allowed
    true_negatives: int
    takeovers: int
    takeovers_stopped: int  # no attacker drawdown got its money out
    ordinary_held: int

    @property
    def precision(self) -> float:
        flagged = self.true_positives + self.false_positives
        return self.true_positives / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        attacks = self.true_positives + self.false_negatives
        return self.true_positives / attacks if attacks else 1.0

    @property
    def takeover_recall(self) -> float:
        return self.takeovers_stopped / self.takeovers if self.takeovers else 1.0

    @property
    def ordinary_flag_rate(self) -> float:
        ordinary = self.false_positives + self.true_negatives
        return self.false_positives / ordinary if ordinary else 0.0


def evaluate(streams: list[Stream], rules: MonitoringRules) -> Metrics:
    counts = dict.fromkeys(("tp", "fp", "fn", "tn", "stopped", "held"), 0)
    takeovers = 0
    for stream in streams:
        profile = Profile()
        money_out = False
        for step in stream.steps:
            outcome = assess(profile, step.activity, rules)
            flagged = outcome.action is not Action.ALLOW
            if not step.warm_up:
                _count(counts, step.takeover, flagged, outcome.action)
            trusted = _trusted(step, outcome.action)
            if step.takeover and not trusted:
                break  # the attacker is stopped: the takeover goes no further
            money_out |= step.takeover and step.activity.kind is ActivityKind.DRAWDOWN
            profile = observe(profile, step.activity, trusted=trusted)
        if stream.pattern != "ordinary":
            takeovers += 1
            counts["stopped"] += not money_out
    return Metrics(
        counts["tp"], counts["fp"], counts["fn"], counts["tn"], takeovers, counts["stopped"], counts["held"]
    )


def _trusted(step: Step, action: Action) -> bool:
    if action is Action.ALLOW:
        return True
    if action is Action.HOLD:
        return False
    return not step.takeover or step.passes_step_up


def _count(counts: dict[str, int], takeover: bool, flagged: bool, action: Action) -> None:
    key = ("tp" if flagged else "fn") if takeover else ("fp" if flagged else "tn")
    counts[key] += 1
    if not takeover and action is Action.HOLD:
        counts["held"] += 1
