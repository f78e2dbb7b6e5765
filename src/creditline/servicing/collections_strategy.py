"""A collections strategy as versioned data: what to do for a loan on each day, by bucket and risk.

The "collection day" of a loan puts reminders and collection on one scale: before the due date it is
minus the days until the next installment falls due (-3 is three days before, 0 the due date itself),
once overdue it is the days past due. A strategy is a list of stages, each covering delinquency
buckets (M0 = current, M1 = 1-30 days past due ... M7 = 180+, as in `portfolio.delinquency`); a stage
is an escalation level with its own call queue, and its actions say on which days to send which
template on which channel, or to put the loan in the call queue, for which risk segments.

Contact rules (quiet hours, caps, no third parties), promise-to-pay terms and hardship limits are
part of the same file, so one version number explains every contact the platform made. Validated
with pydantic: an unknown field is an error that names the field.
"""

from __future__ import annotations

import hashlib
import json
import string
from datetime import time
from fractions import Fraction
from functools import cache
from importlib import resources
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from creditline.risk.limits.ratio import exact_fraction
from creditline.servicing.collections_errors import StrategyInvalid
from creditline.servicing.notifications import Channel

BUCKET_DAYS = 30
BUCKET_LAST = 7
BUCKETS = tuple(f"M{k}" for k in range(BUCKET_LAST + 1))
REMINDER_DAYS_MAX = 31  # reminders start at most this many days before a due date
DAY_MAX = 3650
PLACEHOLDERS = frozenset({"amount", "currency", "due_date", "days_past_due", "product"})
LANGUAGES = ("zh", "en")

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser when libyaml is there


def bucket_days(bucket: str) -> tuple[int, int | None]:
    """The collection days a bucket covers (inclusive; None: no end)."""
    k = BUCKETS.index(bucket)
    if k == 0:
        return -REMINDER_DAYS_MAX, 0
    if k == BUCKET_LAST:
        return BUCKET_DAYS * (BUCKET_LAST - 1) + 1, None
    return BUCKET_DAYS * (k - 1) + 1, BUCKET_DAYS * k


def clock_time(text: str) -> time:
    try:
        parsed = time.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValueError(f"{text!r} is not a time of day (HH:MM)") from None
    if parsed.second or parsed.microsecond or parsed.tzinfo:
        raise ValueError(f"{text!r}: give hours and minutes only, in the borrower's local time")
    return parsed


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Segment(Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,23}$")
    score_min: int = Field(ge=0, le=1000)
    priority: int = Field(ge=0, le=9)  # the call queue serves higher first


class ContactRules(Strict):
    quiet_start: str  # no contact from this local time...
    quiet_end: str  # ...until this one (the span may cross midnight)
    per_day_max: int = Field(ge=1, le=20)  # contacts a borrower may receive a local day, every channel
    per_week_max: int = Field(ge=1, le=100)  # in any 7 consecutive local days
    per_day_max_by_channel: dict[Channel, int]
    third_parties: Literal["forbidden"]  # not a switch: collecting from anyone but the borrower is unlawful
    source: str = Field(min_length=1, max_length=600)  # the rules these numbers follow

    @field_validator("quiet_start", "quiet_end")
    @classmethod
    def _time(cls, text: str) -> str:
        clock_time(text)
        return text

    @field_validator("per_day_max_by_channel")
    @classmethod
    def _caps(cls, caps: dict[Channel, int]) -> dict[Channel, int]:
        for channel, cap in caps.items():
            if not 1 <= cap <= 20:
                raise ValueError(f"{channel}: a daily cap is from 1 to 20")
        return caps

    @model_validator(mode="after")
    def _quiet_span(self) -> ContactRules:
        if clock_time(self.quiet_start) == clock_time(self.quiet_end):
            raise ValueError("quiet_start and quiet_end must differ")
        if self.per_week_max < self.per_day_max:
            raise ValueError("per_week_max must be at least per_day_max")
        return self

    @property
    def quiet_from(self) -> time:
        return clock_time(self.quiet_start)

    @property
    def quiet_until(self) -> time:
        return clock_time(self.quiet_end)


class PromiseTerms(Strict):
    days_ahead_max: int = Field(ge=1, le=60)  # a promise is for a date at most this far ahead
    share_of_overdue_min: str  # a promise covers at least this share of what is overdue ("1/2")
    grace_days: int = Field(ge=0, le=7)  # broken only this many days after the promised date
    pause_contacts: bool  # no automated contact about a loan while its promise is pending
    # A loan whose promises broke this many times within the window takes no further promise: promise, break,
    # promise again would otherwise pause its automated contact without end.
    broken_max: int = Field(ge=1, le=20)
    broken_window_days: int = Field(ge=1, le=366)

    @field_validator("share_of_overdue_min")
    @classmethod
    def _share(cls, text: str) -> str:
        value = _ratio(text)
        if not 0 < value <= 1:
            raise ValueError("a share is above 0 and at most 1")
        return text

    @property
    def share_min(self) -> Fraction:
        return _ratio(self.share_of_overdue_min)


class HardshipTerms(Strict):
    reages_per_loan_max: int = Field(ge=0, le=5)
    paid_installments_min: int = Field(ge=0, le=60)  # payment history before a re-age is offered
    days_past_due_min: int = Field(ge=1, le=DAY_MAX)
    days_past_due_max: int = Field(ge=1, le=DAY_MAX)
    installment_choices: tuple[int, ...] = Field(min_length=1)
    # Automated contact about an overdue loan pauses this many days after the borrower asks for hardship help.
    pause_days: int = Field(default=0, ge=0, le=90)

    @model_validator(mode="after")
    def _window(self) -> HardshipTerms:
        if self.days_past_due_max < self.days_past_due_min:
            raise ValueError("days_past_due_max must be at least days_past_due_min")
        if any(not 1 <= n <= 60 for n in self.installment_choices):
            raise ValueError("installment choices are from 1 to 60")
        return self


# Bounded: the planner compares collection days in int64 arrays (a larger one crashed it).
CollectionDay = Annotated[int, Field(ge=-DAY_MAX, le=DAY_MAX)]


class Action(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")
    channel: Channel
    days: tuple[CollectionDay, ...] = ()  # on exactly these collection days...
    from_day: CollectionDay | None = None  # ...or from this day, every `every_days`, until `to_day`
    every_days: int | None = Field(default=None, ge=1, le=90)
    to_day: CollectionDay | None = None
    template: str | None = None  # for sms and in_app
    send_at: str = "10:00"  # local time a message is scheduled for
    segments: tuple[str, ...] = ()  # empty: every segment

    @field_validator("send_at")
    @classmethod
    def _send_at(cls, text: str) -> str:
        clock_time(text)
        return text

    @model_validator(mode="after")
    def _shape(self) -> Action:
        if bool(self.days) == (self.from_day is not None):
            raise ValueError("give either days or from_day with every_days")
        if (self.from_day is None) != (self.every_days is None):
            raise ValueError("from_day and every_days go together")
        if self.to_day is not None and (self.from_day is None or self.to_day < self.from_day):
            raise ValueError("to_day needs from_day and must not be before it")
        if (self.channel is Channel.CALL) == (self.template is not None):
            raise ValueError("messages (sms, in_app) name a template; calls do not")
        return self

    def acts_on(self, day: int) -> bool:
        if self.days:
            return day in self.days
        assert self.from_day is not None and self.every_days is not None
        if day < self.from_day or (self.to_day is not None and day > self.to_day):
            return False
        return (day - self.from_day) % self.every_days == 0

    def first_day(self) -> int:
        return min(self.days) if self.days else int(self.from_day or 0)

    def last_day(self) -> int | None:
        return max(self.days) if self.days else self.to_day


class Stage(Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,23}$")
    buckets: tuple[str, ...] = Field(min_length=1)
    queue: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_-]{0,23}$")
    actions: tuple[Action, ...] = ()

    @field_validator("buckets")
    @classmethod
    def _buckets(cls, buckets: tuple[str, ...]) -> tuple[str, ...]:
        for bucket in buckets:
            if bucket not in BUCKETS:
                raise ValueError(f"{bucket!r} is not a bucket ({', '.join(BUCKETS)})")
        indexes = sorted(BUCKETS.index(b) for b in buckets)
        if indexes != list(range(indexes[0], indexes[-1] + 1)):
            raise ValueError("a stage covers consecutive buckets")
        return buckets

    def day_range(self) -> tuple[int, int | None]:
        ranges = [bucket_days(b) for b in self.buckets]
        ends = [end for _, end in ranges]
        return min(start for start, _ in ranges), None if None in ends else max(e for e in ends if e is not None)


class Template(Strict):
    version: int = Field(ge=1)
    zh: str = Field(min_length=1, max_length=300)
    en: str = Field(min_length=1, max_length=300)

    @field_validator("zh", "en")
    @classmethod
    def _placeholders(cls, text: str) -> str:
        for _, name, spec, conversion in string.Formatter().parse(text):
            if name is None:
                continue
            if name not in PLACEHOLDERS:
                allowed = ", ".join("{" + p + "}" for p in sorted(PLACEHOLDERS))
                raise ValueError(f"unknown placeholder {{{name}}}; use {allowed}")
            if spec or conversion:
                written = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
                raise ValueError(f"placeholder {written} takes no conversion or format; write {{{name}}}")
        return text

    def text(self, language: str) -> str:
        return self.zh if language == "zh" else self.en


class Strategy(Strict):
    name: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    version: str = Field(min_length=1, max_length=40)
    time_zone_default: str
    language_default: Literal["zh", "en"]
    segments: tuple[Segment, ...] = Field(min_length=1)
    segment_unscored: str
    contact_rules: ContactRules
    promises: PromiseTerms
    hardship: HardshipTerms
    stages: tuple[Stage, ...] = Field(min_length=1)
    templates: dict[str, Template]

    @field_validator("time_zone_default")
    @classmethod
    def _zone(cls, name: str) -> str:
        check_time_zone(name)
        return name

    @model_validator(mode="after")
    def _consistent(self) -> Strategy:
        _check_segments(self)
        _check_stages(self)
        return self

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def digest(self) -> str:
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def segment_of(self, score: int | None) -> Segment:
        """The risk segment of a behaviour score (segments are listed best first)."""
        if score is not None:
            for segment in self.segments:
                if score >= segment.score_min:
                    return segment
        return next(s for s in self.segments if s.name == self.segment_unscored)

    def stage_of(self, day: int) -> Stage | None:
        for stage in self.stages:
            start, end = stage.day_range()
            if start <= day and (end is None or day <= end):
                return stage
        return None


def _check_segments(strategy: Strategy) -> None:
    names = [s.name for s in strategy.segments]
    if len(set(names)) != len(names):
        raise ValueError("segment names must be unique")
    scores = [s.score_min for s in strategy.segments]
    if scores != sorted(scores, reverse=True) or len(set(scores)) != len(scores):
        raise ValueError("segments are listed best first, with strictly falling score_min")
    if scores[-1] != 0:
        raise ValueError("the last segment must have score_min 0 so every score has a segment")
    if strategy.segment_unscored not in names:
        raise ValueError(f"segment_unscored {strategy.segment_unscored!r} is not a segment")


def _check_stages(strategy: Strategy) -> None:
    seen: set[str] = set()
    ids: set[str] = set()  # an action's id keys its contacts (col:<date>:<loan>:<action>)
    segments = {s.name for s in strategy.segments}
    rules = strategy.contact_rules
    for stage in strategy.stages:
        if seen & set(stage.buckets):
            raise ValueError(f"stage {stage.name}: a bucket is in two stages")
        seen |= set(stage.buckets)
        start, end = stage.day_range()
        for action in stage.actions:
            where = f"stage {stage.name}, action {action.id}"
            if action.id in ids:
                raise ValueError(f"{where}: the id is used twice (it keys the action's contacts)")
            ids.add(action.id)
            last = action.last_day()
            # An open-ended action runs until the stage ends (the loan moves on to the next stage).
            if action.first_day() < start or (end is not None and last is not None and last > end):
                span = f"{start} to {end if end is not None else 'open-ended'}"
                raise ValueError(f"{where}: its days must lie within the stage's collection days {span}")
            if action.channel is Channel.CALL and stage.queue is None:
                raise ValueError(f"{where}: a call needs the stage to have a queue")
            if action.template is not None and action.template not in strategy.templates:
                raise ValueError(f"{where}: no template {action.template!r}")
            if not set(action.segments) <= segments:
                raise ValueError(f"{where}: unknown segment in {list(action.segments)}")
            if in_quiet_hours(clock_time(action.send_at), rules.quiet_from, rules.quiet_until):
                raise ValueError(f"{where}: send_at {action.send_at} is within the quiet hours")


def in_quiet_hours(at: time, quiet_from: time, quiet_until: time) -> bool:
    """Whether a local time of day falls in the quiet span [from, until), which may cross midnight."""
    if quiet_from < quiet_until:
        return quiet_from <= at < quiet_until
    return at >= quiet_from or at < quiet_until


def check_time_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder of zones ("Asia"), a name too long
        raise ValueError(f"{name!r} is not an IANA time zone (e.g. Asia/Shanghai)") from None


def _ratio(text: str) -> Fraction:
    try:
        return exact_fraction(str(text).strip())
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"{text!r} is not a ratio ('1/2', '0.5')") from None


def parse_strategy(text: str, *, source: str = "strategy") -> Strategy:
    """A validated strategy from YAML text; errors name the field (`strategy.stages.1.actions.0.chanel`)."""
    try:
        data = yaml.load(text, Loader=SAFE_LOADER)
    except (yaml.YAMLError, ValueError) as exc:  # an impossible date (2025-02-30) is a ValueError
        raise StrategyInvalid(f"{source} is not valid YAML: {' '.join(str(exc).split())[:300]}", field=source) from None
    if not isinstance(data, dict):
        raise StrategyInvalid(f"{source} must be a mapping of settings", field=source)
    try:
        return Strategy.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(["strategy", *(str(part) for part in first["loc"])])
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            message = "unknown field (not part of a collections strategy)"
        raise StrategyInvalid(f"{message} (in {source})", field=where) from None


@cache  # shipped files never change while the process runs; parsing YAML costs ~50 ms
def builtin_strategy(name: str = "collections_cn") -> Strategy:
    resource = resources.files("creditline.servicing") / "collections_strategies" / f"{name}.yaml"
    if not name.replace("_", "").isalnum() or not resource.is_file():
        raise StrategyInvalid(f"no collections strategy named {name!r}", field="strategy")
    return parse_strategy(resource.read_text(encoding="utf-8"), source=f"{name}.yaml")
