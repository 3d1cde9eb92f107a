"""The template's SQS queues in the embedded AWS, the bucket's notifications to them, and Lambda's SQS pollers.

As in AWS: S3 sends ObjectCreated notifications to the upload-events queue (filtered by the template's prefix and
suffix rules), and each function with an SQS event is invoked with batches of that queue's messages; the messages
it does not report in `batchItemFailures` are deleted, the others come back later and, after the queue's
maxReceiveCount, go to its dead-letter queue.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from smr_local.gateway import FunctionLoader, LocalIdentity, lambda_context
from smr_local.template import (
    BUCKET_TYPE,
    FUNCTION_TYPE,
    FunctionSettings,
    StackContext,
    Template,
    function_settings,
    resolve,
    resources_of_type,
    single_resource,
)

LOGGER = logging.getLogger(__name__)

QUEUE_TYPE = "AWS::SQS::Queue"
# Between empty polls. Not a long poll: every AWS request holds the embedded backend's one lock while it runs.
POLL_INTERVAL_S = 0.25
# A failed message is retried after this long locally (AWS waits for the queue's visibility timeout).
LOCAL_RETRY_DELAY_S = 2


@dataclass(frozen=True)
class LocalQueue:
    logical_id: str
    url: str
    arn: str


def _resolve_queue_refs(value: Any, queues: dict[str, LocalQueue]) -> Any:
    """GetAtt <Queue>.Arn and Ref <Queue> -> the local queue's ARN and URL."""
    if isinstance(value, list):
        return [_resolve_queue_refs(item, queues) for item in value]
    if isinstance(value, dict):
        if set(value) == {"Fn::GetAtt"} and value["Fn::GetAtt"][0] in queues:
            return queues[value["Fn::GetAtt"][0]].arn
        if set(value) == {"Ref"} and value["Ref"] in queues:
            return queues[value["Ref"]].url
        return {key: _resolve_queue_refs(item, queues) for key, item in value.items()}
    return value


def create_queues(client: Any, template: Template, context: StackContext) -> dict[str, LocalQueue]:
    """Every queue of the template, dead-letter queues first, with the attributes that matter locally."""
    definitions = resources_of_type(template, QUEUE_TYPE)
    ordered = sorted(definitions, key=lambda queue_id: "RedrivePolicy" in definitions[queue_id].get("Properties", {}))
    queues: dict[str, LocalQueue] = {}
    for queue_id in ordered:
        properties = definitions[queue_id].get("Properties", {})
        attributes: dict[str, str] = {}
        for name in ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds"):
            if name in properties:
                attributes[name] = str(properties[name])
        if "RedrivePolicy" in properties:
            redrive = _resolve_queue_refs(properties["RedrivePolicy"], queues)
            attributes["RedrivePolicy"] = json.dumps(resolve(redrive, template, context))
        url = client.create_queue(QueueName=f"{context.stack_name}-{queue_id}", Attributes=attributes)["QueueUrl"]
        arn = client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        queues[queue_id] = LocalQueue(queue_id, url, arn)
    return queues


def configure_notifications(client: Any, bucket: str, template: Template, queues: dict[str, LocalQueue]) -> None:
    """The bucket's NotificationConfiguration (queue targets), with the local queues' ARNs."""
    _, properties = single_resource(template, BUCKET_TYPE)
    configurations = properties.get("NotificationConfiguration", {}).get("QueueConfigurations", [])
    if not configurations:
        return
    resolved = [
        {
            "QueueArn": _resolve_queue_refs(configuration["Queue"], queues),
            "Events": [configuration["Event"]],
            "Filter": {"Key": {"FilterRules": configuration["Filter"]["S3Key"]["Rules"]}},
        }
        for configuration in configurations
    ]
    client.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration={"QueueConfigurations": resolved}
    )


def function_queue_environment(template: Template, queues: dict[str, LocalQueue]) -> dict[str, str]:
    """Functions' own environment variables that name a queue (every local function shares one environment)."""
    environment: dict[str, str] = {}
    for function_id in resources_of_type(template, FUNCTION_TYPE):
        variables = function_settings(template, function_id).properties.get("Environment", {}).get("Variables", {})
        for name, value in variables.items():
            resolved = _resolve_queue_refs(value, queues)
            if isinstance(resolved, str):
                environment[name] = resolved
    return environment


@dataclass(frozen=True)
class SqsSubscription:
    function: FunctionSettings
    queue: LocalQueue
    batch_size: int


def sqs_subscriptions(template: Template, queues: dict[str, LocalQueue]) -> list[SqsSubscription]:
    subscriptions = []
    for function_id, resource in resources_of_type(template, FUNCTION_TYPE).items():
        for event in resource.get("Properties", {}).get("Events", {}).values():
            if event.get("Type") != "SQS":
                continue
            queue_id = event["Properties"]["Queue"]["Fn::GetAtt"][0]
            subscriptions.append(
                SqsSubscription(
                    function_settings(template, function_id),
                    queues[queue_id],
                    int(event["Properties"].get("BatchSize", 10)),
                )
            )
    return subscriptions


def sqs_event(messages: list[dict[str, Any]], queue: LocalQueue, region: str) -> dict[str, Any]:
    """The event Lambda's SQS poller sends a function."""
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": message.get("MessageAttributes", {}),
                "md5OfBody": message.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue.arn,
                "awsRegion": region,
            }
            for message in messages
        ]
    }


@dataclass
class PollerStatus:
    batches: int = 0
    messages: int = 0
    failed_messages: int = 0
    errors: int = 0
    last_error: str | None = None


class QueuePollers:
    """One thread per SQS subscription, invoking the function as Lambda's event source mapping would."""

    def __init__(
        self,
        subscriptions: list[SqsSubscription],
        client_factory: Callable[[], Any],
        loader: FunctionLoader,
        region: str,
        identity: LocalIdentity | None = None,
        has_messages: Callable[[str], bool] | None = None,
    ) -> None:
        """`has_messages(queue_url)`, when given, is asked before each ReceiveMessage: an idle poll then costs no
        request (in-process, it peeks at the embedded SQS)."""
        self._has_messages = has_messages
        self._subscriptions = subscriptions
        self._client_factory = client_factory
        self._loader = loader
        self._region = region
        self._identity = identity or LocalIdentity()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._status = {subscription.queue.logical_id: PollerStatus() for subscription in subscriptions}

    def health(self) -> dict[str, Any]:
        """Per queue: whether its poller runs, and what it has delivered and failed."""
        alive = {thread.name for thread in self._threads if thread.is_alive()}
        return {
            queue_id: {**asdict(status), "running": f"smr-sqs-{queue_id}" in alive}
            for queue_id, status in self._status.items()
        }

    def start(self) -> None:
        for subscription in self._subscriptions:
            thread = threading.Thread(
                target=self._poll, args=(subscription,), name=f"smr-sqs-{subscription.queue.logical_id}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def _poll(self, subscription: SqsSubscription) -> None:
        client = self._client_factory()
        while not self._stop.is_set():
            try:
                if self._has_messages is not None and not self._has_messages(subscription.queue.url):
                    self._stop.wait(POLL_INTERVAL_S)
                    continue
                if not self.poll_once(subscription, client):
                    self._stop.wait(POLL_INTERVAL_S)
            except Exception as error:
                status = self._status[subscription.queue.logical_id]
                status.errors += 1
                status.last_error = f"{type(error).__name__}: {error}"
                LOGGER.exception("polling %s failed", subscription.queue.logical_id)
                self._stop.wait(1.0)

    def poll_once(self, subscription: SqsSubscription, client: Any) -> int:
        """Deliver one batch, if there is one; returns how many messages it held."""
        messages = client.receive_message(
            QueueUrl=subscription.queue.url,
            MaxNumberOfMessages=min(10, subscription.batch_size),
            AttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return 0
        handler = self._loader.handler(subscription.function)
        context = lambda_context(subscription.function, self._identity, self._region)
        started = time.monotonic()
        try:
            result = handler(sqs_event(messages, subscription.queue, self._region), context)
            failed = {item["itemIdentifier"] for item in (result or {}).get("batchItemFailures", [])}
        except Exception:
            LOGGER.exception("%s raised; the whole batch will be delivered again", subscription.function.function_id)
            failed = {message["MessageId"] for message in messages}
        for message in messages:
            if message["MessageId"] in failed:
                client.change_message_visibility(
                    QueueUrl=subscription.queue.url,
                    ReceiptHandle=message["ReceiptHandle"],
                    VisibilityTimeout=LOCAL_RETRY_DELAY_S,
                )
            else:
                client.delete_message(QueueUrl=subscription.queue.url, ReceiptHandle=message["ReceiptHandle"])
        status = self._status.setdefault(subscription.queue.logical_id, PollerStatus())
        status.batches += 1
        status.messages += len(messages)
        status.failed_messages += len(failed)
        LOGGER.info(
            "%s: %d messages from %s in %.0f ms (%d failed)",
            subscription.function.function_id,
            len(messages),
            subscription.queue.logical_id,
            (time.monotonic() - started) * 1000,
            len(failed),
        )
        return len(messages)


def requeue_pending_copies(items: Iterable[Mapping[str, Any]], sqs: Any, copy_queue_url: str) -> int:
    """Queue again the copy of every version still PENDING_REGISTRATION among the restored items (typed attributes).

    Queue messages are not kept across restarts of the local server (the table and bucket are): without this, a copy
    pending at shutdown would leave its version pending forever. The copier is idempotent, so queueing too much is
    harmless. (In AWS the queue keeps its messages; nothing like this is needed.) The items are the ones the restore
    just read, not a Scan: scanning a 100,000-item table through moto took minutes.
    """
    from boto3.dynamodb.types import TypeDeserializer

    deserializer = TypeDeserializer()

    def field(item: Mapping[str, Any], name: str) -> Any:
        return deserializer.deserialize(item[name]) if name in item else None

    pending: dict[tuple[str, int], str] = {}
    upload_ids: dict[tuple[str, int], str] = {}
    for item in items:
        kind = field(item, "kind")
        if kind == "version" and field(item, "status") == "PENDING_REGISTRATION":
            pending[(str(field(item, "name")), int(field(item, "version")))] = str(field(item, "source"))
        elif kind == "upload" and field(item, "version") is not None:
            upload_ids[(str(field(item, "name")), int(field(item, "version")))] = str(field(item, "upload_id"))
    for (name, version), source in sorted(pending.items()):
        message = {"name": name, "version": version, "source": source, "upload_id": upload_ids.get((name, version))}
        sqs.send_message(QueueUrl=copy_queue_url, MessageBody=json.dumps(message))
    return len(pending)
