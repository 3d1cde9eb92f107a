"""Publishing committed registry events: DynamoDB stream records of outbox items -> EventBridge and webhooks.

The outbox item is written in the change's own transaction; the stream delivers each item at least once, in order
per model. The stream consumer (`functions/publish_registry_events`, powertools' batch processor) starts a
`StreamBatch` with the invocation's records, which puts their events to EventBridge together (up to ten per
PutEvents, in order), then calls `StreamBatch.publish_record` on each record; a record whose event was refused
raises, is reported as a batch item failure, and Lambda retries it (and the records after it: their re-publication
carries the same event id, which is how consumers drop duplicates).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from registry_core.domain.governance import MLFLOW_WEBHOOK_EVENTS, RegistryEvent, WebhookStatus
from registry_core.store.messaging import EventBus, WebhookQueue
from registry_core.store.stream_images import outbox_event
from registry_core.store.webhooks import WebhookStore


@dataclass
class EventPublisher:
    bus: EventBus
    webhooks: WebhookStore | None = None
    queue: WebhookQueue | None = None

    def batch(self, records: Sequence[Mapping[str, Any]]) -> StreamBatch:
        """Publishing one batch of stream records: their events are put to the bus together, and the webhook
        subscribers are read once per batch."""
        batch = StreamBatch(self)
        batch.put_events(records)
        return batch

    def active_subscribers(self) -> list[Any]:
        if self.webhooks is None or self.queue is None:
            return []
        return [webhook for webhook in self.webhooks.all_webhooks() if webhook.status is WebhookStatus.ACTIVE]

    def fan_out(self, event: RegistryEvent, subscribers: list[Any]) -> None:
        mlflow_event = MLFLOW_WEBHOOK_EVENTS.get(event.type)
        if mlflow_event is None or self.queue is None:
            return
        for webhook in subscribers:
            if webhook.subscribes_to(*mlflow_event):
                self.queue.enqueue(webhook.webhook_id, event)


class EventNotPublished(Exception):
    """An outbox event EventBridge refused, or whose webhook deliveries could not be queued: retry the record."""


@dataclass
class StreamBatch:
    publisher: EventPublisher
    _subscribers: list[Any] | None = field(default=None, init=False)
    # Event id -> None (published) or why the bus refused it, for the events put ahead by put_events.
    _outcomes: dict[str, str | None] = field(default_factory=dict, init=False)

    def put_events(self, records: Sequence[Mapping[str, Any]]) -> None:
        """Put the events of these records to the bus, in order, in as few calls as the bus allows."""
        events = [event for event in map(outbox_event, records) if event is not None]
        if events:
            self._outcomes.update(zip((event.id for event in events), self.publisher.bus.publish(events), strict=True))

    def publish_record(self, record: Mapping[str, Any]) -> None:
        """Publish the outbox event a stream record carries (other records are ignored); raise if it failed."""
        event = outbox_event(record)
        if event is None:
            return
        if event.id in self._outcomes:
            outcome = self._outcomes.pop(event.id)  # a retry of the same record puts it again
        else:
            (outcome,) = self.publisher.bus.publish([event])
        if outcome is not None:
            raise EventNotPublished(f"event {event.id} not published: {outcome}")
        if self._subscribers is None:
            self._subscribers = self.publisher.active_subscribers()
        self.publisher.fan_out(event, self._subscribers)
