"""SQS consumer: one attempt per queued webhook delivery; failures come back after a backoff, then go to the DLQ."""

from __future__ import annotations

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from registry_core.api.queue import sqs_record_consumer
from registry_core.domain.entities import Caller
from registry_core.wiring import webhook_queue, webhook_service


class DeliveryFailed(Exception):
    """The endpoint did not accept the delivery; the message comes back after its backoff."""


def deliver(record: SQSRecord) -> None:
    attempt = int(record.attributes.approximate_receive_count or "1")
    # smr's own work: whether the webhook's owner may see the event is checked at delivery, not by this caller.
    service = webhook_service(Caller.system())
    if not service.deliver(record.body, attempt, record.receipt_handle, webhook_queue()):
        raise DeliveryFailed(record.message_id)


handler = sqs_record_consumer(deliver)
