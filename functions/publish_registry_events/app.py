"""DynamoDB stream consumer: publishes the outbox events of committed changes to EventBridge and queues webhooks."""

from __future__ import annotations

from registry_core.api.queue import stream_consumer
from registry_core.wiring import event_publisher

# ReportBatchItemFailures: Lambda retries from the first failed record; the ones before it were published.
handler = stream_consumer(lambda records: event_publisher().batch(records).publish_record)
