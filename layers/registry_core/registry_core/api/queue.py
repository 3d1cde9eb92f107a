"""Queue and stream consumers: powertools' batch utilities, one record at a time, failures reported per record.

The event source mappings in template.yaml enable `ReportBatchItemFailures`: for SQS only the failed messages come
back (after the visibility timeout) and after maxReceiveCount receives go to the dead-letter queue; for the DynamoDB
stream Lambda retries from the first failed record (the records after it are processed again).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

logger = Logger()

BatchHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


def sqs_record_consumer(process: Callable[[SQSRecord], None]) -> BatchHandler:
    """A Lambda handler for SQS events calling `process(record)` per message; a raise reports that message alone."""

    def process_logged(record: SQSRecord) -> None:
        try:
            process(record)
        except Exception:
            # The message id only: a body may hold a webhook's payload, and its traceback says enough.
            logger.exception("record failed; it will be delivered again", extra={"message_id": record.message_id})
            raise

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return _process_batch(EventType.SQS, event, process_logged, context)

    return handler


def sqs_consumer(process: Callable[[dict[str, Any]], None]) -> BatchHandler:
    """A Lambda handler for SQS events that calls `process(json body)` for each message."""

    def process_body(record: SQSRecord) -> None:
        process(json.loads(record.body))

    handler = sqs_record_consumer(process_body)
    handler.__wrapped__ = process  # type: ignore[attr-defined]
    return handler


def stream_consumer(start_batch: Callable[[list[dict[str, Any]]], Callable[[dict[str, Any]], None]]) -> BatchHandler:
    """A Lambda handler for DynamoDB stream events.

    `start_batch(records)` is called once per invocation with its records (raw dicts) and returns what to call on
    each record, so that what a batch shares (the bus calls, the webhook subscribers) is done once; a raise reports
    that record by sequence number.
    """

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        process = start_batch(list(event.get("Records") or []))

        def process_logged(record: DynamoDBRecord) -> None:
            try:
                process(record.raw_event)
            except Exception:
                sequence = record.dynamodb.sequence_number if record.dynamodb else None
                logger.exception("stream record failed; it will be retried", extra={"sequence_number": sequence})
                raise

        return _process_batch(EventType.DynamoDBStreams, event, process_logged, context)

    return handler


def _process_batch(event_type: EventType, event: dict[str, Any], process: Callable[[Any], None], context: Any) -> Any:
    if not event.get("Records"):
        # process_partial_response refuses an empty batch; there is nothing to report.
        return {"batchItemFailures": []}
    # A processor per invocation: it holds the batch's state, and the local server may run handlers in threads.
    processor = BatchProcessor(event_type=event_type, raise_on_entire_batch_failure=False)
    return process_partial_response(event=event, record_handler=process, processor=processor, context=context)


def s3_object_events(body: dict[str, Any]) -> Iterator[tuple[str, str, str | None]]:
    """(bucket, key, etag) of each ObjectCreated record of an S3 notification (S3's test event has none)."""
    for record in body.get("Records", []):
        if not str(record.get("eventName", "")).startswith("ObjectCreated"):
            continue
        s3 = record.get("s3", {})
        # S3 URL-encodes the key in notifications (spaces as '+').
        key = unquote_plus(s3.get("object", {}).get("key", ""))
        etag = s3.get("object", {}).get("eTag") or None
        yield s3.get("bucket", {}).get("name", ""), key, etag
