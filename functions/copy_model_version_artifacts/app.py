"""SQS (copy queue) -> copy a PENDING_REGISTRATION version's files into models/<uid>/<version>/, then settle it."""

from __future__ import annotations

from typing import Any

from registry_core.api.queue import sqs_consumer
from registry_core.domain.entities import Caller
from registry_core.wiring import artifact_service


def copy(body: dict[str, Any]) -> None:
    artifact_service(Caller.system()).copy_version(
        body["name"], int(body["version"]), body["source"], body.get("upload_id")
    )


handler = sqs_consumer(copy)
