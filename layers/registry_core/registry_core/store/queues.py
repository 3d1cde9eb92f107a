"""The copy-in queue: versions whose files are to be copied into the registry's prefix."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from registry_core.store import clients

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


class CopyQueue:
    def __init__(self, queue_url: str, client: SQSClient | None = None) -> None:
        self._client = client if client is not None else clients.sqs_client()
        self._url = queue_url

    def send(self, message: dict[str, Any]) -> None:
        self._client.send_message(QueueUrl=self._url, MessageBody=json.dumps(message, separators=(",", ":")))
