"""Events end to end on moto: outbox items on the table's stream -> EventBridge and webhooks, with MLflow's signature,
retries, a dead-letter queue and the delivery log."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest

from registry_core.api.queue import stream_consumer
from registry_core.domain.entities import Caller, VersionStatus
from registry_core.domain.errors import InvalidParameterValue
from registry_core.domain.governance import WebhookEventName
from registry_core.service.events import EventPublisher
from registry_core.service.registration import RegistrationService
from registry_core.service.registry import RegistryService
from registry_core.service.webhooks import MAX_DELIVERY_ATTEMPTS, WebhookService, validate_webhook_url
from registry_core.store.dynamodb import DynamoDbRegistryStore
from registry_core.store.memory import InMemoryRegistryStore
from registry_core.store.messaging import EventBridgeBus, InMemoryEventBus, InMemoryWebhookQueue
from registry_core.store.webhooks import DynamoDbWebhookStore, InMemoryWebhookStore

from .conftest import TABLE_NAME, reset_wiring

HOOK_OWNER = Caller(principal="arn:aws:iam::123456789012:user/hook-owner")


def stream_records(client: Any) -> list[dict[str, Any]]:
    """Every record of the table's stream so far, as a Lambda DynamoDB event carries them."""
    # moto answers on the regional endpoint, not the account-based one newer botocore picks for a stream ARN.
    streams = boto3.client(
        "dynamodbstreams", region_name="us-east-1", endpoint_url="https://streams.dynamodb.us-east-1.amazonaws.com"
    )
    arn = client.describe_table(TableName=TABLE_NAME)["Table"]["LatestStreamArn"]
    records: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            response = streams.get_records(ShardIterator=iterator, Limit=1000)
            records.extend(response["Records"])
            if not response["Records"]:
                break
            iterator = response.get("NextShardIterator")
    return records


def publish(publisher: EventPublisher, records: list[dict[str, Any]]) -> list[str]:
    """Feed `records` to the stream consumer as Lambda would; the sequence numbers it reports for a retry."""
    result = stream_consumer(lambda batch: publisher.batch(batch).publish_record)({"Records": records}, None)
    return [failure["itemIdentifier"] for failure in result["batchItemFailures"]]


def _walk_every_kind_of_change(registry: RegistryService, registration: RegistrationService) -> None:
    registry.create_registered_model("fraud")
    registry.set_registered_model_tag("fraud", "team", "risk")
    registry.delete_registered_model_tag("fraud", "team")
    registry.create_model_version("fraud", "s3://b/1", status=VersionStatus.PENDING_REGISTRATION)
    registration.finish_registration("fraud", 1, VersionStatus.READY)
    registry.set_model_version_tag("fraud", 1, "validated", "true")
    registry.delete_model_version_tag("fraud", 1, "validated")
    registry.transition_model_version_stage("fraud", 1, "Staging")
    registry.set_registered_model_alias("fraud", "champion", 1)
    registry.delete_registered_model_alias("fraud", "champion")
    registry.delete_model_version("fraud", 1)
    registry.rename_registered_model("fraud", "fraud-2")
    registry.delete_registered_model("fraud-2")


EVERY_KIND = [
    "registered_model.created",
    "registered_model_tag.set",
    "registered_model_tag.deleted",
    "model_version.created",
    "model_version.ready",
    "model_version_tag.set",
    "model_version_tag.deleted",
    "model_version.stage_transitioned",
    "model_version_alias.created",
    "model_version_alias.deleted",
    "model_version.deleted",
    "registered_model.renamed",
    "registered_model.deleted",
]


def test_every_change_reaches_the_bus_once_through_the_stream(dynamodb_store: DynamoDbRegistryStore) -> None:
    alice = Caller(principal="alice", request_id="r-9")
    registry = RegistryService(dynamodb_store, alice)
    _walk_every_kind_of_change(registry, RegistrationService(registry, dynamodb_store, alice))
    records = stream_records(dynamodb_store._client)
    bus = InMemoryEventBus()
    assert publish(EventPublisher(bus), records) == []
    assert [event.type.value for event in bus.published] == EVERY_KIND
    assert {event.principal for event in bus.published} == {"alice"}
    assert len({event.id for event in bus.published}) == len(EVERY_KIND)

    # Lambda may hand the same records over again (a retry): the same ids come out, so consumers drop them.
    again = InMemoryEventBus()
    publish(EventPublisher(again), records)
    assert [event.id for event in again.published] == [event.id for event in bus.published]


def test_a_batchs_events_go_to_event_bridge_in_order_ten_per_call(
    dynamodb_store: DynamoDbRegistryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = RegistryService(dynamodb_store, caller=HOOK_OWNER)
    _walk_every_kind_of_change(registry, RegistrationService(registry, dynamodb_store, HOOK_OWNER))
    records = stream_records(dynamodb_store._client)
    events = boto3.client("events", region_name="us-east-1")
    events.create_event_bus(Name="registry")
    calls: list[list[str]] = []
    put_events = events.put_events

    def counted(**arguments: Any) -> Any:
        calls.append([json.loads(entry["Detail"])["type"] for entry in arguments["Entries"]])
        return put_events(**arguments)

    monkeypatch.setattr(events, "put_events", counted)
    assert publish(EventPublisher(EventBridgeBus("registry", client=events)), records) == []
    assert [len(call) for call in calls] == [10, len(EVERY_KIND) - 10]
    assert [kind for call in calls for kind in call] == EVERY_KIND


def test_a_refused_event_is_reported_for_a_retry(dynamodb_store: DynamoDbRegistryStore) -> None:
    RegistryService(dynamodb_store, caller=HOOK_OWNER).create_registered_model("fraud")
    records = stream_records(dynamodb_store._client)
    first = InMemoryEventBus()
    publish(EventPublisher(first), records)
    bus = InMemoryEventBus()
    bus.failing = {first.published[0].id}
    failed = publish(EventPublisher(bus), records)
    (outbox_record,) = [r for r in records if r["dynamodb"].get("NewImage", {}).get("kind", {}).get("S") == "event"]
    assert failed == [outbox_record["dynamodb"]["SequenceNumber"]]


def test_the_event_bridge_bus_carries_the_documented_envelope(dynamodb_store: DynamoDbRegistryStore) -> None:
    events_client = boto3.client("events", region_name="us-east-1")
    sqs = boto3.client("sqs", region_name="us-east-1")
    events_client.create_event_bus(Name="smr-test-bus")
    queue_url = sqs.create_queue(QueueName="bus-tap")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events_client.put_rule(
        Name="all", EventBusName="smr-test-bus", EventPattern=json.dumps({"source": ["smr.registry"]})
    )
    events_client.put_targets(Rule="all", EventBusName="smr-test-bus", Targets=[{"Id": "tap", "Arn": queue_arn}])

    registry = RegistryService(dynamodb_store, Caller(principal="alice", request_id="r-1"))
    registry.create_registered_model("fraud")
    registry.create_model_version("fraud", "s3://b/1", run_id="run-1")
    publisher = EventPublisher(EventBridgeBus("smr-test-bus", client=events_client))
    assert publish(publisher, stream_records(dynamodb_store._client)) == []

    received = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    bodies = [json.loads(message["Body"]) for message in received]
    assert sorted(body["detail-type"] for body in bodies) == [
        "model_version.created",
        "model_version.ready",
        "registered_model.created",
    ]
    created = next(body for body in bodies if body["detail-type"] == "model_version.created")
    assert created["source"] == "smr.registry"
    detail = created["detail"]
    assert set(detail) == {
        "id",
        "type",
        "schema_version",
        "timestamp",
        "model_uid",
        "model_name",
        "principal",
        "request_id",
        "data",
    }
    assert detail["data"]["version"] == "1" and detail["data"]["run_id"] == "run-1"
    assert (detail["principal"], detail["request_id"], detail["schema_version"]) == ("alice", "r-1", 1)


# -- webhooks --------------------------------------------------------------------------------------------------


class Receiver:
    """A webhook receiver on loopback that verifies MLflow's signature as MLflow's docs tell a receiver to."""

    def __init__(self, secret: str, fail: bool = False) -> None:
        self.secret = secret
        self.fail = fail
        self.received: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                payload = self.rfile.read(int(self.headers["Content-Length"])).decode()
                receiver.received.append(
                    {"headers": dict(self.headers), "payload": payload, "verified": receiver.verify(self, payload)}
                )
                self.send_response(500 if receiver.fail else 200)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/hook"

    def verify(self, request: BaseHTTPRequestHandler, payload: str) -> bool:
        delivery_id = request.headers.get("X-MLflow-Delivery-Id", "")
        timestamp = request.headers.get("X-MLflow-Timestamp", "")
        signature = request.headers.get("X-MLflow-Signature", "")
        if not signature.startswith("v1,") or abs(time.time() - int(timestamp)) > 300:
            return False
        expected = base64.b64encode(
            hmac.new(self.secret.encode(), f"{delivery_id}.{timestamp}.{payload}".encode(), hashlib.sha256).digest()
        ).decode()
        return hmac.compare_digest(signature.removeprefix("v1,"), expected)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver("s3cr3t")
    yield server
    server.close()


def test_a_loopback_receiver_gets_a_correctly_signed_delivery(
    dynamodb_store: DynamoDbRegistryStore, receiver: Receiver
) -> None:
    webhooks = InMemoryWebhookStore()
    service = WebhookService(webhooks, HOOK_OWNER, models=dynamodb_store, allow_loopback=True)
    hook = service.create_webhook(
        "alias-watch",
        receiver.url,
        [WebhookEventName(entity="MODEL_VERSION_ALIAS", action="CREATED")],
        secret="s3cr3t",
    )
    registry = RegistryService(dynamodb_store, caller=HOOK_OWNER)
    registry.create_registered_model("fraud")
    registry.create_model_version("fraud", "s3://b/1")
    registry.set_registered_model_alias("fraud", "champion", 1)
    queue = InMemoryWebhookQueue()
    publish(EventPublisher(InMemoryEventBus(), webhooks, queue), stream_records(dynamodb_store._client))
    assert len(queue.messages) == 1  # only the alias event is subscribed
    assert service.deliver(queue.messages[0], 1, "receipt", queue) is True

    (delivery,) = receiver.received
    assert delivery["verified"] is True
    body = json.loads(delivery["payload"])
    assert (body["entity"], body["action"]) == ("model_version_alias", "created")
    assert body["data"] == {"name": "fraud", "alias": "champion", "version": "1"}
    (attempt,) = service.deliveries(hook.webhook_id)
    assert (attempt.success, attempt.status_code, attempt.attempt) == (True, 200, 1)
    assert attempt.delivery_id == delivery["headers"]["X-MLflow-Delivery-Id"]
    assert "s3cr3t" not in json.dumps(body) and "s3cr3t" not in repr(hook)


def test_a_failing_receiver_is_retried_then_dead_lettered_with_every_attempt_logged(
    dynamodb_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from registry_core.service import webhooks as webhooks_module
    from tests.integration.test_handlers import LambdaContext, _load_handler

    failing = Receiver("s3cr3t", fail=True)
    sqs = boto3.client("sqs", region_name="us-east-1")
    dead_url = sqs.create_queue(QueueName="deliveries-dlq")["QueueUrl"]
    dead_arn = sqs.get_queue_attributes(QueueUrl=dead_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queue_url = sqs.create_queue(
        QueueName="deliveries",
        Attributes={
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": MAX_DELIVERY_ATTEMPTS}),
            "VisibilityTimeout": "0",
        },
    )["QueueUrl"]
    monkeypatch.setenv("SMR_TABLE_NAME", TABLE_NAME)
    monkeypatch.setenv("SMR_WEBHOOK_QUEUE_URL", queue_url)
    monkeypatch.setenv("SMR_WEBHOOKS_ALLOW_LOOPBACK", "true")
    monkeypatch.setattr(webhooks_module, "RETRY_BASE_DELAY_S", 0)
    reset_wiring()
    from registry_core.wiring import webhook_queue

    try:
        store = DynamoDbRegistryStore(TABLE_NAME, client=dynamodb_client)
        service = WebhookService(
            DynamoDbWebhookStore(TABLE_NAME, client=dynamodb_client), HOOK_OWNER, models=store, allow_loopback=True
        )
        hook = service.create_webhook(
            "down", failing.url, [WebhookEventName(entity="model_version", action="created")], secret="s3cr3t"
        )
        registry = RegistryService(store, HOOK_OWNER)
        registry.create_registered_model("fraud")
        registry.create_model_version("fraud", "s3://b/1")
        publisher = EventPublisher(
            InMemoryEventBus(), DynamoDbWebhookStore(TABLE_NAME, client=dynamodb_client), webhook_queue()
        )
        publish(publisher, stream_records(dynamodb_client))

        deliver = _load_handler("deliver_webhooks").handler
        for _ in range(MAX_DELIVERY_ATTEMPTS + 2):
            messages = sqs.receive_message(
                QueueUrl=queue_url, AttributeNames=["ApproximateReceiveCount"], MaxNumberOfMessages=10
            ).get("Messages", [])
            if not messages:
                continue
            lambda_records = [
                {
                    "messageId": m["MessageId"],
                    "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"],
                    "attributes": m["Attributes"],
                }
                for m in messages
            ]
            result = deliver({"Records": lambda_records}, LambdaContext())
            assert result == {"batchItemFailures": [{"itemIdentifier": m["MessageId"]} for m in messages]}

        assert len(failing.received) == MAX_DELIVERY_ATTEMPTS
        assert all(delivery["verified"] for delivery in failing.received)
        assert len({d["headers"]["X-MLflow-Delivery-Id"] for d in failing.received}) == 1
        dead = sqs.receive_message(QueueUrl=dead_url, MaxNumberOfMessages=10).get("Messages", [])
        assert len(dead) == 1 and json.loads(dead[0]["Body"])["webhook_id"] == hook.webhook_id
        log = service.deliveries(hook.webhook_id)
        assert [attempt.attempt for attempt in log] == list(range(MAX_DELIVERY_ATTEMPTS, 0, -1))
        assert {attempt.status_code for attempt in log} == {500}
        assert [attempt.final for attempt in log] == [True] + [False] * (MAX_DELIVERY_ATTEMPTS - 1)
    finally:
        failing.close()
        reset_wiring()


@pytest.mark.parametrize(
    "url",
    [
        "http://93.184.216.34/hook",
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.1/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[fe80::1]/hook",
        "https://localhost/hook",
        "https://user:pass@93.184.216.34/hook",
        "ftp://93.184.216.34/hook",
    ],
)
def test_webhook_urls_must_be_https_and_public(url: str) -> None:
    with pytest.raises(InvalidParameterValue):
        validate_webhook_url(url)


def test_a_public_https_url_is_accepted_and_loopback_only_locally() -> None:
    validate_webhook_url("https://93.184.216.34/hook")
    validate_webhook_url("http://127.0.0.1:8080/hook", allow_loopback=True)
    with pytest.raises(InvalidParameterValue):
        validate_webhook_url("http://10.0.0.1/hook", allow_loopback=True)


def test_a_delivery_connects_to_the_address_that_was_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    import registry_core.service.webhooks as webhooks_module

    receiver = Receiver("pin")
    real_getaddrinfo = webhooks_module.socket.getaddrinfo
    lookups: list[str] = []

    def resolve(host: str, *args: Any, **kwargs: Any) -> Any:
        lookups.append(host)
        # Only the check may resolve the name; the connection must use the address it checked.
        return real_getaddrinfo("127.0.0.1" if host == "hooks.invalid" else host, *args, **kwargs)

    monkeypatch.setattr(webhooks_module.socket, "getaddrinfo", resolve)
    try:
        service = WebhookService(
            InMemoryWebhookStore(), HOOK_OWNER, models=InMemoryRegistryStore(), allow_loopback=True
        )
        url = f"http://hooks.invalid:{receiver.server.server_port}/hook"
        hook = service.create_webhook(
            "pinned", url, [WebhookEventName(entity="model_version", action="created")], secret="pin"
        )
        result = service.test_webhook(hook.webhook_id)
        assert result.status == 200 and receiver.received[0]["verified"] is True
        assert lookups.count("hooks.invalid") == 2  # at creation and before the delivery; never by the socket
    finally:
        receiver.close()


def test_a_principal_lists_only_its_own_webhooks_page_by_page_on_dynamodb(
    dynamodb_store: DynamoDbRegistryStore, dynamodb_client: Any
) -> None:
    webhooks = DynamoDbWebhookStore(TABLE_NAME, client=dynamodb_client)
    others = Caller(principal="arn:aws:iam::123456789012:user/someone-else")
    clock = iter(range(1000, 2000))

    def as_(caller: Caller) -> WebhookService:
        return WebhookService(webhooks, caller, models=dynamodb_store, allow_loopback=True, clock=lambda: next(clock))

    for index in range(4):
        for caller in (others, others, HOOK_OWNER):
            as_(caller).create_webhook(
                f"{caller.principal.rsplit('/', 1)[-1]}-{index}",
                "http://127.0.0.1:9/h",
                [WebhookEventName(entity="model_version", action="created")],
            )
    names: list[str] = []
    token: str | None = None
    for _ in range(10):
        page, token = as_(HOOK_OWNER).list_webhooks(2, token)
        assert len(page) <= 2
        names.extend(hook.name for hook in page)
        if token is None:
            break
    assert names == [f"hook-owner-{index}" for index in range(4)]
    admin = Caller(principal="arn:aws:iam::123456789012:role/admin", admin=True)
    assert len(as_(admin).list_webhooks(100)[0]) == 12
