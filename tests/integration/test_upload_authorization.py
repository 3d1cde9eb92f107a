"""Who may upload, complete, read uploads, and what a folder dropped under incoming/ may do (moto)."""

from __future__ import annotations

import pytest

from registry_core.domain.artifacts import FileEntry, UploadManifest, UploadState
from registry_core.domain.entities import Caller
from registry_core.domain.errors import PermissionDenied, ResourceDoesNotExist
from registry_core.service.artifacts import ArtifactService
from registry_core.service.permissions import PermissionService

from .test_artifacts import BUCKET, MODEL, UPLOADER, Harness, _folder, _upload, harness, sha

__all__ = ["harness"]

AUTO = Caller(principal="arn:aws:iam::123456789012:role/smr-auto-registration")
STRANGER = Caller(principal="arn:aws:iam::123456789012:user/stranger")
READER = Caller(principal="arn:aws:iam::123456789012:user/reader")


def _missing_model_error(service: ArtifactService) -> str:
    with pytest.raises(ResourceDoesNotExist) as missing:
        service.list_uploads("no-such-model")
    return missing.value.message.replace("no-such-model", MODEL)


def test_a_drop_under_a_private_model_adds_no_version_and_fails_with_a_reason(harness: Harness) -> None:
    harness.registry.create_registered_model(MODEL)
    harness.permissions.set_private(MODEL, True)
    etag = _folder(harness, "drop")
    upload = harness.acting_as(AUTO).register_from_event(BUCKET, f"incoming/{MODEL}/drop/smr.json", etag)
    assert upload is not None and upload.state is UploadState.FAILED and upload.version is None
    assert upload.reason is not None and f"acting as {AUTO.principal}" in upload.reason
    model = harness.registry.get_registered_model(MODEL)
    assert model.next_version == 1 and model.stages == {}
    assert [u.upload_id for u in harness.service.list_uploads(MODEL)] == ["drop"]  # the owner sees why


def test_a_drop_into_a_public_model_needs_edit_for_the_auto_registration_principal(harness: Harness) -> None:
    harness.registry.create_registered_model(MODEL)
    auto = harness.acting_as(AUTO)
    refused = auto.register_from_event(BUCKET, f"incoming/{MODEL}/first/smr.json", _folder(harness, "first"))
    assert refused is not None and refused.state is UploadState.FAILED
    assert refused.reason is not None and "needs EDIT" in refused.reason
    harness.permissions.set_permission(MODEL, AUTO.principal, "EDIT")
    upload = auto.register_from_event(BUCKET, f"incoming/{MODEL}/second/smr.json", _folder(harness, "second"))
    assert upload is not None and upload.version == 1
    harness.drain_copies()
    assert harness.registry.get_model_version(MODEL, 1).user_id == AUTO.principal


def test_a_model_made_by_a_drop_is_owned_by_the_auto_registration_principal(harness: Harness) -> None:
    auto = harness.acting_as(AUTO)
    upload = auto.register_from_event(BUCKET, "incoming/fresh/u1/smr.json", _folder(harness, "u1", name="fresh"))
    assert upload is not None and upload.version == 1
    stranger = PermissionService(harness.store, STRANGER)
    assert stranger.get_permissions("fresh").permissions == {AUTO.principal: "MANAGE"}
    for take_over in (
        lambda: stranger.set_permission("fresh", STRANGER.principal, "MANAGE"),
        lambda: stranger.set_private("fresh", True),
    ):
        with pytest.raises(PermissionDenied):
            take_over()


def test_uploads_of_a_private_model_answer_as_a_missing_model(harness: Harness) -> None:
    upload_id, parts = _upload(harness, {"MLmodel": b"m"})
    harness.service.complete_upload(MODEL, upload_id, parts, UploadManifest())
    harness.drain_copies()
    harness.permissions.set_private(MODEL, True)
    stranger = harness.acting_as(STRANGER)
    expected = _missing_model_error(stranger)
    attempts = {
        "get": lambda: stranger.get_upload(MODEL, upload_id),
        "get another": lambda: stranger.get_upload(MODEL, "no-such-upload"),
        "list": lambda: stranger.list_uploads(MODEL),
        "create": lambda: stranger.create_upload(MODEL, [FileEntry(path="a", size=1, sha256=sha(b"a"))], None),
        "complete": lambda: stranger.complete_upload(MODEL, upload_id, parts, UploadManifest()),
        "download urls": lambda: stranger.download_urls(MODEL, 1),
    }
    for name, attempt in attempts.items():
        with pytest.raises(ResourceDoesNotExist) as hidden:
            attempt()
        assert hidden.value.message == expected, name
    assert harness.service.get_upload(MODEL, upload_id).state is UploadState.REGISTERED


def test_a_reader_may_read_uploads_but_not_upload(harness: Harness) -> None:
    harness.registry.create_registered_model(MODEL)
    harness.permissions.set_permission(MODEL, READER.principal, "READ")
    reader = harness.acting_as(READER)
    assert reader.list_uploads(MODEL) == []
    with pytest.raises(PermissionDenied):
        reader.create_upload(MODEL, [FileEntry(path="a", size=1, sha256=sha(b"a"))], None)


def test_an_upload_for_a_model_not_created_yet_is_its_creators(harness: Harness) -> None:
    upload_id, parts = _upload(harness, {"MLmodel": b"m"})
    stranger = harness.acting_as(STRANGER)
    expected = _missing_model_error(stranger)
    for attempt in (
        lambda: stranger.get_upload(MODEL, upload_id),
        lambda: stranger.list_uploads(MODEL),
        lambda: stranger.complete_upload(MODEL, upload_id, parts, UploadManifest()),
    ):
        with pytest.raises(ResourceDoesNotExist) as hidden:
            attempt()
        assert hidden.value.message == expected
    assert harness.service.get_upload(MODEL, upload_id).state is UploadState.OPEN
    version = harness.service.complete_upload(MODEL, upload_id, parts, UploadManifest())
    assert version.user_id == UPLOADER.principal
    assert harness.permissions.get_permissions(MODEL).permissions == {UPLOADER.principal: "MANAGE"}


def test_a_failed_drop_for_a_name_no_model_has_is_readable_by_anyone(harness: Harness) -> None:
    # Whoever could write to incoming/ must be able to learn why the folder did not register; no model is involved.
    etag = _folder(harness, "bad", b'{"stage": "Prod"}', name="never-made")
    harness.acting_as(AUTO).register_from_event(BUCKET, "incoming/never-made/bad/smr.json", etag)
    upload = harness.acting_as(STRANGER).get_upload("never-made", "bad")
    assert upload.state is UploadState.FAILED and upload.reason is not None and "Prod" in upload.reason
    assert [u.upload_id for u in harness.acting_as(STRANGER).list_uploads("never-made")] == ["bad"]
