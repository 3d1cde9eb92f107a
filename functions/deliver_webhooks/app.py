"""SQS consumer: one attempt per queued webhook delivery; failures come back after a backoff, then go to the DLQ."""

from __future__ import annotations

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from registry_core.api.queue import sqs_record_consumer
from registry_core.service import webhook_queue, webhook_service


class DeliveryFailed(Exception):
    """The endpoint did not accept the delivery; the message comes back after its backoff."""


def deliver(record: SQSRecord) -> None:
    attempt = int(record.attributes.approximate_receive_count or "1")
    if not webhook_service().deliver(record.body, attempt, record.receipt_handle, webhook_queue()):
        raise DeliveryFailed(record.message_id)


handler = sqs_record_consumer(deliver)
