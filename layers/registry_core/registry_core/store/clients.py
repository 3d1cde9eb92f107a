"""The AWS clients every store uses: one factory, configured from the settings, one client per service per container.

Built on first use, once, under one lock (the threads of `make run` may race to build one), and cached, so a warm
Lambda container reuses its connections. botocore is imported only when a client is first needed, and boto3 only for
S3 (its managed copy needs boto3's transfer layer): a function that never touches S3 never pays for boto3 and
s3transfer at cold start.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from registry_core.config import settings

if TYPE_CHECKING:
    import botocore.session
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient


T = TypeVar("T")
# One lock for building every client: botocore's session is not safe to build clients on from several threads (two
# racing S3 clients register boto3's injection hooks twice, and every S3 client built after that fails). In Lambda a
# container serves one request at a time, but `make run` serves many on threads of one process.
_BUILDING = threading.RLock()


class _BuiltOnce(Generic[T]):
    """A zero-argument factory whose value is built once, under the lock, and then reused (per container)."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._cached = lru_cache(maxsize=1)(build)
        self.__doc__ = build.__doc__

    def __call__(self) -> T:
        with _BUILDING:
            return self._cached()

    def cache_clear(self) -> None:
        with _BUILDING:
            self._cached.cache_clear()


@_BuiltOnce
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


@_BuiltOnce
def dynamodb_client() -> DynamoDBClient:
    client: DynamoDBClient = _create("dynamodb", settings().dynamodb_read_timeout_s)
    return client


@_BuiltOnce
def sqs_client() -> SQSClient:
    client: SQSClient = _create("sqs", settings().aws_read_timeout_s)
    return client


@_BuiltOnce
def events_client() -> Any:
    return _create("events", settings().aws_read_timeout_s)


@_BuiltOnce
def s3_client() -> S3Client:
    # s3v4 and "auto" addressing: virtual-hosted in AWS, path-style where an endpoint is set (the local moto server).
    config = _config(settings().aws_read_timeout_s, signature_version="s3v4", s3={"addressing_style": "auto"})
    client: S3Client = _boto3_session().client("s3", endpoint_url=settings().aws_endpoint_url or None, config=config)
    return client


@_BuiltOnce
def _boto3_session() -> Any:
    """boto3 around the one botocore session; made once, since each boto3 session registers its hooks again."""
    import boto3.session

    return boto3.session.Session(botocore_session=_session())


def clear_clients() -> None:
    """Forget the cached clients (tests that change the settings or the mocked AWS between cases)."""
    for cached in (s3_client, _boto3_session, events_client, sqs_client, dynamodb_client, _session):
        cached.cache_clear()
