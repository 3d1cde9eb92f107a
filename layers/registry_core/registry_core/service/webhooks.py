"""Webhooks: MLflow 3's webhook API (create, list, get, update, delete, test), delivery with MLflow's HMAC signature,
retries with backoff, and a delivery log.

Deliveries are SQS messages (queued by the event publisher); a failed attempt is logged, made visible again after an
exponential backoff, and after MAX_DELIVERY_ATTEMPTS receives SQS moves it to the dead-letter queue.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import ipaddress
import json
import socket
import ssl
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from registry_core.domain.entities import Caller
from registry_core.domain.errors import InvalidParameterValue, ResourceDoesNotExist
from registry_core.domain.governance import (
    DELIVERY_LOG_RETENTION_S,
    MLFLOW_WEBHOOK_EVENTS,
    VALID_WEBHOOK_EVENTS,
    DeliveryAttempt,
    EventType,
    Webhook,
    WebhookEventName,
    WebhookStatus,
)
from registry_core.domain.limits import (
    DELIVERY_LOG_MAX_RESULTS,
    MAX_WEBHOOK_NAME_LENGTH,
    MAX_WEBHOOK_URL_LENGTH,
    WEBHOOK_LIST_MAX_RESULTS_DEFAULT,
    WEBHOOK_LIST_MAX_RESULTS_THRESHOLD,
)
from registry_core.service import page_tokens
from registry_core.store.base import ConcurrentModification
from registry_core.store.messaging import WebhookQueue
from registry_core.store.webhooks import WebhookStore

# MLflow's headers (mlflow/webhooks/constants.py) and signature scheme (mlflow/webhooks/delivery.py).
SIGNATURE_HEADER = "X-MLflow-Signature"
TIMESTAMP_HEADER = "X-MLflow-Timestamp"
DELIVERY_ID_HEADER = "X-MLflow-Delivery-Id"
SIGNATURE_VERSION = "v1"
# Must equal the delivery queue's RedrivePolicy maxReceiveCount in template.yaml (a test checks it).
MAX_DELIVERY_ATTEMPTS = 5
RETRY_BASE_DELAY_S = 30
RETRY_MAX_DELAY_S = 900
REQUEST_TIMEOUT_S = 10
MAX_RESPONSE_BODY_CHARS = 1000
DELIVERY_ID_NAMESPACE = uuid.UUID("0b0c3f0e-8f43-4a55-b3a3-4f7d39a1c2e9")


def sign(secret: str, delivery_id: str, timestamp: str, payload: str) -> str:
    """MLflow's webhook signature: base64(HMAC-SHA256(secret, "<delivery id>.<timestamp>.<payload>")), as "v1,..."."""
    digest = hmac.new(secret.encode(), f"{delivery_id}.{timestamp}.{payload}".encode(), hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode()}"


def delivery_id_for(event_id: str, webhook_id: str) -> str:
    """The same event to the same webhook always has the same delivery id: receivers can drop duplicates."""
    return str(uuid.uuid5(DELIVERY_ID_NAMESPACE, f"{event_id}|{webhook_id}"))


def validate_webhook_url(url: str, *, allow_loopback: bool = False) -> list[str]:
    """https only, and every address the host resolves to must be public (no private, loopback, link-local...).

    `allow_loopback` (the local server only) admits http:// and loopback addresses. Returns the checked addresses:
    a delivery connects to one of them, so a DNS answer that changes after the check cannot redirect it.
    """
    if len(url) > MAX_WEBHOOK_URL_LENGTH:
        raise InvalidParameterValue(f"Webhook URL must be at most {MAX_WEBHOOK_URL_LENGTH} characters.")
    parts = urlsplit(url)
    if parts.scheme != "https" and not (allow_loopback and parts.scheme == "http"):
        raise InvalidParameterValue("Webhook URL must use https.")
    if not parts.hostname or parts.username or parts.password:
        raise InvalidParameterValue("Webhook URL must name a host, without credentials.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        resolved = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError):
        raise InvalidParameterValue(f"Webhook URL host {parts.hostname!r} does not resolve.") from None
    checked: list[str] = []
    for *_, sockaddr in resolved:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        checked.append(str(address))
        if allow_loopback and address.is_loopback:
            continue
        if not address.is_global or address.is_multicast:
            raise InvalidParameterValue(
                f"Webhook URL host {parts.hostname!r} resolves to a non-public address ({address})."
            )
    return checked


def _check_events(events: list[WebhookEventName]) -> None:
    if not events:
        raise InvalidParameterValue("A webhook must subscribe to at least one event.")
    for event in events:
        if (event.entity, event.action) not in VALID_WEBHOOK_EVENTS:
            valid = ", ".join(sorted(f"{entity}.{action}" for entity, action in VALID_WEBHOOK_EVENTS))
            raise InvalidParameterValue(f"Invalid webhook event {event.entity}.{event.action}; valid: {valid}.")


@dataclass(frozen=True)
class HttpResult:
    status: int | None
    body: str
    error: str | None


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to an address already checked, whatever the host name resolves to now."""

    def __init__(self, host: str, port: int | None, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to an address already checked; the certificate is still verified against the URL's host name."""

    def __init__(self, host: str, port: int | None, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)  # type: ignore[attr-defined]


def http_post(url: str, body: bytes, headers: dict[str, str], address: str) -> HttpResult:
    """POST to `address` (checked by validate_webhook_url) without following redirects (one could lead to an
    address never checked), without proxies, and with the headers spelled as MLflow spells them (http.client keeps
    their case; urllib would not)."""
    parts = urlsplit(url)
    connection_type = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = connection_type(parts.hostname or "", parts.port, address, REQUEST_TIMEOUT_S)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        return HttpResult(response.status, response.read(MAX_RESPONSE_BODY_CHARS).decode("utf-8", "replace"), None)
    except (OSError, http.client.HTTPException) as error:
        return HttpResult(None, "", f"{type(error).__name__}: {error}")
    finally:
        connection.close()


HttpPost = Callable[[str, bytes, dict[str, str], str], HttpResult]


def _now_ms() -> int:
    return int(time.time() * 1000)


class WebhookService:
    def __init__(
        self,
        store: WebhookStore,
        caller: Caller,
        *,
        allow_loopback: bool = False,
        post: HttpPost = http_post,
        clock: Callable[[], int] = _now_ms,
    ) -> None:
        self._store = store
        # Who is asking (webhook ownership rules are layered on this); deliveries act as Caller.system().
        self._caller = caller
        self._allow_loopback = allow_loopback
        self._post = post
        self._clock = clock

    # -- MLflow's webhook API --------------------------------------------------------------------------------

    def create_webhook(
        self,
        name: str,
        url: str,
        events: list[WebhookEventName],
        *,
        description: str | None = None,
        secret: str | None = None,
        status: WebhookStatus = WebhookStatus.ACTIVE,
    ) -> Webhook:
        if not name.strip() or len(name) > MAX_WEBHOOK_NAME_LENGTH:
            raise InvalidParameterValue(f"Webhook name must be 1 to {MAX_WEBHOOK_NAME_LENGTH} characters.")
        validate_webhook_url(url, allow_loopback=self._allow_loopback)
        _check_events(events)
        now = self._clock()
        webhook = Webhook(
            webhook_id=uuid.uuid4().hex,
            name=name,
            description=description or None,
            url=url,
            events=events,
            secret=secret or None,
            status=status,
            creation_timestamp=now,
            last_updated_timestamp=now,
        )
        self._store.put_webhook(webhook, must_exist=False)
        return webhook

    def get_webhook(self, webhook_id: str) -> Webhook:
        webhook = self._store.get_webhook(webhook_id)
        if webhook is None:
            raise ResourceDoesNotExist(f"Webhook with ID {webhook_id} not found.")
        return webhook

    def list_webhooks(
        self, max_results: int = WEBHOOK_LIST_MAX_RESULTS_DEFAULT, page_token: str | None = None
    ) -> tuple[list[Webhook], str | None]:
        if not 1 <= max_results <= WEBHOOK_LIST_MAX_RESULTS_THRESHOLD:
            raise InvalidParameterValue(f"max_results must be between 1 and {WEBHOOK_LIST_MAX_RESULTS_THRESHOLD}.")
        query = page_tokens.query_fingerprint("webhooks/list")
        start = page_tokens.decode(page_token, query).mapping_key()
        found, last = self._store.list_webhooks(start, max_results)
        return found, page_tokens.encode(query, key=last) if last else None

    def update_webhook(
        self,
        webhook_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        url: str | None = None,
        events: list[WebhookEventName] | None = None,
        secret: str | None = None,
        status: WebhookStatus | None = None,
    ) -> Webhook:
        webhook = self.get_webhook(webhook_id)
        if url is not None:
            validate_webhook_url(url, allow_loopback=self._allow_loopback)
            webhook.url = url
        if events:
            _check_events(events)
            webhook.events = events
        if name is not None:
            webhook.name = name
        if description is not None:
            webhook.description = description
        if secret is not None:
            webhook.secret = secret or None
        if status is not None:
            webhook.status = status
        webhook.last_updated_timestamp = self._clock()
        try:
            self._store.put_webhook(webhook, must_exist=True)
        except ConcurrentModification:
            raise ResourceDoesNotExist(f"Webhook with ID {webhook_id} not found.") from None
        return webhook

    def delete_webhook(self, webhook_id: str) -> None:
        if not self._store.delete_webhook(webhook_id):
            raise ResourceDoesNotExist(f"Webhook with ID {webhook_id} not found.")

    def test_webhook(self, webhook_id: str, event: WebhookEventName | None = None) -> HttpResult:
        """Send an example payload for `event` (or the webhook's first event) once, now; nothing is retried."""
        webhook = self.get_webhook(webhook_id)
        chosen = event or webhook.events[0]
        _check_events([chosen])
        payload = _example_payload(chosen)
        envelope = {
            "entity": chosen.entity,
            "action": chosen.action,
            "timestamp": datetime.now(UTC).isoformat(),
            "data": payload,
        }
        return self._send(webhook, envelope, uuid.uuid4().hex)

    def deliveries(self, webhook_id: str, max_results: int = DELIVERY_LOG_MAX_RESULTS) -> list[DeliveryAttempt]:
        self.get_webhook(webhook_id)
        if not 1 <= max_results <= WEBHOOK_LIST_MAX_RESULTS_THRESHOLD:
            raise InvalidParameterValue(f"max_results must be between 1 and {WEBHOOK_LIST_MAX_RESULTS_THRESHOLD}.")
        return self._store.deliveries(webhook_id, max_results)

    # -- delivery ----------------------------------------------------------------------------------------------

    def _send(self, webhook: Webhook, envelope: dict[str, Any], delivery_id: str) -> HttpResult:
        # Checked again (DNS may have changed since creation), and the connection goes to an address checked now.
        addresses = validate_webhook_url(webhook.url, allow_loopback=self._allow_loopback)
        payload = json.dumps(envelope)
        timestamp = str(int(self._clock() / 1000))
        headers = {
            "Content-Type": "application/json",
            DELIVERY_ID_HEADER: delivery_id,
            TIMESTAMP_HEADER: timestamp,
            "User-Agent": "smr-webhooks/1",
        }
        if webhook.secret:
            headers[SIGNATURE_HEADER] = sign(webhook.secret, delivery_id, timestamp, payload)
        return self._post(webhook.url, payload.encode(), headers, addresses[0])

    def deliver(self, message_body: str, attempt: int, receipt: str | None, queue: WebhookQueue | None) -> bool:
        """One attempt at one queued delivery. True when done (delivered, or nothing left to deliver to)."""
        message = json.loads(message_body)
        event = message["event"]
        webhook = self._store.get_webhook(message["webhook_id"])
        if webhook is None or webhook.status is not WebhookStatus.ACTIVE:
            return True  # deleted or disabled since: drop
        entity, action = MLFLOW_WEBHOOK_EVENTS[EventType(event["type"])]
        envelope = {
            "entity": entity,
            "action": action,
            "timestamp": datetime.fromtimestamp(event["timestamp"] / 1000, UTC).isoformat(),
            "data": event["data"],
            # smr's additions (MLflow's receivers ignore them): the event's stable id and the registry's envelope.
            "event_id": event["id"],
        }
        delivery_id = delivery_id_for(event["id"], webhook.webhook_id)
        started = time.monotonic()
        try:
            result = self._send(webhook, envelope, delivery_id)
        except InvalidParameterValue as error:
            result = HttpResult(None, "", error.message)
        success = result.status is not None and 200 <= result.status < 300
        self._store.log_delivery(
            DeliveryAttempt(
                webhook_id=webhook.webhook_id,
                delivery_id=delivery_id,
                event_id=event["id"],
                event_type=event["type"],
                attempt=attempt,
                timestamp=self._clock(),
                success=success,
                status_code=result.status,
                error=result.error,
                duration_ms=int((time.monotonic() - started) * 1000),
                final=not success and attempt >= MAX_DELIVERY_ATTEMPTS,
                expires_at=self._clock() // 1000 + DELIVERY_LOG_RETENTION_S,
            )
        )
        if not success and receipt is not None and queue is not None and attempt < MAX_DELIVERY_ATTEMPTS:
            queue.retry_later(receipt, retry_delay_s(attempt))
        return success


def retry_delay_s(attempt: int) -> int:
    return int(min(RETRY_MAX_DELAY_S, RETRY_BASE_DELAY_S * 2 ** (attempt - 1)))


def _example_payload(event: WebhookEventName) -> dict[str, Any]:
    base: dict[str, Any] = {"name": "example_model"}
    if event.entity != "registered_model":
        base["version"] = "1"
    if event.entity == "model_version":
        base.update({"source": "models:/123", "run_id": "abcd1234", "tags": {"example_key": "example_value"}})
    if event.entity == "registered_model":
        base.update({"tags": {"example_key": "example_value"}, "description": "An example registered model"})
    if event.entity == "model_version_tag":
        base["key"] = "example_key"
        if event.action == "set":
            base["value"] = "example_value"
    if event.entity == "model_version_alias":
        base["alias"] = "example_alias"
    return base
