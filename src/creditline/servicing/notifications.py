"""The notification port: how servicing talks to a borrower (SMS, in-app message, push), and a local
adapter that only records what would have been sent.

Servicing decides *what* to say, to whom, when and under which template version; an adapter decides
*how* it travels. The local `RecordingNotifier` keeps every outbound message in memory (tests, the
simulator); the app's store-backed adapter writes them to an outbox table a real gateway would drain.
Nothing here reads the clock: a message carries the instant it is scheduled for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from creditline.errors import DomainError

TEXT_LENGTH_MAX = 500


class Channel(StrEnum):
    SMS = "sms"
    IN_APP = "in_app"
    CALL = "call"  # an operator's call; never sent through the port, only recorded as a contact


MESSAGE_CHANNELS = frozenset({Channel.SMS, Channel.IN_APP})


class Purpose(StrEnum):
    REMINDER = "reminder"  # before the due date
    COLLECTION = "collection"  # past due
    SERVICE = "service"  # limit changes and other account notices


class NotificationInvalid(DomainError):
    code = "notification_invalid"


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    borrower_id: str
    channel: Channel
    purpose: Purpose
    template_id: str
    template_version: int
    language: str
    text: str
    send_at_s: int  # the instant it is scheduled for, seconds since the epoch (UTC)
    dedupe_key: str  # the same key twice is the same message: retries never send twice
    loan_id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "channel", Channel(self.channel))
        object.__setattr__(self, "purpose", Purpose(self.purpose))
        if self.channel not in MESSAGE_CHANNELS:
            raise NotificationInvalid(f"{self.channel} is not a message channel", field="channel")
        if not self.text or len(self.text) > TEXT_LENGTH_MAX:
            raise NotificationInvalid(f"a message has 1 to {TEXT_LENGTH_MAX} characters", field="text")
        if not self.dedupe_key:
            raise NotificationInvalid("a message needs a dedupe key", field="dedupe_key")


@dataclass(frozen=True, slots=True)
class Delivery:
    message_id: str
    status: str  # queued | duplicate


class NotificationPort(Protocol):
    def send(self, message: OutboundMessage) -> Delivery:
        """Queue `message` for delivery at `message.send_at_s`; a repeated dedupe key is not sent again."""
        ...

    def send_all(self, messages: Sequence[OutboundMessage]) -> list[Delivery]:
        """`send` for many messages at once (end of day queues a day's messages in one go)."""
        ...


@dataclass
class RecordingNotifier:
    """The local adapter: records outbound messages in memory, in the order they were sent."""

    sent: list[OutboundMessage] = field(default_factory=list)
    _ids: dict[str, str] = field(default_factory=dict)

    def send(self, message: OutboundMessage) -> Delivery:
        known = self._ids.get(message.dedupe_key)
        if known is not None:
            return Delivery(known, "duplicate")
        message_id = f"MSG{len(self.sent) + 1:08d}"
        self._ids[message.dedupe_key] = message_id
        self.sent.append(message)
        return Delivery(message_id, "queued")

    def send_all(self, messages: Sequence[OutboundMessage]) -> list[Delivery]:
        return [self.send(message) for message in messages]
