"""One contract, two webhook stores: the in-memory fake must behave as the DynamoDB store does."""

from __future__ import annotations

from typing import Any

import pytest

from registry_core.domain.errors import InvalidParameterValue
from registry_core.domain.governance import DeliveryAttempt, Webhook, WebhookEventName, WebhookStatus
from registry_core.store.base import ConcurrentModification, ResumeKey
from registry_core.store.webhooks import DynamoDbWebhookStore, InMemoryWebhookStore, WebhookStore

from .conftest import TABLE_NAME


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: pytest.FixtureRequest) -> WebhookStore:
    if request.param == "memory":
        return InMemoryWebhookStore()
    return DynamoDbWebhookStore(TABLE_NAME, client=request.getfixturevalue("dynamodb_client"))


def _webhook(webhook_id: str, created: int = 1000, **fields: Any) -> Webhook:
    return Webhook(
        webhook_id=webhook_id,
        name=f"hook {webhook_id}",
        url="https://hooks.example.com/x",
        events=[WebhookEventName(entity="model_version", action="created")],
        creation_timestamp=created,
        last_updated_timestamp=created,
        **fields,
    )


def _attempt(webhook_id: str, timestamp: int, attempt: int = 1, delivery_id: str = "d1") -> DeliveryAttempt:
    return DeliveryAttempt(
        webhook_id=webhook_id,
        delivery_id=delivery_id,
        event_id="e1",
        event_type="model_version.created",
        attempt=attempt,
        timestamp=timestamp,
        success=attempt > 1,
        status_code=500 if attempt == 1 else 200,
    )


def test_a_created_webhook_reads_back_whole_secret_included(store: WebhookStore) -> None:
    webhook = _webhook("w1", description="d", secret="s3cr3t", status=WebhookStatus.DISABLED)
    store.put_webhook(webhook, must_exist=False)
    assert store.get_webhook("w1") == webhook
    assert store.get_webhook("missing") is None


def test_create_needs_a_free_id_and_replace_an_existing_one(store: WebhookStore) -> None:
    store.put_webhook(_webhook("w1"), must_exist=False)
    with pytest.raises(ConcurrentModification):
        store.put_webhook(_webhook("w1", description="again"), must_exist=False)
    with pytest.raises(ConcurrentModification):
        store.put_webhook(_webhook("w2"), must_exist=True)
    assert store.get_webhook("w2") is None
    store.put_webhook(_webhook("w1", description="replaced"), must_exist=True)
    found = store.get_webhook("w1")
    assert found is not None and found.description == "replaced"


def test_delete_says_whether_there_was_a_webhook(store: WebhookStore) -> None:
    store.put_webhook(_webhook("w1"), must_exist=False)
    assert store.delete_webhook("w1") is True
    assert store.get_webhook("w1") is None
    assert store.delete_webhook("w1") is False


def test_webhooks_page_in_creation_order(store: WebhookStore) -> None:
    for index, webhook_id in enumerate(["c", "a", "e", "b", "d"]):
        store.put_webhook(_webhook(webhook_id, created=1000 + index), must_exist=False)
    pages: list[list[str]] = []
    start: ResumeKey | None = None
    for _ in range(10):
        page, start = store.list_webhooks(start, 2)
        pages.append([webhook.webhook_id for webhook in page])
        if start is None:
            break
    assert [webhook_id for page in pages for webhook_id in page] == ["c", "a", "e", "b", "d"]
    assert all(len(page) <= 2 for page in pages) and start is None
    assert [webhook.webhook_id for webhook in store.all_webhooks()] == ["c", "a", "e", "b", "d"]


def test_a_deleted_webhook_leaves_the_listing(store: WebhookStore) -> None:
    store.put_webhook(_webhook("w1"), must_exist=False)
    store.put_webhook(_webhook("w2", created=2000), must_exist=False)
    store.delete_webhook("w1")
    assert [webhook.webhook_id for webhook in store.all_webhooks()] == ["w2"]


@pytest.mark.parametrize(
    "forged",
    [
        {"k": "x"},
        {"k": [1]},
        {"pk": "x"},
        {"pk": {"S": "WH#w1"}, "sk": {"S": "#WEBHOOK"}, "gsi1pk": {"S": "RM"}, "gsi1sk": {"S": "x"}},
    ],
)
def test_a_resume_key_the_store_did_not_issue_is_an_invalid_parameter(
    store: WebhookStore, forged: dict[str, Any]
) -> None:
    store.put_webhook(_webhook("w1"), must_exist=False)
    with pytest.raises(InvalidParameterValue):
        store.list_webhooks(forged, 10)


def test_deliveries_are_listed_newest_first_per_webhook(store: WebhookStore) -> None:
    store.put_webhook(_webhook("w1"), must_exist=False)
    store.put_webhook(_webhook("w2"), must_exist=False)
    store.log_delivery(_attempt("w1", 1000))
    store.log_delivery(_attempt("w1", 1030, attempt=2))
    store.log_delivery(_attempt("w1", 1010, delivery_id="d2"))
    store.log_delivery(_attempt("w2", 1020))
    assert [(d.timestamp, d.attempt) for d in store.deliveries("w1", 10)] == [(1030, 2), (1010, 1), (1000, 1)]
    assert [d.timestamp for d in store.deliveries("w1", 2)] == [1030, 1010]
    assert store.deliveries("w1", 10)[0] == _attempt("w1", 1030, attempt=2)
    assert [d.webhook_id for d in store.deliveries("w2", 10)] == ["w2"]
    assert store.deliveries("missing", 10) == []


def test_the_delivery_log_does_not_show_in_the_webhook_listing(store: WebhookStore) -> None:
    store.put_webhook(_webhook("w1"), must_exist=False)
    store.log_delivery(_attempt("w1", 1000))
    assert [webhook.webhook_id for webhook in store.all_webhooks()] == ["w1"]
    assert store.get_webhook("w1") == _webhook("w1")
