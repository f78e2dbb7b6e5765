"""The store-backed adapter of the notification port: outbound messages land in an outbox table.

A gateway worker (SMS provider, push service) drains the outbox and marks each message sent or
failed; until one is plugged in, the outbox *is* the record of what the borrower would have received.
The message's dedupe key is unique, so an end-of-day stage run twice queues each message once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from creditline.app.common import new_id
from creditline.servicing.notifications import Delivery, OutboundMessage
from creditline.store import UnitOfWork
from creditline.store.collections_repository import CollectionsRepository


@dataclass
class OutboxNotifier:
    uow: UnitOfWork
    business_date: date

    def send(self, message: OutboundMessage) -> Delivery:
        return self.send_all([message])[0]

    def send_all(self, messages: Sequence[OutboundMessage]) -> list[Delivery]:
        """One look-up for the keys already queued and one multi-row insert for the rest."""
        repository = CollectionsRepository(self.uow.connection)
        known = repository.outbox_ids([m.dedupe_key for m in messages])
        deliveries, rows = [], []
        for message in messages:
            if message.dedupe_key in known:
                deliveries.append(Delivery(known[message.dedupe_key], "duplicate"))
                continue
            row = self._row(message)
            known[message.dedupe_key] = row["message_id"]
            rows.append(row)
            deliveries.append(Delivery(row["message_id"], "queued"))
        repository.add_outbox(rows)
        return deliveries

    def _row(self, message: OutboundMessage) -> dict[str, Any]:
        return {
            "message_id": new_id("MSG"),
            "dedupe_key": message.dedupe_key,
            "borrower_id": message.borrower_id,
            "loan_id": message.loan_id,
            "channel": message.channel.value,
            "purpose": message.purpose.value,
            "template_id": message.template_id,
            "template_version": message.template_version,
            "language": message.language,
            "text": message.text,
            "send_at_s": message.send_at_s,
            "status": "queued",
            "business_date": self.business_date,
        }
