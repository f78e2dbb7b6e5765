"""Conduct rules for contacting a borrower: quiet hours, frequency caps, the borrower and nobody else.

Every contact — an automated message or an operator's call — passes `check_contact` against the
borrower's contact history before it happens. Days are the borrower's local calendar days (their time
zone, not the server's); the weekly cap holds in *every* window of seven consecutive local days that
contains the new contact, so it holds even when contacts are recorded out of order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from creditline.lending.loan import CLOSED_STATUSES
from creditline.servicing.collections_errors import (
    CollectionsInputInvalid,
    ContactRefused,
    LoanLeftCollections,
)
from creditline.servicing.collections_strategy import ContactRules, check_time_zone, in_quiet_hours
from creditline.servicing.notifications import Channel

WEEK_DAYS = 7
HISTORY_DAYS = WEEK_DAYS + 1  # how far either side of a contact its checks look (whole local days)


class Party(StrEnum):
    BORROWER = "borrower"
    THIRD_PARTY = "third_party"  # an emergency contact, relative, employer...: never contacted about a debt


@dataclass(frozen=True, slots=True)
class PastContact:
    channel: Channel
    at_s: int


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    rule: str | None = None  # quiet_hours | day_cap | channel_day_cap | week_cap | third_party
    message: str = ""


ALLOWED = Verdict(True)


def zone_of(name: str) -> ZoneInfo:
    try:
        return check_time_zone(name)
    except ValueError as exc:
        raise CollectionsInputInvalid(str(exc), field="time_zone") from None


def local_time(at_s: int, zone: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(at_s, UTC).astimezone(zone)


def epoch_at(on: date, hour: int, minute: int, zone: ZoneInfo) -> int:
    """The instant of a local wall-clock time on a local date (a time skipped by DST moves forward)."""
    local = datetime(on.year, on.month, on.day, hour, minute, tzinfo=zone)
    return int(local.astimezone(UTC).timestamp())


def check_contact(
    channel: Channel,
    at_s: int,
    zone_name: str,
    history: Iterable[PastContact],
    rules: ContactRules,
    party: Party = Party.BORROWER,
) -> Verdict:
    """Whether contacting the borrower on `channel` at `at_s` keeps every conduct rule."""
    if Party(party) is not Party.BORROWER:
        return Verdict(False, "third_party", "only the borrower may be contacted about the debt, never a third party")
    zone = zone_of(zone_name)
    local = local_time(at_s, zone)
    if in_quiet_hours(local.time(), rules.quiet_from, rules.quiet_until):
        return Verdict(
            False,
            "quiet_hours",
            f"{local:%H:%M} ({zone_name}) is within the quiet hours {rules.quiet_start}-{rules.quiet_end}",
        )
    return _check_caps(Channel(channel), local.date(), zone, history, rules)


def _check_caps(
    channel: Channel, day: date, zone: ZoneInfo, history: Iterable[PastContact], rules: ContactRules
) -> Verdict:
    per_day: dict[date, int] = {}
    on_channel = 0
    for past in history:
        past_day = local_time(past.at_s, zone).date()
        if abs((past_day - day).days) < WEEK_DAYS:
            per_day[past_day] = per_day.get(past_day, 0) + 1
            on_channel += past_day == day and past.channel == channel
    if per_day.get(day, 0) + 1 > rules.per_day_max:
        return Verdict(False, "day_cap", f"the borrower has had {rules.per_day_max} contacts on {day} already")
    channel_cap = rules.per_day_max_by_channel.get(channel)
    if channel_cap is not None and on_channel + 1 > channel_cap:
        return Verdict(False, "channel_day_cap", f"the {channel} cap of {channel_cap} a day is reached on {day}")
    if sum(per_day.values()) + 1 <= rules.per_week_max:
        return ALLOWED  # every window holds a subset of these contacts: none can be over the cap
    for start in (day - timedelta(days=k) for k in range(WEEK_DAYS)):
        window = sum(per_day.get(start + timedelta(days=k), 0) for k in range(WEEK_DAYS))
        if window + 1 > rules.per_week_max:
            return Verdict(
                False, "week_cap", f"{rules.per_week_max} contacts in the 7 days from {start} is the most allowed"
            )
    return ALLOWED


def require_contact(
    channel: Channel,
    at_s: int,
    zone_name: str,
    history: Iterable[PastContact],
    rules: ContactRules,
    party: Party = Party.BORROWER,
) -> None:
    """`check_contact`, raising `ContactRefused` (code `contact_<rule>`) when a rule forbids it."""
    verdict = check_contact(channel, at_s, zone_name, history, rules, party)
    if not verdict.allowed:
        field = "party" if verdict.rule == "third_party" else "at"
        raise ContactRefused(verdict.message, field=field, code=f"contact_{verdict.rule}")


def require_loan_owing(loan_id: str, status: str) -> None:
    """A loan paid off or written off owes nothing: nobody contacts the borrower about it any more
    (`LoanLeftCollections`, 409 `loan_left_collections`, on the loan), even before end of day closes
    its work item."""
    if status in CLOSED_STATUSES:
        raise LoanLeftCollections(f"the loan {loan_id} is {status}: nothing is owed, so the borrower is not contacted about it",
                                  field="loan")  # fmt: skip


def admit_in_order(
    planned: Sequence[tuple[Channel, int]], zone_name: str, history: Sequence[PastContact], rules: ContactRules
) -> list[Verdict]:
    """Verdicts for contacts planned in order: each admitted one counts against those after it."""
    seen = list(history)
    verdicts = []
    for channel, at_s in planned:
        verdict = check_contact(channel, at_s, zone_name, seen, rules)
        verdicts.append(verdict)
        if verdict.allowed:
            seen.append(PastContact(Channel(channel), at_s))
    return verdicts


class Admissions:
    """`admit_in_order` with its answers remembered for one set of rules.

    The verdicts depend only on the time zone, the planned (channel, instant) pairs and the history as a
    multiset (the caps count contacts per local day), and on a business day most borrowers share them:
    no contact in the window, or the same reminder a few days ago. Equal to `admit_in_order`.
    """

    SIZE_MAX = 100_000

    def __init__(self, rules: ContactRules) -> None:
        self.rules = rules
        self._known: dict[tuple, list[Verdict]] = {}

    def admit(self, planned: Sequence[tuple[Channel, int]], zone_name: str,
              history: Sequence[tuple[str, int]]) -> list[Verdict]:  # fmt: skip
        key = (zone_name, tuple(planned), tuple(sorted(history)))
        found = self._known.get(key)
        if found is None:
            past = [PastContact(Channel(channel), at_s) for channel, at_s in history]
            found = admit_in_order(planned, zone_name, past, self.rules)
            if len(self._known) >= self.SIZE_MAX:
                self._known.clear()
            self._known[key] = found
        return found
