"""Configuration, read from the environment once. No other module reads os.environ."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel


class MissingConfiguration(RuntimeError):
    """A setting the stack must provide is absent: the function cannot serve anything (fails at start-up)."""


class Settings(BaseModel):
    table_name: str
    bucket_name: str = ""
    # Where versions with an s3:// source are queued to be copied into the registry's prefix; empty: no copy-in.
    copy_queue_url: str = ""
    # Buckets besides the artifact bucket whose s3:// sources are copied in (the copier must be granted read access);
    # an s3:// source anywhere else is recorded as given, as MLflow records it.
    copy_from_buckets: frozenset[str] = frozenset()
    # How long presigned upload and download URLs stay valid.
    presigned_url_expiry_s: int = 3600
    # The identity used when a request carries none (only the local server sends such requests).
    default_principal: str = "anonymous"
    # DynamoDB answers in milliseconds; a retried write is deduplicated by its ClientRequestToken.
    dynamodb_read_timeout_s: float = 5.0
    # Every AWS client (store/clients.py): connect and read timeouts (DynamoDB's read timeout above), attempts per
    # call in botocore's standard retry mode, and the endpoint (empty: AWS's; the local server sets its moto).
    aws_connect_timeout_s: float = 2.0
    aws_read_timeout_s: float = 60.0
    aws_max_attempts: int = 5
    aws_endpoint_url: str = ""

    # IAM principals (ARNs) that hold every permission on every model (SMR_ADMIN_PRINCIPALS, comma-separated).
    admin_principals: frozenset[str] = frozenset()

    # Events (issue 5): the EventBridge bus, and the queue webhook deliveries wait in.
    event_bus_name: str = ""
    webhook_queue_url: str = ""
    # Only the local server sets this: webhooks may then use http:// and loopback addresses.
    webhooks_allow_loopback: bool = False


@lru_cache(maxsize=1)
def settings() -> Settings:
    table_name = os.environ.get("SMR_TABLE_NAME", "").strip()
    if not table_name:
        raise MissingConfiguration(
            "SMR_TABLE_NAME is not set: every function needs the registry's DynamoDB table "
            "(template.yaml sets it; `make run` sets it locally)."
        )
    return Settings(
        table_name=table_name,
        bucket_name=os.environ.get("SMR_BUCKET_NAME", ""),
        dynamodb_read_timeout_s=float(os.environ.get("SMR_DYNAMODB_READ_TIMEOUT_S", "5")),
        aws_connect_timeout_s=float(os.environ.get("SMR_AWS_CONNECT_TIMEOUT_S", "2")),
        aws_read_timeout_s=float(os.environ.get("SMR_AWS_READ_TIMEOUT_S", "60")),
        aws_max_attempts=int(os.environ.get("SMR_AWS_MAX_ATTEMPTS", "5")),
        aws_endpoint_url=os.environ.get("AWS_ENDPOINT_URL", ""),
        copy_queue_url=os.environ.get("SMR_COPY_QUEUE_URL", ""),
        copy_from_buckets=frozenset(
            part.strip() for part in os.environ.get("SMR_COPY_FROM_BUCKETS", "").split(",") if part.strip()
        ),
        presigned_url_expiry_s=int(os.environ.get("SMR_PRESIGNED_URL_EXPIRY_S", "3600")),
        admin_principals=frozenset(
            part.strip() for part in os.environ.get("SMR_ADMIN_PRINCIPALS", "").split(",") if part.strip()
        ),
        event_bus_name=os.environ.get("SMR_EVENT_BUS_NAME", ""),
        webhook_queue_url=os.environ.get("SMR_WEBHOOK_QUEUE_URL", ""),
        webhooks_allow_loopback=os.environ.get("SMR_WEBHOOKS_ALLOW_LOOPBACK", "").lower() in ("1", "true", "yes"),
    )
