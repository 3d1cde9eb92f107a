"""The local event path: what the DynamoDB stream, EventBridge and SQS event sources do in AWS, in two threads.

- the outbox pump reads the embedded table's stream (moto implements DynamoDB Streams) and hands the records, as a
  Lambda DynamoDB event, to the stream consumer named in template.yaml (`PublishRegistryEventsFunction`), which
  publishes to a bus in the embedded EventBridge and queues webhook deliveries in the embedded SQS;
- the delivery pump reads that queue and hands the messages, as a Lambda SQS event, to `DeliverWebhooksFunction`,
  which posts to the webhooks' URLs (loopback http allowed locally). moto applies the queue's redrive policy.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from smr_local import moto_patches
from smr_local import template as stack
from smr_local.aws import LOCAL_REGION, EmbeddedAws
from smr_local.gateway import FunctionLoader, LocalIdentity, lambda_context

LOGGER = logging.getLogger("smr_local")

PUBLISHER_FUNCTION = "PublishRegistryEventsFunction"
DELIVERY_FUNCTION = "DeliverWebhooksFunction"
POLL_INTERVAL_S = 0.5
STREAM_BATCH_SIZE = 100


@dataclass(frozen=True)
class LocalEventResources:
    bus_name: str
    queue_url: str
    dead_letter_queue_url: str

    def environment(self) -> dict[str, str]:
        """What the event functions' template environment resolves to locally."""
        return {
            "SMR_EVENT_BUS_NAME": self.bus_name,
            "SMR_WEBHOOK_QUEUE_URL": self.queue_url,
            "SMR_WEBHOOKS_ALLOW_LOOPBACK": "true",
        }


def _delivery_queue_properties(template: stack.Template) -> dict[str, Any]:
    for resource in stack.resources_of_type(template, "AWS::SQS::Queue").values():
        if "RedrivePolicy" in resource.get("Properties", {}):
            properties: dict[str, Any] = resource["Properties"]
            return properties
    return {}


def create_event_resources(template: stack.Template, aws: EmbeddedAws, stack_name: str) -> LocalEventResources:
    """The bus and the delivery queue (with its dead-letter queue and the template's retry count) in moto."""
    events = aws.client("events")  # type: ignore[call-overload]
    sqs = aws.client("sqs")
    bus_name = f"{stack_name}-registry-events"
    with contextlib.suppress(events.exceptions.ResourceAlreadyExistsException):
        events.create_event_bus(Name=bus_name)
    dead_url = sqs.create_queue(QueueName=f"{stack_name}-webhook-deliveries-dlq")["QueueUrl"]
    dead_arn = sqs.get_queue_attributes(QueueUrl=dead_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    properties = _delivery_queue_properties(template)
    max_receives = int(properties.get("RedrivePolicy", {}).get("maxReceiveCount", 5))
    queue_url = sqs.create_queue(
        QueueName=f"{stack_name}-webhook-deliveries",
        Attributes={
            "VisibilityTimeout": str(properties.get("VisibilityTimeout", 180)),
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": max_receives}),
        },
    )["QueueUrl"]
    return LocalEventResources(bus_name, queue_url, dead_url)


@dataclass
class PumpStatus:
    """What a pump has done, for the health view: a failure is logged and counted, never silent."""

    handled: int = 0
    failures: int = 0
    last_error: str | None = None
    last_sequence_number: int | None = None

    def failed(self, name: str, error: BaseException) -> None:
        self.failures += 1
        self.last_error = f"{type(error).__name__}: {error}"
        LOGGER.error("%s failed (%d failures so far); retrying", name, self.failures, exc_info=error)


class StreamReader:
    """Reads the table's stream from where it left off, hands the records on, and trims what it has handled.

    It reads moto's shard in process, under the embedded AWS's lock, by sequence number: no shard iterator to expire
    and no request to serialize and parse (which cost more than the publishing itself). The records are handed over
    as Lambda does, as JSON (blobs in base64, times in epoch seconds). Any error (a handler that raised, a record
    that cannot be read) is logged and counted, and the next poll starts again after the last record handled.
    """

    def __init__(
        self,
        aws: EmbeddedAws,
        table_name: str,
        deliver: Callable[[list[dict[str, Any]]], set[str]],
    ) -> None:
        self._aws = aws
        self._table_name = table_name
        self._deliver = deliver
        self.status = PumpStatus()

    def start_at_latest(self) -> None:
        """Skip what is on the stream now (restored items were published in an earlier run)."""
        with self._aws.app.locked():
            shard = self._aws.table(self._table_name).stream_shard
            if shard is not None:
                self.status.last_sequence_number = moto_patches.stream_end(shard)

    def _next_records(self) -> list[dict[str, Any]]:
        with self._aws.app.locked():
            table = self._aws.table(self._table_name)
            shard = table.stream_shard
            if shard is None:
                return []
            last = self.status.last_sequence_number
            first = shard.starting_sequence_number if last is None else last + 1
            # Serialized inside the lock: these are moto's own dicts, which the next write may change.
            text = moto_patches.wire_json(shard.get(first, STREAM_BATCH_SIZE))
            stream_arn = f"{table.table_arn}/stream/{table.latest_stream_label}"
        records: list[dict[str, Any]] = json.loads(text)
        for record in records:
            record["eventSourceARN"] = stream_arn
        return records

    def poll_once(self) -> int:
        """Deliver one batch, if there is one; returns how many records were handled."""
        try:
            records = self._next_records()
            failed = self._deliver(records) if records else set()
        except Exception as error:
            self.status.failed("the stream reader", error)
            return 0
        numbers = [int(record["dynamodb"]["SequenceNumber"]) for record in records]
        # As Lambda does: everything before the first failed record is done; retry from that one on the next poll.
        first_failed = min((int(number) for number in failed), default=None)
        handled = [number for number in numbers if first_failed is None or number < first_failed]
        if handled:
            self.status.last_sequence_number = max(handled)
            self.status.handled += len(handled)
            self._trim()
        if first_failed is not None:
            self.status.failed("the stream's consumer", RuntimeError(f"record {first_failed} failed"))
        return len(handled)

    def _trim(self) -> None:
        with self._aws.app.locked():
            shard = self._aws.table(self._table_name).stream_shard
            if shard is not None and self.status.last_sequence_number is not None:
                moto_patches.trim_stream(shard, self.status.last_sequence_number)

    def lag(self) -> int:
        """Records on the stream not handled yet."""
        with self._aws.app.locked():
            shard = self._aws.table(self._table_name).stream_shard
            if shard is None:
                return 0
            newest, kept = moto_patches.stream_end(shard), len(shard.items)
        last = self.status.last_sequence_number
        return newest - last if last is not None else kept


class LocalEventPumps:
    def __init__(
        self,
        template: stack.Template,
        aws: EmbeddedAws,
        table_name: str,
        resources: LocalEventResources,
        loader: FunctionLoader,
        identity: LocalIdentity | None = None,
    ) -> None:
        self._template = template
        self._aws = aws
        self._table_name = table_name
        self._resources = resources
        self._loader = loader
        self._identity = identity or LocalIdentity()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.stream = StreamReader(aws, table_name, self._publish)
        self.deliveries = PumpStatus()

    def _invoke(self, function_id: str, event: dict[str, Any]) -> dict[str, Any]:
        settings = stack.function_settings(self._template, function_id)
        handler = self._loader.handler(settings)
        result: dict[str, Any] = handler(event, lambda_context(settings, self._identity, LOCAL_REGION))
        return result

    def _publish(self, records: list[dict[str, Any]]) -> set[str]:
        result = self._invoke(PUBLISHER_FUNCTION, {"Records": records})
        return {str(item["itemIdentifier"]) for item in (result or {}).get("batchItemFailures", [])}

    def start(self) -> None:
        # Only what changes from now on: items restored from the data directory were published in an earlier run.
        self.stream.start_at_latest()
        self._spawn("smr-outbox", self.stream.poll_once)
        self._spawn("smr-webhooks", self._pump_deliveries)

    def _spawn(self, name: str, poll: Callable[[], int]) -> None:
        def run() -> None:
            while not self._stop.is_set():
                if not poll():
                    self._stop.wait(POLL_INTERVAL_S)

        thread = threading.Thread(target=run, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _pump_deliveries(self) -> int:
        try:
            return self._deliver_once()
        except Exception as error:
            self.deliveries.failed("the webhook delivery pump", error)
            return 0

    def _deliver_once(self) -> int:
        if not self._aws.has_visible_messages(self._resources.queue_url):
            return 0
        sqs = self._aws.client("sqs")
        messages = sqs.receive_message(
            QueueUrl=self._resources.queue_url, AttributeNames=["ApproximateReceiveCount"], MaxNumberOfMessages=10
        ).get("Messages", [])
        if not messages:
            return 0
        records = [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
            }
            for message in messages
        ]
        result = self._invoke(DELIVERY_FUNCTION, {"Records": records})
        failed = {item["itemIdentifier"] for item in result.get("batchItemFailures", [])}
        for message in messages:
            if message["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=self._resources.queue_url, ReceiptHandle=message["ReceiptHandle"])
        self.deliveries.handled += len(messages) - len(failed)
        return len(messages)

    def health(self) -> dict[str, Any]:
        """The stream reader's and the delivery pump's state, and what is waiting to be delivered."""
        sqs = self._aws.client("sqs")

        def waiting(queue_url: str) -> int:
            attributes = sqs.get_queue_attributes(
                QueueUrl=queue_url,
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            )["Attributes"]
            return sum(int(value) for value in attributes.values())

        return {
            "stream_reader": {**asdict(self.stream.status), "lag_records": self.stream.lag()},
            "webhook_deliveries": {
                **asdict(self.deliveries),
                "queued": waiting(self._resources.queue_url),
                "dead_lettered": waiting(self._resources.dead_letter_queue_url),
            },
        }

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
