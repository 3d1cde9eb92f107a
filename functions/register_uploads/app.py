"""SQS (S3 ObjectCreated under incoming/, suffix smr.json or MLmodel) -> register the upload folder's version."""

from __future__ import annotations

from typing import Any

from registry_core.api.queue import s3_object_events, sqs_consumer
from registry_core.domain.entities import Caller
from registry_core.wiring import artifact_service


def register(body: dict[str, Any]) -> None:
    for bucket, key, etag in s3_object_events(body):
        artifact_service(Caller.system()).register_from_event(bucket, key, etag)


handler = sqs_consumer(register)
