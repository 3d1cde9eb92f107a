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
from dataclasses import dataclass
from typing import Any

from smr_local import template as stack
from smr_local.aws import LOCAL_REGION, EmbeddedAws
from smr_local.gateway import FunctionLoader, LocalIdentity, lambda_context

LOGGER = logging.getLogger("smr_local")

PUBLISHER_FUNCTION = "PublishRegistryEventsFunction"
DELIVERY_FUNCTION = "DeliverWebhooksFunction"
POLL_INTERVAL_S = 0.5


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

    def _invoke(self, function_id: str, event: dict[str, Any]) -> dict[str, Any]:
        settings = stack.function_settings(self._template, function_id)
        handler = self._loader.handler(settings)
        result: dict[str, Any] = handler(event, lambda_context(settings, self._identity, LOCAL_REGION))
        return result

    def start(self) -> None:
        streams = self._aws.client("dynamodbstreams")  # type: ignore[call-overload]
        table = self._aws.client("dynamodb").describe_table(TableName=self._table_name)["Table"]
        stream_arn = table["LatestStreamArn"]
        # Only what changes from now on: items restored from the data directory were published in an earlier run.
        iterators = {
            shard["ShardId"]: streams.get_shard_iterator(
                StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="LATEST"
            )["ShardIterator"]
            for shard in streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
        }
        self._spawn("smr-outbox", lambda: self._pump_stream(streams, stream_arn, iterators))
        self._spawn("smr-webhooks", self._pump_deliveries)

    def _spawn(self, name: str, loop: Callable[[], None]) -> None:
        def run() -> None:
            while not self._stop.is_set():
                try:
                    loop()
                except Exception:
                    LOGGER.exception("%s pump failed; going on", name)
                self._stop.wait(POLL_INTERVAL_S)

        thread = threading.Thread(target=run, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _pump_stream(self, streams: Any, stream_arn: str, iterators: dict[str, str]) -> None:
        for shard_id, iterator in list(iterators.items()):
            response = streams.get_records(ShardIterator=iterator, Limit=100)
            records = response.get("Records", [])
            if records:
                for record in records:
                    record["eventSourceARN"] = stream_arn
                result = self._invoke(PUBLISHER_FUNCTION, {"Records": records})
                failed = {item["itemIdentifier"] for item in result.get("batchItemFailures", [])}
                if failed:
                    # As Lambda does: retry from the first failed record on the next poll.
                    first = min(failed)
                    iterators[shard_id] = streams.get_shard_iterator(
                        StreamArn=stream_arn,
                        ShardId=shard_id,
                        ShardIteratorType="AT_SEQUENCE_NUMBER",
                        SequenceNumber=first,
                    )["ShardIterator"]
                    continue
            if response.get("NextShardIterator"):
                iterators[shard_id] = response["NextShardIterator"]

    def _pump_deliveries(self) -> None:
        sqs = self._aws.client("sqs")
        messages = sqs.receive_message(
            QueueUrl=self._resources.queue_url, AttributeNames=["ApproximateReceiveCount"], MaxNumberOfMessages=10
        ).get("Messages", [])
        if not messages:
            return
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

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
