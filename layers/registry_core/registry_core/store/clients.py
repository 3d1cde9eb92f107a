"""The AWS clients every store uses: one factory, configured from the settings, one client per service per container.

Built on first use and cached (`lru_cache`), so a warm Lambda container reuses its connections. botocore is imported
only when a client is first needed, and boto3 only for S3 (its managed copy needs boto3's transfer layer): a
function that never touches S3 never pays for boto3 and s3transfer at cold start.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from registry_core.config import settings

if TYPE_CHECKING:
    import botocore.session
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient


@lru_cache(maxsize=1)
def _session() -> botocore.session.Session:
    import botocore.session

    return botocore.session.get_session()


def _config(read_timeout_s: float, **extra: Any) -> Any:
    from botocore.config import Config

    config = settings()
    return Config(
        # Attempts in all, the first included (botocore's `max_attempts` would count retries only).
        retries={"mode": "standard", "total_max_attempts": config.aws_max_attempts},
        connect_timeout=config.aws_connect_timeout_s,
        read_timeout=read_timeout_s,
        tcp_keepalive=True,
        **extra,
    )


def _create(service: str, read_timeout_s: float) -> Any:
    return _session().create_client(
        service, endpoint_url=settings().aws_endpoint_url or None, config=_config(read_timeout_s)
    )


@lru_cache(maxsize=1)
def dynamodb_client() -> DynamoDBClient:
    client: DynamoDBClient = _create("dynamodb", settings().dynamodb_read_timeout_s)
    return client


@lru_cache(maxsize=1)
def sqs_client() -> SQSClient:
    client: SQSClient = _create("sqs", settings().aws_read_timeout_s)
    return client


@lru_cache(maxsize=1)
def events_client() -> Any:
    return _create("events", settings().aws_read_timeout_s)


@lru_cache(maxsize=1)
def s3_client() -> S3Client:
    import boto3.session

    # s3v4 and "auto" addressing: virtual-hosted in AWS, path-style where an endpoint is set (the local moto server).
    config = _config(settings().aws_read_timeout_s, signature_version="s3v4", s3={"addressing_style": "auto"})
    session = boto3.session.Session(botocore_session=_session())
    client: S3Client = session.client("s3", endpoint_url=settings().aws_endpoint_url or None, config=config)
    return client


def clear_clients() -> None:
    """Forget the cached clients (tests that change the settings or the mocked AWS between cases)."""
    for cached in (s3_client, events_client, sqs_client, dynamodb_client, _session):
        cached.cache_clear()
