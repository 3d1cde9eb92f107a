"""The embedded AWS serves this process's own AWS calls in process, through the same lock and journal hook."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
import urllib3.util.connection
from botocore.exceptions import EndpointConnectionError

from smr_local.aws import LOCAL_ACCESS_KEY_ID, LOCAL_REGION, LOCAL_SECRET_ACCESS_KEY, EmbeddedAws


@pytest.fixture
def aws() -> Iterator[EmbeddedAws]:
    embedded = EmbeddedAws("127.0.0.1", 0)
    embedded.start()
    try:
        yield embedded
    finally:
        embedded.stop()


def _s3(endpoint_url: str) -> object:
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=LOCAL_REGION,
        aws_access_key_id=LOCAL_ACCESS_KEY_ID,
        aws_secret_access_key=LOCAL_SECRET_ACCESS_KEY,
    )


def test_calls_from_this_process_skip_the_port_and_still_count_as_changes(
    aws: EmbeddedAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_network(*_: object, **__: object) -> None:
        raise AssertionError("a request to the embedded AWS went over the network")

    monkeypatch.setattr(urllib3.util.connection, "create_connection", no_network)
    journaled: list[int] = []
    aws.app.after_change = lambda: journaled.append(aws.app.generation)
    s3 = _s3(aws.endpoint_url)
    s3.create_bucket(Bucket="in-process")  # type: ignore[attr-defined]
    # A key with characters that are escaped in the path: moto reads it from the path as sent.
    key = "models/a b+c%d/ü.txt"
    s3.put_object(Bucket="in-process", Key=key, Body=b"x" * 70_000)  # type: ignore[attr-defined]

    answer = s3.get_object(Bucket="in-process", Key=key)  # type: ignore[attr-defined]
    assert answer["Body"].read() == b"x" * 70_000
    assert answer["ContentLength"] == 70_000
    listed = s3.list_objects_v2(Bucket="in-process")["Contents"]  # type: ignore[attr-defined]
    assert [item["Key"] for item in listed] == [key]
    assert journaled == [1, 2]  # the two writes, each journaled before its answer; reads are not


def test_a_stopped_backend_no_longer_answers_in_process() -> None:
    aws = EmbeddedAws("127.0.0.1", 0)
    aws.start()
    _s3(aws.endpoint_url).list_buckets()  # type: ignore[attr-defined]
    aws.stop()
    with pytest.raises(EndpointConnectionError):
        _s3(aws.endpoint_url).list_buckets()  # type: ignore[attr-defined]
