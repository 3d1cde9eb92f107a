"""Where events go once committed: the EventBridge bus and the webhook delivery queue (with in-memory fakes)."""

from __future__ import annotations

import json
import threading
from abc import ABC, abstractmethod
from typing import Any

from registry_core.domain.governance import RegistryEvent
from registry_core.store import clients

EVENT_SOURCE = "smr.registry"
PUT_EVENTS_MAX_ENTRIES = 10


def event_envelope(event: RegistryEvent) -> dict[str, Any]:
    """The event's JSON (docs/events.md): what EventBridge carries as `detail`."""
    return event.model_dump(mode="json", exclude={"rev", "seq", "expires_at"})


class EventBus(ABC):
    @abstractmethod
    def publish(self, events: list[RegistryEvent]) -> list[str | None]:
        """Publish events; for each, None when accepted or the reason it was not."""


class EventBridgeBus(EventBus):
    def __init__(self, bus_name: str, client: Any = None) -> None:
        self._client = client if client is not None else clients.events_client()
        self._bus_name = bus_name

    def publish(self, events: list[RegistryEvent]) -> list[str | None]:
        outcomes: list[str | None] = []
        for start in range(0, len(events), PUT_EVENTS_MAX_ENTRIES):
            chunk = events[start : start + PUT_EVENTS_MAX_ENTRIES]
            entries: list[dict[str, Any]] = [
                {
                    "EventBusName": self._bus_name,
                    "Source": EVENT_SOURCE,
                    "DetailType": event.type.value,
                    "Detail": json.dumps(event_envelope(event), separators=(",", ":")),
                    "Resources": [],
                }
                for event in chunk
            ]
            try:
                response = self._client.put_events(Entries=entries)
            except Exception as error:
                outcomes.extend([f"{type(error).__name__}: {error}"] * len(chunk))
                continue
            for result in response.get("Entries", []):
                outcomes.append(result.get("ErrorCode") and f"{result['ErrorCode']}: {result.get('ErrorMessage')}")
        return outcomes


class InMemoryEventBus(EventBus):
    def __init__(self) -> None:
        self.published: list[RegistryEvent] = []
        self.failing: set[str] = set()  # event ids to refuse, for tests
        self._lock = threading.Lock()

    def publish(self, events: list[RegistryEvent]) -> list[str | None]:
        with self._lock:
            outcomes: list[str | None] = []
            for event in events:
                if event.id in self.failing:
                    outcomes.append("refused by the test")
                else:
                    self.published.append(event)
                    outcomes.append(None)
            return outcomes


class WebhookQueue(ABC):
    @abstractmethod
    def enqueue(self, webhook_id: str, event: RegistryEvent) -> None:
        """Queue one delivery of `event` to the webhook (raises when the queue refuses it)."""

    @abstractmethod
    def retry_later(self, receipt: str, delay_s: int) -> None:
        """Make a received delivery visible again in `delay_s` seconds (exponential backoff between attempts)."""


def delivery_message(webhook_id: str, event: RegistryEvent) -> str:
    return json.dumps({"webhook_id": webhook_id, "event": event_envelope(event)}, separators=(",", ":"))


class SqsWebhookQueue(WebhookQueue):
    def __init__(self, queue_url: str, client: Any = None) -> None:
        self._client = client if client is not None else clients.sqs_client()
        self._queue_url = queue_url

    def enqueue(self, webhook_id: str, event: RegistryEvent) -> None:
        self._client.send_message(QueueUrl=self._queue_url, MessageBody=delivery_message(webhook_id, event))

    def retry_later(self, receipt: str, delay_s: int) -> None:
        self._client.change_message_visibility(
            QueueUrl=self._queue_url, ReceiptHandle=receipt, VisibilityTimeout=delay_s
        )


class InMemoryWebhookQueue(WebhookQueue):
    def __init__(self) -> None:
        self.messages: list[str] = []
        self.delays: list[tuple[str, int]] = []

    def enqueue(self, webhook_id: str, event: RegistryEvent) -> None:
        self.messages.append(delivery_message(webhook_id, event))

    def retry_later(self, receipt: str, delay_s: int) -> None:
        self.delays.append((receipt, delay_s))
