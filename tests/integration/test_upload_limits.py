"""Hostile uploads change nothing (issue 10): bounded answers, URLs bound to what was declared, safe keys and paths."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from registry_core.domain.artifacts import FileEntry, UploadState
from registry_core.domain.entities import VersionStatus
from registry_core.domain.errors import InvalidParameterValue
from registry_core.domain.limits import LAMBDA_MAX_RESPONSE_BYTES, MAX_PRESIGNED_URLS_PER_UPLOAD, S3_MAX_OBJECT_BYTES
from registry_core.store.objects import ArtifactObjects

from .conftest import reset_wiring
from .test_artifacts import BUCKET, MODEL, Harness, _folder, harness, sha

__all__ = ["harness"]

TIB = 1024**4


@pytest.fixture
def deployed_s3(monkeypatch: pytest.MonkeyPatch, harness: Harness) -> Iterator[None]:
    """The S3 client the functions build from their settings (SigV4, as deployed), against the mocked AWS."""
    monkeypatch.setenv("SMR_TABLE_NAME", "smr-registry-test")
    reset_wiring()
    yield
    reset_wiring()


def _signed(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def test_a_single_put_url_is_signed_for_the_declared_length_and_sha256(harness: Harness, deployed_s3: None) -> None:
    data = b"hello world"
    answer = harness.service.create_upload(MODEL, [FileEntry(path="MLmodel", size=len(data), sha256=sha(data))], None)
    (spec,) = answer["files"]
    expected = base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert spec["headers"] == {"x-amz-checksum-sha256": expected}
    # What the deployed functions sign with (SigV4): S3 honours the URL only with that length and digest.
    url = ArtifactObjects().presign_put(BUCKET, "incoming/m/u/MLmodel", 60, len(data), sha(data))
    assert _signed(url)["X-Amz-SignedHeaders"] == "content-length;host;x-amz-checksum-sha256"


def test_each_part_url_is_signed_for_its_own_length(harness: Harness, deployed_s3: None) -> None:
    size = 12 * 1024 * 1024 + 5
    answer = harness.service.create_upload(MODEL, [FileEntry(path="w.bin", size=size, sha256="0" * 64)], 5 * 1024**2)
    (spec,) = answer["files"]
    assert len(spec["part_urls"]) == 3
    url = ArtifactObjects().presign_part(BUCKET, "incoming/m/u/w.bin", spec["multipart_upload_id"], 3, 5, 60)
    assert _signed(url)["X-Amz-SignedHeaders"] == "content-length;host"


def test_three_5_tib_files_are_refused_before_any_s3_call(harness: Harness) -> None:
    files = [FileEntry(path=f"f{index}", size=S3_MAX_OBJECT_BYTES, sha256="0" * 64) for index in range(3)]
    with pytest.raises(InvalidParameterValue, match="at most"):
        harness.service.create_upload(MODEL, files, None)
    assert harness.s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []
    assert harness.store.list_uploads(MODEL, 10) == []


def test_the_largest_accepted_upload_answers_within_lambdas_response_limit(harness: Harness) -> None:
    # Two files of 2.5 TiB: the part size grows so that the URLs stay within the budget.
    files = [FileEntry(path=f"shard-{index}.bin", size=5 * TIB // 2, sha256="0" * 64) for index in range(2)]
    answer = harness.service.create_upload(MODEL, files, None)
    urls = sum(len(spec["part_urls"]) for spec in answer["files"])
    assert urls <= MAX_PRESIGNED_URLS_PER_UPLOAD
    assert len(json.dumps(answer)) < LAMBDA_MAX_RESPONSE_BYTES
    for spec in answer["files"]:
        assert spec["part_size"] * len(spec["part_urls"]) >= 5 * TIB // 2


def test_more_files_in_parts_than_allowed_are_refused(harness: Harness) -> None:
    files = [FileEntry(path=f"f{index}", size=200 * 1024**2, sha256="0" * 64) for index in range(101)]
    with pytest.raises(InvalidParameterValue, match="in parts"):
        harness.service.create_upload(MODEL, files, None)


@pytest.mark.parametrize("path", ["../x", "a/../../x", "a\\..\\x", "C:x", "a//b", "/abs", "a/./b"])
def test_an_upload_path_breaking_the_path_rule_is_refused(harness: Harness, path: str) -> None:
    with pytest.raises(InvalidParameterValue, match="normalized relative path"):
        harness.service.create_upload(MODEL, [FileEntry(path=path, size=1, sha256="0" * 64)], None)


def test_a_key_escaping_its_incoming_folder_never_becomes_a_file_of_a_version(harness: Harness) -> None:
    harness.put(f"incoming/{MODEL}/u1/../../../../evil.txt", b"evil")
    etag = _folder(harness, "u1", manifest=None)
    upload = harness.service.register_from_event(BUCKET, f"incoming/{MODEL}/u1/MLmodel", etag)
    harness.drain_copies()
    assert upload is not None
    version = harness.registry.get_model_version(MODEL, 1)
    assert version.status is VersionStatus.FAILED_REGISTRATION
    assert "evil.txt" in (version.status_message or "")
    assert harness.service.get_upload(MODEL, "u1").state is UploadState.FAILED


def _nested(levels: int) -> bytes:
    return b'{"tags": ' + b"[" * levels + b"]" * levels + b"}"


@pytest.mark.parametrize(
    ("manifest", "reason"),
    [
        (b'{"description": "' + b"x" * (7 * 1024 * 1024) + b'"}', "at most"),
        (_nested(100_000), "nests deeper"),
        (b'{"model_metrics": {"auc": NaN}}', "model_metrics.auc"),
        (b'{"model_metrics": {"auc": 1e300}}', "model_metrics.auc"),
        (b'{"description": "x\\ud800y"}', "UTF-8"),
        (b'{"model_metrics": {"auc": ' + b"9" * 5000 + b"}}", "not valid JSON"),
    ],
)
def test_a_malformed_smr_json_leaves_a_failed_record_and_other_uploads_still_register(
    harness: Harness, manifest: bytes, reason: str
) -> None:
    etag = _folder(harness, "bad", manifest)
    # Consumed without an exception: the queue does not deliver it again, nor hold up the batch.
    upload = harness.service.register_from_event(BUCKET, f"incoming/{MODEL}/bad/smr.json", etag)
    assert upload is not None and upload.state is UploadState.FAILED
    assert reason in (upload.reason or ""), upload.reason
    good = harness.service.register_from_event(BUCKET, f"incoming/{MODEL}/good/smr.json", _folder(harness, "good"))
    assert good is not None and good.version == 1
