"""SQS (S3 ObjectCreated under incoming/, suffix smr.json or MLmodel) -> register the upload folder's version."""

from __future__ import annotations

from typing import Any

from registry_core.api.queue import s3_object_events, sqs_consumer
from registry_core.wiring import artifact_service, auto_registration_caller


def register(body: dict[str, Any]) -> None:
    # A dropped folder acts as the principal the stack names for auto-registration: it owns the models it creates
    # and needs EDIT on an existing one (else the upload is recorded FAILED with the reason).
    for bucket, key, etag in s3_object_events(body):
        artifact_service(auto_registration_caller()).register_from_event(bucket, key, etag)


handler = sqs_consumer(register)
