"""Publishing committed registry events: DynamoDB stream records of outbox items -> EventBridge and webhooks.

The outbox item is written in the change's own transaction; the stream delivers each item at least once, in order
per model. A record that cannot be published is reported as a batch item failure, so Lambda retries it (and the
records after it: their re-publication carries the same event id, which is how consumers drop duplicates).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.logging import Logger

from registry_core.domain.governance import MLFLOW_WEBHOOK_EVENTS, RegistryEvent, WebhookStatus
from registry_core.store import items
from registry_core.store.messaging import EventBus, WebhookQueue
from registry_core.store.webhooks import WebhookStore

logger = Logger()


def outbox_event(record: dict[str, Any]) -> RegistryEvent | None:
    """The registry event an inserted outbox item carries, or None for any other stream record."""
    if record.get("eventName") != "INSERT":
        return None
    image = record.get("dynamodb", {}).get("NewImage") or {}
    if image.get("kind", {}).get("S") != items.EVENT_KIND:
        return None
    return items.event_from_item(image)


@dataclass
class EventPublisher:
    bus: EventBus
    webhooks: WebhookStore | None = None
    queue: WebhookQueue | None = None

    def publish_stream_records(self, records: list[dict[str, Any]]) -> list[str]:
        """Publish the events among `records`; returns the sequence numbers of those that failed (to retry)."""
        pending: list[tuple[str, RegistryEvent]] = []
        for record in records:
            event = outbox_event(record)
            if event is not None:
                pending.append((record["dynamodb"]["SequenceNumber"], event))
        if not pending:
            return []
        failed: list[str] = []
        outcomes = self.bus.publish([event for _, event in pending])
        subscribers = self._subscribers()
        for (sequence, event), outcome in zip(pending, outcomes, strict=True):
            if outcome is not None:
                logger.warning("event not published", extra={"event_id": event.id, "reason": outcome})
                failed.append(sequence)
                continue
            try:
                self._fan_out(event, subscribers)
            except Exception:
                logger.exception("webhook deliveries not queued", extra={"event_id": event.id})
                failed.append(sequence)
        return failed

    def _subscribers(self) -> list[Any]:
        if self.webhooks is None or self.queue is None:
            return []
        return [webhook for webhook in self.webhooks.all_webhooks() if webhook.status is WebhookStatus.ACTIVE]

    def _fan_out(self, event: RegistryEvent, subscribers: list[Any]) -> None:
        mlflow_event = MLFLOW_WEBHOOK_EVENTS.get(event.type)
        if mlflow_event is None or self.queue is None:
            return
        for webhook in subscribers:
            if webhook.subscribes_to(*mlflow_event):
                self.queue.enqueue(webhook.webhook_id, event)
