"""Webhooks (MLflow 3's webhook API) and their delivery log, on DynamoDB (and in memory, for tests)."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

from registry_core.domain.errors import InvalidParameterValue
from registry_core.domain.governance import DeliveryAttempt, Webhook
from registry_core.store import clients, items, keys
from registry_core.store.base import ConcurrentModification, ResumeKey

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

WEBHOOK_KIND = "webhook"
DELIVERY_KIND = "delivery"


class WebhookStore(ABC):
    @abstractmethod
    def put_webhook(self, webhook: Webhook, *, must_exist: bool) -> None:
        """Create (must_exist False: the id must be free) or replace (True: it must exist) a webhook."""

    @abstractmethod
    def get_webhook(self, webhook_id: str) -> Webhook | None: ...

    @abstractmethod
    def delete_webhook(self, webhook_id: str) -> bool:
        """Delete a webhook; False when there was none."""

    @abstractmethod
    def list_webhooks(self, start_key: ResumeKey | None, limit: int) -> tuple[list[Webhook], ResumeKey | None]:
        """Webhooks in creation order, a page at a time."""

    @abstractmethod
    def log_delivery(self, attempt: DeliveryAttempt) -> None: ...

    @abstractmethod
    def deliveries(self, webhook_id: str, limit: int) -> list[DeliveryAttempt]:
        """The newest delivery attempts of a webhook, newest first."""

    def all_webhooks(self) -> list[Webhook]:
        found: list[Webhook] = []
        start: ResumeKey | None = None
        while True:
            page, start = self.list_webhooks(start, 100)
            found.extend(page)
            if start is None:
                return found


def webhook_to_item(webhook: Webhook) -> dict[str, Any]:
    document = webhook.model_dump(mode="json", exclude_none=True)
    document.update(keys.webhook_key(webhook.webhook_id))
    document.update(keys.webhook_index_keys(webhook.webhook_id, webhook.creation_timestamp))
    document["kind"] = WEBHOOK_KIND
    return items.serialize(document)


def _fields(item: dict[str, Any]) -> dict[str, Any]:
    document = items.deserialize(item)
    for attribute in ("pk", "sk", "gsi1pk", "gsi1sk", "kind"):
        document.pop(attribute, None)
    return document


class DynamoDbWebhookStore(WebhookStore):
    def __init__(self, table_name: str, client: DynamoDBClient | None = None) -> None:
        self._client = client if client is not None else clients.dynamodb_client()
        self._table = table_name

    def put_webhook(self, webhook: Webhook, *, must_exist: bool) -> None:
        from botocore.exceptions import ClientError

        condition = "attribute_exists(pk)" if must_exist else "attribute_not_exists(pk)"
        try:
            self._client.put_item(TableName=self._table, Item=webhook_to_item(webhook), ConditionExpression=condition)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise ConcurrentModification(f"webhook {webhook.webhook_id}") from error
            raise

    def get_webhook(self, webhook_id: str) -> Webhook | None:
        response = self._client.get_item(
            TableName=self._table, Key=items.serialize(keys.webhook_key(webhook_id)), ConsistentRead=True
        )
        item = response.get("Item")
        return Webhook.model_validate(_fields(item)) if item else None

    def delete_webhook(self, webhook_id: str) -> bool:
        response = self._client.delete_item(
            TableName=self._table, Key=items.serialize(keys.webhook_key(webhook_id)), ReturnValues="ALL_OLD"
        )
        return bool(response.get("Attributes"))

    def list_webhooks(self, start_key: ResumeKey | None, limit: int) -> tuple[list[Webhook], ResumeKey | None]:
        arguments: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "gsi1",
            "KeyConditionExpression": "gsi1pk = :pk",
            "ExpressionAttributeValues": items.serialize({":pk": keys.WEBHOOKS_PARTITION}),
            "Limit": limit,
        }
        if start_key:
            arguments["ExclusiveStartKey"] = items.exclusive_start_key(
                start_key, ("pk", "sk", "gsi1pk", "gsi1sk"), ("gsi1pk", keys.WEBHOOKS_PARTITION)
            )
        response = self._client.query(**arguments)
        found = [Webhook.model_validate(_fields(item)) for item in response.get("Items", [])]
        return found, response.get("LastEvaluatedKey")

    def log_delivery(self, attempt: DeliveryAttempt) -> None:
        document = attempt.model_dump(mode="json", exclude_none=True)
        document.update(keys.delivery_key(attempt.webhook_id, attempt.timestamp, attempt.delivery_id, attempt.attempt))
        document["kind"] = DELIVERY_KIND
        self._client.put_item(TableName=self._table, Item=items.serialize(document))

    def deliveries(self, webhook_id: str, limit: int) -> list[DeliveryAttempt]:
        response = self._client.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues=items.serialize(
                {":pk": keys.webhook_key(webhook_id)["pk"], ":prefix": keys.DELIVERY_SK_PREFIX}
            ),
            ScanIndexForward=False,
            Limit=limit,
            ConsistentRead=True,
        )
        return [DeliveryAttempt.model_validate(_fields(item)) for item in response.get("Items", [])]


class InMemoryWebhookStore(WebhookStore):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._webhooks: dict[str, Webhook] = {}
        self._deliveries: list[DeliveryAttempt] = []

    def put_webhook(self, webhook: Webhook, *, must_exist: bool) -> None:
        with self._lock:
            if (webhook.webhook_id in self._webhooks) != must_exist:
                raise ConcurrentModification(f"webhook {webhook.webhook_id}")
            self._webhooks[webhook.webhook_id] = webhook.model_copy(deep=True)

    def get_webhook(self, webhook_id: str) -> Webhook | None:
        with self._lock:
            found = self._webhooks.get(webhook_id)
            return found.model_copy(deep=True) if found else None

    def delete_webhook(self, webhook_id: str) -> bool:
        with self._lock:
            return self._webhooks.pop(webhook_id, None) is not None

    def list_webhooks(self, start_key: ResumeKey | None, limit: int) -> tuple[list[Webhook], ResumeKey | None]:
        with self._lock:
            ordered = sorted(self._webhooks.values(), key=lambda w: (w.creation_timestamp, w.webhook_id))
            if start_key:
                after = _memory_resume_key(start_key)
                ordered = [w for w in ordered if (w.creation_timestamp, w.webhook_id) > after]
            page = ordered[:limit]
            more = len(ordered) > limit
            last: ResumeKey | None = {"k": [page[-1].creation_timestamp, page[-1].webhook_id]} if more else None
            return [w.model_copy(deep=True) for w in page], last

    def log_delivery(self, attempt: DeliveryAttempt) -> None:
        with self._lock:
            self._deliveries.append(attempt.model_copy())

    def deliveries(self, webhook_id: str, limit: int) -> list[DeliveryAttempt]:
        with self._lock:
            mine = [d for d in self._deliveries if d.webhook_id == webhook_id]
            mine.sort(key=lambda d: (d.timestamp, d.delivery_id, d.attempt), reverse=True)
            return mine[:limit]


def _memory_resume_key(start_key: ResumeKey) -> tuple[int, str]:
    after = start_key.get("k")
    if not (isinstance(after, list) and len(after) == 2 and isinstance(after[0], int) and isinstance(after[1], str)):
        raise InvalidParameterValue("Invalid page token: it does not resume this query.")
    return after[0], after[1]
