"""The store-backed adapter of the notification port: outbound messages land in an outbox table.

A gateway worker (SMS provider, push service) drains the outbox and marks each message sent or
failed; until one is plugged in, the outbox *is* the record of what the borrower would have received.
The message's dedupe key is unique, so an end-of-day stage run twice queues each message once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from creditline.app.common import new_id
from creditline.servicing.notifications import Delivery, OutboundMessage
from creditline.store import UnitOfWork
from creditline.store.collections_repository import CollectionsRepository


@dataclass
class OutboxNotifier:
    uow: UnitOfWork
    business_date: date

    def send(self, message: OutboundMessage) -> Delivery:
        repository = CollectionsRepository(self.uow.connection)
        known = repository.outbox_message(message.dedupe_key)
        if known is not None:
            return Delivery(known["message_id"], "duplicate")
        message_id = new_id("MSG")
        repository.add_outbox(
            {
                "message_id": message_id,
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
        )
        return Delivery(message_id, "queued")
