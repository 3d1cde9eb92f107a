"""SQS consumer: one attempt per queued webhook delivery; failures come back after a backoff, then go to the DLQ."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import Logger

from registry_core.domain.entities import Caller
from registry_core.service import webhook_queue, webhook_service

logger = Logger()


def handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    # Delivery checks each event against the webhook owner's permissions, not the consumer's.
    service = webhook_service(Caller.system())
    failed: list[dict[str, str]] = []
    for record in event.get("Records", []):
        attempt = int(record.get("attributes", {}).get("ApproximateReceiveCount", "1"))
        try:
            delivered = service.deliver(record["body"], attempt, record.get("receiptHandle"), webhook_queue())
        except Exception:
            # Never the secret or the payload: the message id is enough to find it.
            logger.exception("webhook delivery crashed", extra={"message_id": record.get("messageId")})
            delivered = False
        if not delivered:
            failed.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failed}
