"""DynamoDB stream consumer: publishes the outbox events of committed changes to EventBridge and queues webhooks."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import Logger

from registry_core.wiring import event_publisher

logger = Logger()


def handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    failed = event_publisher().publish_stream_records(event.get("Records", []))
    if failed:
        logger.warning("events left for a retry", extra={"count": len(failed)})
    # ReportBatchItemFailures: Lambda retries from the first failed record; the rest were published.
    return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in failed]}
