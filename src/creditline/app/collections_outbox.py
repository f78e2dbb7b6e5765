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

from creditline.app.collections_io import OUTBOX_COLUMNS, insert_rows, outbox_ids, stored_date
from creditline.app.common import new_id
from creditline.servicing.notifications import Delivery, OutboundMessage
from creditline.store import UnitOfWork


@dataclass
class OutboxNotifier:
    uow: UnitOfWork
    business_date: date

    def send(self, message: OutboundMessage) -> Delivery:
        return self.send_all([message])[0]

    def send_all(self, messages: Sequence[OutboundMessage]) -> list[Delivery]:
        """One look-up for the keys already queued and one batch insert for the rest."""
        connection = self.uow.connection
        known = outbox_ids(connection, [m.dedupe_key for m in messages])
        day = stored_date(connection, self.business_date)
        deliveries, rows = [], []
        for message in messages:
            if message.dedupe_key in known:
                deliveries.append(Delivery(known[message.dedupe_key], "duplicate"))
                continue
            row = self._row(message, day)
            known[message.dedupe_key] = row[0]
            rows.append(row)
            deliveries.append(Delivery(row[0], "queued"))
        insert_rows(connection, "notification_outbox", OUTBOX_COLUMNS, rows)
        return deliveries

    @staticmethod
    def _row(message: OutboundMessage, day: Any) -> tuple:
        """In `OUTBOX_COLUMNS` order."""
        return (
            new_id("MSG"), message.dedupe_key, message.borrower_id, message.loan_id, message.channel.value,
            message.purpose.value, message.template_id, message.template_version, message.language, message.text,
            message.send_at_s, "queued", day,
        )  # fmt: skip
