"""SQS-triggered handlers: one record at a time, failures reported per record (partial batch responses).

The event source mapping must enable `ReportBatchItemFailures`; then only the failed records come back (after the
visibility timeout), and after maxReceiveCount deliveries they go to the dead-letter queue.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.logging import Logger

logger = Logger()

SqsHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


def sqs_consumer(process: Callable[[dict[str, Any]], None]) -> SqsHandler:
    """Make a Lambda handler for SQS events that calls `process(json body)` for each record."""

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        failures = []
        for record in event.get("Records", []):
            message_id = record.get("messageId", "")
            try:
                process(json.loads(record["body"]))
            except Exception:
                logger.exception("record failed; it will be delivered again", extra={"message_id": message_id})
                failures.append({"itemIdentifier": message_id})
        return {"batchItemFailures": failures}

    handler.__wrapped__ = process  # type: ignore[attr-defined]
    return handler


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
