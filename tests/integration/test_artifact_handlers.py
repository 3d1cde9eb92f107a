"""Issue 3's handlers, fed their sample events (events/) on moto: the extension API and the two queue consumers."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests

from .conftest import TABLE_NAME, reset_wiring
from .test_handlers import LambdaContext, _load_handler, sample_event

BUCKET = "smr-artifacts-123456789012-us-east-1"  # the bucket the sample events name
MODEL = "fraud-detector"


class Stack:
    def __init__(self) -> None:
        self.s3 = boto3.client("s3", region_name="us-east-1")
        self.sqs = boto3.client("sqs", region_name="us-east-1")
        self.s3.create_bucket(Bucket=BUCKET)
        self.copy_queue = self.sqs.create_queue(QueueName="smr-copy")["QueueUrl"]

    def call(self, operation: str, event: dict[str, Any] | None = None, **body: Any) -> tuple[int, dict[str, Any]]:
        event = copy.deepcopy(event or sample_event(operation))
        if body:
            event["body"] = json.dumps({**json.loads(event.get("body") or "{}"), **body})
        response = _load_handler(operation).handler(event, LambdaContext())
        return response["statusCode"], json.loads(response["body"])

    def consume(self, operation: str, event: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = _load_handler(operation).handler(event, LambdaContext())
        return result

    def drain_copies(self) -> int:
        """What Lambda's event source mapping does with the copy queue."""
        count = 0
        while messages := self.sqs.receive_message(QueueUrl=self.copy_queue, MaxNumberOfMessages=10).get("Messages"):
            template = sample_event("copy_model_version_artifacts")["Records"][0]
            records = [{**template, "messageId": m["MessageId"], "body": m["Body"]} for m in messages]
            assert self.consume("copy_model_version_artifacts", {"Records": records}) == {"batchItemFailures": []}
            for message in messages:
                self.sqs.delete_message(QueueUrl=self.copy_queue, ReceiptHandle=message["ReceiptHandle"])
            count += len(messages)
        return count


@pytest.fixture
def stack(dynamodb_client: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    created = Stack()
    monkeypatch.setenv("SMR_TABLE_NAME", TABLE_NAME)
    monkeypatch.setenv("SMR_BUCKET_NAME", BUCKET)
    monkeypatch.setenv("SMR_COPY_QUEUE_URL", created.copy_queue)
    reset_wiring()
    yield created
    reset_wiring()


def test_create_model_version_with_an_s3_source_is_pending_until_the_copier_ran(stack: Stack) -> None:
    stack.s3.put_object(Bucket=BUCKET, Key="incoming/fraud-detector/run-42/model/MLmodel", Body=b"flavors: {}\n")
    stack.call("create_registered_model")
    status, body = stack.call("create_model_version")
    assert (status, body["model_version"]["status"]) == (200, "PENDING_REGISTRATION")
    assert stack.drain_copies() == 1
    status, body = stack.call("get_model_version")
    assert body["model_version"]["status"] == "READY"
    status, body = stack.call("get_model_version_download_uri")
    assert body["artifact_uri"].startswith(f"s3://{BUCKET}/models/") and body["artifact_uri"].endswith("/1/files")


def test_the_presigned_upload_handlers_round_trip_a_file(stack: Stack) -> None:
    status, created = stack.call("create_upload")
    assert status == 200, created
    (spec,) = created["files"]
    assert requests.put(spec["url"], data=b"hello world", timeout=30).status_code == 200
    status, body = stack.call("complete_upload", upload_id=created["upload_id"])
    assert (status, body["model_version"]["status"]) == (200, "PENDING_REGISTRATION"), body
    stack.drain_copies()

    status, body = stack.call("get_model_version_download_urls")
    assert status == 200, body
    (entry,) = body["files"]
    assert entry["path"] == "MLmodel"
    assert requests.get(entry["url"], timeout=30).content == b"hello world"
    status, body = stack.call("get_model_version")
    assert body["model_version"]["aliases"] == ["candidate"]
    assert body["model_version"]["tags"] == [{"key": "framework", "value": "sklearn"}]

    get_event = sample_event("get_upload")
    get_event["rawQueryString"] = f"name={MODEL}&upload_id={created['upload_id']}"
    status, body = stack.call("get_upload", get_event)
    assert (body["upload"]["state"], body["upload"]["version"]) == ("REGISTERED", "1")
    status, body = stack.call("list_uploads")
    assert [u["upload_id"] for u in body["uploads"]] == [created["upload_id"]]


def test_an_unknown_upload_is_a_404(stack: Stack) -> None:
    status, body = stack.call("get_upload")
    assert (status, body["error_code"]) == (404, "RESOURCE_DOES_NOT_EXIST")
    status, body = stack.call("complete_upload")
    assert (status, body["error_code"]) == (404, "RESOURCE_DOES_NOT_EXIST")


def test_an_s3_event_delivered_twice_in_one_batch_and_again_later_registers_one_version(stack: Stack) -> None:
    # The sample event's key is URL-encoded, as S3 sends it: "nightly+2026-11-26" is "nightly 2026-11-26".
    etag = stack.s3.put_object(Bucket=BUCKET, Key="incoming/fraud-detector/nightly 2026-11-26/smr.json", Body=b"{}")
    stack.s3.put_object(Bucket=BUCKET, Key="incoming/fraud-detector/nightly 2026-11-26/MLmodel", Body=b"m")
    event = sample_event("register_uploads")
    s3_event = json.loads(event["Records"][0]["body"])
    s3_event["Records"][0]["s3"]["object"]["eTag"] = etag["ETag"].strip('"')
    record = {**event["Records"][0], "body": json.dumps(s3_event)}
    twice = {"Records": [record, {**record, "messageId": "second-delivery"}]}
    assert stack.consume("register_uploads", twice) == {"batchItemFailures": []}
    stack.drain_copies()
    assert stack.consume("register_uploads", {"Records": [record]}) == {"batchItemFailures": []}
    stack.drain_copies()

    _, body = stack.call("search_model_versions", sample_event("search_model_versions"))
    assert [(v["version"], v["status"]) for v in body["model_versions"]] == [("1", "READY")]
    get_event = sample_event("get_upload")
    get_event["rawQueryString"] = "name=fraud-detector&upload_id=nightly%202026-11-26"
    _status, body = stack.call("get_upload", get_event)
    assert (body["upload"]["state"], body["upload"]["version"]) == ("REGISTERED", "1")


def test_a_record_that_cannot_be_processed_is_reported_alone_for_redelivery(stack: Stack) -> None:
    good = {**sample_event("register_uploads")["Records"][0], "body": json.dumps({"Event": "s3:TestEvent"})}
    bad = {**good, "messageId": "broken", "body": "{not json"}
    assert stack.consume("register_uploads", {"Records": [good, bad]}) == {
        "batchItemFailures": [{"itemIdentifier": "broken"}]
    }
