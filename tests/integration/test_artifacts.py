"""Registry-owned artifacts on moto: copy-in, presigned transfers, auto-registration from S3 events."""

from __future__ import annotations

import hashlib
import json
import threading
from typing import Any

import boto3
import pytest
import requests

from registry_core.domain.artifacts import FileEntry, UploadManifest, UploadState
from registry_core.domain.entities import Caller, VersionStatus
from registry_core.domain.errors import InvalidParameterValue, ResourceDoesNotExist
from registry_core.domain.governance import PromotionPolicy
from registry_core.service.artifacts import ArtifactService
from registry_core.service.governance import GovernanceService
from registry_core.service.history import HistoryService
from registry_core.service.permissions import PermissionService
from registry_core.service.registration import RegistrationService
from registry_core.service.registry import RegistryService
from registry_core.store.dynamodb import DynamoDbRegistryStore
from registry_core.store.objects import MIN_PART_SIZE, ArtifactObjects
from registry_core.store.queues import CopyQueue
from smr_local.queues import requeue_pending_copies
from smr_local.template import create_bucket

from .conftest import TABLE_NAME

BUCKET = "smr-artifacts-test"
SOURCE_BUCKET = "team-training-output"
MODEL = "churn"
UPLOADER = Caller(principal="arn:aws:iam::123456789012:user/uploader")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class AtomicRequests:
    """A boto3 client whose requests run one at a time: moto in-process is not atomic across threads; AWS is."""

    _lock = threading.Lock()

    def __init__(self, client: Any) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return attribute(*args, **kwargs)

        return call


class Harness:
    """The artifact service on moto, with the copy queue drained by calling the copier as its Lambda would."""

    def __init__(
        self, store: DynamoDbRegistryStore, multipart_threshold: int = MIN_PART_SIZE, caller: Caller = UPLOADER
    ) -> None:
        self.s3 = boto3.client("s3", region_name="us-east-1")
        self.sqs = boto3.client("sqs", region_name="us-east-1")
        create_bucket(self.s3, BUCKET)
        self.s3.create_bucket(Bucket=SOURCE_BUCKET)
        self.queue_url = self.sqs.create_queue(QueueName="smr-copy")["QueueUrl"]
        self.store = store
        self.objects = ArtifactObjects(self.s3, multipart_threshold=multipart_threshold, part_size=MIN_PART_SIZE)
        self.registry = RegistryService(store, caller)
        self.governance = GovernanceService(store, caller)
        self.permissions = PermissionService(store, caller)
        self.service = self.acting_as(caller)
        # The copier consumer acts as smr itself, as its Lambda does.
        self.copier = self.acting_as(Caller.system())

    def acting_as(self, caller: Caller) -> ArtifactService:
        """The artifact service for another caller, over the same table, bucket and copy queue."""
        return ArtifactService(
            RegistrationService(RegistryService(self.store, caller), self.store, caller),
            self.store,
            caller,
            self.objects,
            BUCKET,
            CopyQueue(self.queue_url, self.sqs),
            copy_from_buckets=frozenset({SOURCE_BUCKET}),
        )

    def drain_copies(self) -> int:
        copied = 0
        while True:
            messages = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", [])
            if not messages:
                return copied
            for message in messages:
                body = json.loads(message["Body"])
                # The copier consumer acts as the registry itself, as its Lambda does.
                self.copier.copy_version(body["name"], body["version"], body["source"], body.get("upload_id"))
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
                copied += 1

    def put(self, key: str, data: bytes, bucket: str = BUCKET) -> str:
        return self.s3.put_object(Bucket=bucket, Key=key, Body=data)["ETag"].strip('"')

    def read(self, key: str) -> bytes:
        return self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()

    def manifest(self, name: str, version: int) -> dict[str, Any]:
        uid = self.registry.get_registered_model(name).uid
        document: dict[str, Any] = json.loads(self.read(f"models/{uid}/{version}/manifest.json"))
        return document


@pytest.fixture
def harness(dynamodb_client: Any) -> Harness:
    client: Any = AtomicRequests(dynamodb_client)
    return Harness(DynamoDbRegistryStore(TABLE_NAME, client=client))


# --- copy-in of create-model-version sources ----------------------------------------------------------------


def test_an_s3_source_is_copied_in_and_the_version_becomes_ready_with_a_manifest(harness: Harness) -> None:
    harness.registry.create_registered_model(MODEL)
    harness.put("run-1/model/MLmodel", b"flavors: {}\n", SOURCE_BUCKET)
    harness.put("run-1/model/model.pkl", b"\x00weights", SOURCE_BUCKET)
    version = harness.service.create_model_version(MODEL, f"s3://{SOURCE_BUCKET}/run-1/model")
    assert version.status is VersionStatus.PENDING_REGISTRATION

    assert harness.drain_copies() == 1
    ready = harness.registry.get_model_version(MODEL, 1)
    uid = harness.registry.get_registered_model(MODEL).uid
    assert ready.status is VersionStatus.READY
    assert ready.download_uri == f"s3://{BUCKET}/models/{uid}/1/files"
    assert ready.source == f"s3://{SOURCE_BUCKET}/run-1/model"
    assert harness.read(f"models/{uid}/1/files/model.pkl") == b"\x00weights"
    assert harness.manifest(MODEL, 1) == {
        "format": 1,
        "files": [
            {"path": "MLmodel", "size": 12, "sha256": sha(b"flavors: {}\n")},
            {"path": "model.pkl", "size": 8, "sha256": sha(b"\x00weights")},
        ],
    }


def test_an_object_above_the_multipart_threshold_is_copied_in_parts_byte_for_byte(harness: Harness) -> None:
    harness.registry.create_registered_model(MODEL)
    big = bytes(range(256)) * (MIN_PART_SIZE * 2 // 256 + 1000)  # > 2 parts of 5 MiB
    harness.put("big/model.bin", big, SOURCE_BUCKET)
    harness.service.create_model_version(MODEL, f"s3://{SOURCE_BUCKET}/big")
    harness.drain_copies()
    uid = harness.registry.get_registered_model(MODEL).uid
    head = harness.s3.head_object(Bucket=BUCKET, Key=f"models/{uid}/1/files/model.bin")
    assert "-" in head["ETag"]  # a multipart ETag: the copy went through UploadPartCopy
    assert harness.read(f"models/{uid}/1/files/model.bin") == big
    assert harness.manifest(MODEL, 1)["files"] == [{"path": "model.bin", "size": len(big), "sha256": sha(big)}]


def test_a_replayed_copy_message_changes_nothing(harness: Harness) -> None:
    harness.registry.create_registered_model(MODEL)
    harness.put("run/m/MLmodel", b"x", SOURCE_BUCKET)
    harness.service.create_model_version(MODEL, f"s3://{SOURCE_BUCKET}/run/m")
    message = harness.sqs.receive_message(QueueUrl=harness.queue_url)["Messages"][0]
    body = json.loads(message["Body"])
    first = harness.service.copy_version(body["name"], body["version"], body["source"])
    again = harness.service.copy_version(body["name"], body["version"], body["source"])
    assert first is not None and again is not None
    assert first.status is again.status is VersionStatus.READY
    assert again.last_updated_timestamp == first.last_updated_timestamp


def test_a_missing_source_fails_the_registration_with_a_reason(harness: Harness) -> None:
    harness.registry.create_registered_model(MODEL)
    harness.service.create_model_version(MODEL, f"s3://{SOURCE_BUCKET}/nothing/here")
    harness.drain_copies()
    failed = harness.registry.get_model_version(MODEL, 1)
    assert failed.status is VersionStatus.FAILED_REGISTRATION
    assert failed.status_message is not None and "nothing/here" in failed.status_message


def test_another_versions_files_are_copied_not_shared(harness: Harness) -> None:
    harness.registry.create_registered_model(MODEL)
    harness.put("run/m/MLmodel", b"x", SOURCE_BUCKET)
    harness.service.create_model_version(MODEL, f"s3://{SOURCE_BUCKET}/run/m")
    harness.drain_copies()
    first = harness.registry.get_model_version(MODEL, 1).download_uri
    harness.service.create_model_version(MODEL, first)
    harness.drain_copies()
    second = harness.registry.get_model_version(MODEL, 2)
    assert second.status is VersionStatus.READY and second.source == first
    assert second.download_uri == first.replace("/1/files", "/2/files")


@pytest.mark.parametrize("source", ["runs:/abc/model", "models:/other/1", "file:///tmp/model", "mlflow-artifacts:/x"])
def test_sources_smr_cannot_read_are_recorded_as_given(harness: Harness, source: str) -> None:
    harness.registry.create_registered_model(MODEL)
    version = harness.service.create_model_version(MODEL, source)
    assert (version.status, version.download_uri) == (VersionStatus.READY, source)
    assert harness.drain_copies() == 0


# --- presigned uploads --------------------------------------------------------------------------------------


def _upload(harness: Harness, files: dict[str, bytes], declared: dict[str, str] | None = None, **kw: Any) -> Any:
    entries = [
        FileEntry(path=path, size=len(data), sha256=(declared or {}).get(path, sha(data)))
        for path, data in files.items()
    ]
    answer = harness.service.create_upload(MODEL, entries, kw.pop("threshold", None))
    parts: dict[str, list[str]] = {}
    for spec in answer["files"]:
        data = files[spec["path"]]
        if "url" in spec:
            assert requests.put(spec["url"], data=data, headers=spec["headers"], timeout=30).status_code == 200
        else:
            size = spec["part_size"]
            parts[spec["path"]] = [
                requests.put(url, data=data[i * size : (i + 1) * size], timeout=30).headers["ETag"]
                for i, url in enumerate(spec["part_urls"])
            ]
    return answer["upload_id"], parts


def test_a_presigned_upload_round_trips_byte_for_byte_through_presigned_downloads(harness: Harness) -> None:
    big = b"0123456789abcdef" * (MIN_PART_SIZE // 16 * 2 + 7)
    files = {"MLmodel": b"flavors: {}\n", "data/model.bin": big}
    upload_id, parts = _upload(harness, files, threshold=MIN_PART_SIZE)
    assert list(parts) == ["data/model.bin"] and len(parts["data/model.bin"]) == 3
    version = harness.service.complete_upload(
        MODEL, upload_id, parts, UploadManifest(aliases=["candidate"], stage="Staging", tags={"team": "growth"})
    )
    assert version.status is VersionStatus.PENDING_REGISTRATION
    harness.drain_copies()

    ready = harness.registry.get_model_version(MODEL, version.version)
    assert (ready.status, ready.current_stage.value, ready.tags) == (VersionStatus.READY, "Staging", {"team": "growth"})
    assert harness.registry.get_model_version_by_alias(MODEL, "candidate").version == 1
    answer = harness.service.download_urls(MODEL, 1)
    downloaded = {entry["path"]: requests.get(entry["url"], timeout=30).content for entry in answer["files"]}
    assert downloaded == files
    assert {entry["path"]: entry["sha256"] for entry in answer["files"]} == {p: sha(d) for p, d in files.items()}
    assert harness.service.get_upload(MODEL, upload_id).state is UploadState.REGISTERED


def test_a_retried_complete_returns_the_same_version(harness: Harness) -> None:
    upload_id, parts = _upload(harness, {"MLmodel": b"m"})
    first = harness.service.complete_upload(MODEL, upload_id, parts, UploadManifest())
    second = harness.service.complete_upload(MODEL, upload_id, parts, UploadManifest())
    assert first.version == second.version == 1
    assert harness.drain_copies() == 2  # both queued; the second copy finds the version settled
    assert harness.registry.get_registered_model(MODEL).next_version == 2


def test_a_checksum_mismatch_fails_the_registration_with_a_message(harness: Harness) -> None:
    upload_id, parts = _upload(harness, {"MLmodel": b"real bytes"}, declared={"MLmodel": sha(b"other bytes")})
    harness.service.complete_upload(MODEL, upload_id, parts, UploadManifest())
    harness.drain_copies()
    failed = harness.registry.get_model_version(MODEL, 1)
    assert failed.status is VersionStatus.FAILED_REGISTRATION
    assert failed.status_message is not None and "checksum mismatch for MLmodel" in failed.status_message
    upload = harness.service.get_upload(MODEL, upload_id)
    assert upload.state is UploadState.FAILED and "checksum mismatch" in (upload.reason or "")
    with pytest.raises(InvalidParameterValue, match="no registry-held files"):
        harness.service.download_urls(MODEL, 1)


def test_complete_refuses_an_impossible_stage_before_making_a_version(harness: Harness) -> None:
    upload_id, parts = _upload(harness, {"MLmodel": b"m"})
    with pytest.raises(InvalidParameterValue, match="Invalid Model Version stage"):
        harness.service.complete_upload(MODEL, upload_id, parts, UploadManifest(stage="Prod"))
    assert harness.store.get_model(MODEL) is None


# --- auto-registration from S3 events -----------------------------------------------------------------------


def _folder(harness: Harness, upload_id: str, manifest: bytes | None = b"{}", name: str = MODEL) -> str | None:
    prefix = f"incoming/{name}/{upload_id}/"
    harness.put(prefix + "model.pkl", b"weights-" + upload_id.encode())
    if manifest is None:
        return harness.put(prefix + "MLmodel", b"flavors: {}\n")
    harness.put(prefix + "MLmodel", b"flavors: {}\n")
    return harness.put(prefix + "smr.json", manifest)


def test_an_smr_json_arriving_registers_the_folder_with_its_metadata(harness: Harness) -> None:
    manifest = {"description": "nightly", "tags": {"k": "v"}, "aliases": ["nightly"], "model_metrics": {"auc": 0.9}}
    etag = _folder(harness, "u1", json.dumps(manifest).encode())
    upload = harness.service.register_from_event(BUCKET, f"incoming/{MODEL}/u1/smr.json", etag)
    assert upload is not None and upload.state is UploadState.REGISTERING and upload.version == 1
    harness.drain_copies()
    version = harness.registry.get_model_version(MODEL, 1)
    assert version.status is VersionStatus.READY
    assert version.description == "nightly"
    # smr.json's metrics are the version's model_metrics (what promotion policies read), not tags.
    assert version.tags == {"k": "v"}
    assert [(metric.key, metric.value) for metric in version.model_metrics] == [("auc", 0.9)]
    assert version.aliases == ["nightly"]
    assert [entry["path"] for entry in harness.manifest(MODEL, 1)["files"]] == ["MLmodel", "model.pkl"]


def test_a_plain_mlflow_folder_registers_on_its_mlmodel(harness: Harness) -> None:
    etag = _folder(harness, "plain", manifest=None)
    upload = harness.service.register_from_event(BUCKET, f"incoming/{MODEL}/plain/MLmodel", etag)
    assert upload is not None and upload.version == 1


def test_the_same_event_delivered_twice_registers_one_version(harness: Harness) -> None:
    etag = _folder(harness, "twice")
    key = f"incoming/{MODEL}/twice/smr.json"
    first = harness.service.register_from_event(BUCKET, key, etag)
    second = harness.service.register_from_event(BUCKET, key, etag)
    harness.drain_copies()
    third = harness.service.register_from_event(BUCKET, key, etag)
    assert first is not None and second is not None and third is not None
    assert first.version == second.version == third.version == 1
    assert harness.registry.get_registered_model(MODEL).next_version == 2
    assert harness.registry.get_model_version(MODEL, 1).status is VersionStatus.READY


def test_an_mlmodel_event_defers_to_the_smr_json_of_its_folder(harness: Harness) -> None:
    _folder(harness, "both")
    mlmodel_etag = harness.s3.head_object(Bucket=BUCKET, Key=f"incoming/{MODEL}/both/MLmodel")["ETag"].strip('"')
    assert harness.service.register_from_event(BUCKET, f"incoming/{MODEL}/both/MLmodel", mlmodel_etag) is None
    assert harness.store.get_model(MODEL) is None


def test_an_smr_json_after_the_mlmodel_registered_the_folder_adds_its_metadata_to_that_version(
    harness: Harness,
) -> None:
    mlmodel_etag = _folder(harness, "late", manifest=None)
    harness.service.register_from_event(BUCKET, f"incoming/{MODEL}/late/MLmodel", mlmodel_etag)
    harness.drain_copies()
    key = f"incoming/{MODEL}/late/smr.json"
    etag = harness.put(
        key, json.dumps({"description": "late", "aliases": ["champion"], "stage": "Production"}).encode()
    )
    upload = harness.service.register_from_event(BUCKET, key, etag)
    assert upload is not None and upload.version == 1 and upload.reason is None
    version = harness.registry.get_model_version(MODEL, 1)
    assert (version.description, version.aliases, version.current_stage.value) == ("late", ["champion"], "Production")
    assert harness.registry.get_registered_model(MODEL).next_version == 2


def _late_manifest(harness: Harness, upload_id: str, manifest: dict[str, Any]) -> Any:
    mlmodel_etag = _folder(harness, upload_id, manifest=None)
    harness.service.register_from_event(BUCKET, f"incoming/{MODEL}/{upload_id}/MLmodel", mlmodel_etag)
    harness.drain_copies()
    key = f"incoming/{MODEL}/{upload_id}/smr.json"
    return harness.service.register_from_event(BUCKET, key, harness.put(key, json.dumps(manifest).encode()))


def test_a_late_smr_json_lands_as_one_change(harness: Harness) -> None:
    manifest = {
        "description": "late",
        "tags": {"team": "growth", "data": "2024-06"},
        "aliases": ["champion", "candidate"],
        "stage": "Staging",
        "model_metrics": {"auc": 0.93},
        "model_params": {"depth": "6"},
    }
    mlmodel_etag = _folder(harness, "one", manifest=None)
    harness.service.register_from_event(BUCKET, f"incoming/{MODEL}/one/MLmodel", mlmodel_etag)
    harness.drain_copies()
    rev_before = harness.registry.get_registered_model(MODEL).rev
    key = f"incoming/{MODEL}/one/smr.json"
    upload = harness.service.register_from_event(BUCKET, key, harness.put(key, json.dumps(manifest).encode()))

    assert upload is not None and upload.reason is None
    model = harness.registry.get_registered_model(MODEL)
    assert model.rev == rev_before + 1  # one commit of the model, not one per field
    version = harness.registry.get_model_version(MODEL, 1)
    assert version.description == "late" and version.tags == {"team": "growth", "data": "2024-06"}
    assert version.aliases == ["candidate", "champion"] and version.current_stage.value == "Staging"
    assert [(m.key, m.value) for m in version.model_metrics] == [("auc", 0.93)]
    assert version.model_params == {"depth": "6"}
    late = [
        record
        for record in HistoryService(harness.store, Caller.system()).model_history(MODEL).records
        if record.rev == model.rev
    ]
    # Its history records (two aliases, one stage) all carry the one revision and time of that one change.
    assert sorted((record.subject.value, record.alias or record.to_stage) for record in late) == [
        ("alias", "candidate"),
        ("alias", "champion"),
        ("stage", "Staging"),
    ]
    assert len({record.timestamp for record in late}) == 1


def test_a_late_smr_json_that_a_policy_refuses_changes_nothing(harness: Harness) -> None:
    harness.registry.create_registered_model(MODEL)
    harness.governance.set_promotion_policy(
        MODEL,
        PromotionPolicy.model_validate(
            {"rules": {"stage:Production": [{"type": "metric", "key": "auc", "op": ">=", "value": 0.95}]}}
        ),
    )
    manifest = {
        "description": "late",
        "tags": {"team": "growth"},
        "aliases": ["champion"],
        "stage": "Production",
        "model_metrics": {"auc": 0.9},
    }
    upload = _late_manifest(harness, "refused", manifest)

    assert upload is not None and "auc >= 0.95 (it is 0.9)" in (upload.reason or "")
    version = harness.registry.get_model_version(MODEL, 1)
    # Not half-applied: no description, tag, metric or alias from the refused smr.json.
    assert (version.description, version.tags, version.model_metrics, version.aliases) == (None, {}, [], [])
    assert version.current_stage.value == "None"


def test_smr_json_metrics_satisfy_a_promotion_policy(harness: Harness) -> None:
    harness.registry.create_registered_model(MODEL)
    harness.governance.set_promotion_policy(
        MODEL,
        PromotionPolicy.model_validate(
            {"rules": {"stage:Production": [{"type": "metric", "key": "auc", "op": ">=", "value": 0.9}]}}
        ),
    )
    etag = _folder(harness, "good", json.dumps({"model_metrics": {"auc": 0.92}}).encode())
    harness.service.register_from_event(BUCKET, f"incoming/{MODEL}/good/smr.json", etag)
    harness.drain_copies()
    # The policy reads the metric smr.json gave (it used to become a tag the policy never reads).
    promoted = harness.registry.transition_model_version_stage(MODEL, 1, "Production")
    assert promoted.status is VersionStatus.READY and promoted.current_stage.value == "Production"


def test_ten_uploads_of_one_model_at_once_give_ten_distinct_versions(harness: Harness) -> None:
    etags = {f"c{i}": _folder(harness, f"c{i}") for i in range(10)}
    results: dict[str, int | None] = {}
    errors: list[BaseException] = []

    def register(upload_id: str) -> None:
        try:
            upload = harness.service.register_from_event(
                BUCKET, f"incoming/{MODEL}/{upload_id}/smr.json", etags[upload_id]
            )
            results[upload_id] = upload.version if upload else None
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=register, args=(upload_id,)) for upload_id in etags]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    reasons = {u.upload_id: (u.state, u.reason) for u in harness.service.list_uploads(MODEL)}
    assert sorted(v for v in results.values() if v is not None) == list(range(1, 11)), reasons
    harness.drain_copies()
    model = harness.registry.get_registered_model(MODEL)
    for upload_id, number in results.items():
        assert number is not None
        uid_files = harness.read(f"models/{model.uid}/{number}/files/model.pkl")
        assert uid_files == b"weights-" + upload_id.encode()  # each version has its own upload's files


@pytest.mark.parametrize(
    ("manifest", "reason"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"stage": "Prod"}', "Invalid Model Version stage"),
        (b'{"aliases": ["latest"]}', "reserved"),
        (b'{"color": "blue"}', "color"),
        (b'{"tags": {"k": 1}}', "tags.k"),
    ],
)
def test_a_bad_manifest_leaves_no_version_and_a_readable_failure(
    harness: Harness, manifest: bytes, reason: str
) -> None:
    etag = _folder(harness, "bad", manifest)
    upload = harness.service.register_from_event(BUCKET, f"incoming/{MODEL}/bad/smr.json", etag)
    assert upload is not None and upload.state is UploadState.FAILED
    assert reason in (upload.reason or "")
    assert harness.store.get_model(MODEL) is None
    assert [u.upload_id for u in harness.service.list_uploads(MODEL)] == ["bad"]


def test_an_invalid_model_name_is_a_failure_record(harness: Harness) -> None:
    etag = _folder(harness, "u", name="..")
    upload = harness.service.register_from_event(BUCKET, "incoming/../u/smr.json", etag)
    assert upload is not None and upload.state is UploadState.FAILED and "resolve" in (upload.reason or "")


def test_an_event_for_a_gone_object_is_recorded_and_a_later_upload_still_registers(harness: Harness) -> None:
    key = f"incoming/{MODEL}/gone/smr.json"
    upload = harness.service.register_from_event(BUCKET, key, "0" * 32)
    assert upload is not None and upload.state is UploadState.FAILED and "gone" in (upload.reason or "")
    etag = _folder(harness, "gone")
    again = harness.service.register_from_event(BUCKET, key, etag)
    assert again is not None and again.version == 1


def test_an_event_for_an_overwritten_object_makes_no_version(harness: Harness) -> None:
    old = _folder(harness, "over", b'{"description": "old"}')
    new = harness.put(f"incoming/{MODEL}/over/smr.json", b'{"description": "new"}')
    assert harness.service.register_from_event(BUCKET, f"incoming/{MODEL}/over/smr.json", old) is None
    upload = harness.service.register_from_event(BUCKET, f"incoming/{MODEL}/over/smr.json", new)
    harness.drain_copies()
    assert upload is not None and harness.registry.get_model_version(MODEL, 1).description == "new"


def test_events_outside_incoming_or_for_other_files_are_ignored(harness: Harness) -> None:
    assert harness.service.register_from_event(BUCKET, f"incoming/{MODEL}/u/model.pkl", None) is None
    assert harness.service.register_from_event(BUCKET, "models/x/1/files/MLmodel", None) is None
    assert harness.service.register_from_event("other-bucket", f"incoming/{MODEL}/u/smr.json", None) is None


def test_the_local_server_queues_again_the_copies_its_restart_lost(harness: Harness) -> None:
    harness.registry.create_registered_model(MODEL)
    harness.put("run/m/MLmodel", b"x", SOURCE_BUCKET)
    harness.service.create_model_version(MODEL, f"s3://{SOURCE_BUCKET}/run/m")
    upload_id, parts = _upload(harness, {"MLmodel": b"m"})
    harness.service.complete_upload(MODEL, upload_id, parts, UploadManifest(aliases=["fresh"]))
    harness.sqs.purge_queue(QueueUrl=harness.queue_url)  # what a restart of `make run` does to queue messages

    dynamodb = boto3.client("dynamodb", region_name="us-east-1")

    def restored_items() -> list[dict[str, Any]]:  # what the local server's restore hands over
        return [
            item for page in dynamodb.get_paginator("scan").paginate(TableName=TABLE_NAME) for item in page["Items"]
        ]

    assert requeue_pending_copies(restored_items(), harness.sqs, harness.queue_url) == 2
    assert harness.drain_copies() == 2
    assert harness.registry.get_model_version(MODEL, 1).status is VersionStatus.READY
    assert harness.registry.get_model_version_by_alias(MODEL, "fresh").version == 2
    assert harness.service.get_upload(MODEL, upload_id).state is UploadState.REGISTERED
    assert requeue_pending_copies(restored_items(), harness.sqs, harness.queue_url) == 0


def test_an_s3_source_in_a_bucket_smr_was_not_granted_is_recorded_as_given(harness: Harness) -> None:
    """As MLflow records it: smr cannot read it, so it neither copies it nor waits for it."""
    harness.registry.create_registered_model(MODEL)
    version = harness.service.create_model_version(MODEL, "s3://somebody-elses-bucket/models/7")
    assert (version.status, version.source, version.download_uri) == (
        VersionStatus.READY,
        "s3://somebody-elses-bucket/models/7",
        "s3://somebody-elses-bucket/models/7",
    )
    assert "Messages" not in harness.sqs.receive_message(QueueUrl=harness.queue_url, WaitTimeSeconds=0)


def test_the_uploads_of_a_private_model_are_not_shown_to_a_principal_without_a_grant(harness: Harness) -> None:
    owner = Caller(principal="arn:aws:iam::1:user/owner")
    stranger = Caller(principal="arn:aws:iam::1:user/stranger")
    RegistryService(harness.store, owner).create_registered_model(MODEL)
    PermissionService(harness.store, owner).set_private(MODEL, True)
    etag = _folder(harness, "secret")
    harness.service.register_from_event(BUCKET, f"incoming/{MODEL}/secret/smr.json", etag)

    def uploads_as(caller: Caller) -> ArtifactService:
        registry = RegistryService(harness.store, caller)
        registration = RegistrationService(registry, harness.store, caller)
        return ArtifactService(registration, harness.store, caller, ArtifactObjects(harness.s3), BUCKET, None)

    assert [upload.upload_id for upload in uploads_as(owner).list_uploads(MODEL)] == ["secret"]
    # A principal that may not read the model is answered as for a model that does not exist.
    for attempt in (
        lambda: uploads_as(stranger).list_uploads(MODEL),
        lambda: uploads_as(stranger).get_upload(MODEL, "secret"),
        lambda: uploads_as(stranger).create_upload(MODEL, [FileEntry(path="model.pkl", size=1, sha256="0" * 64)], None),
    ):
        with pytest.raises(ResourceDoesNotExist, match=f"^Registered Model with name={MODEL} not found$"):
            attempt()
