"""Registry-owned artifacts: copy-in of s3:// sources, presigned uploads and downloads, auto-registration.

Every registration goes the same way, whatever started it (create-model-version with an s3:// source,
uploads/complete, or a folder landing under incoming/):

1. one transaction creates the version PENDING_REGISTRATION (and, for uploads, marks the upload record with it);
2. a message on the copy queue names the version; the copier (outside any API request) copies the files to
   models/<uid>/<version>/files/, hashes each copy (SHA-256, checked against what the uploader declared), writes
   manifest.json, and moves the version to READY, or to FAILED_REGISTRATION with the reason.

Each step is safe to repeat: destination keys are deterministic, the version and the upload record are created on
conditions that a replay fails, and the status moves out of PENDING_REGISTRATION only once.
"""

from __future__ import annotations

import contextlib
import logging
import posixpath
import time
import uuid
from collections.abc import Callable
from typing import Any

from registry_core.domain.artifacts import (
    MLMODEL_NAME,
    MODELS_PREFIX,
    TRIGGER_NAMES,
    UPLOAD_MANIFEST_NAME,
    FileEntry,
    Manifest,
    Upload,
    UploadManifest,
    UploadOrigin,
    UploadState,
    files_prefix,
    incoming_prefix,
    manifest_key,
    parse_incoming_key,
    parse_s3_uri,
    s3_uri,
    validate_relative_path,
    validate_upload_id,
)
from registry_core.domain.entities import Caller, ModelVersion, VersionStatus
from registry_core.domain.errors import (
    InvalidParameterValue,
    RegistryError,
    ResourceAlreadyExists,
    ResourceDoesNotExist,
)
from registry_core.domain.limits import MAX_FILES_PER_UPLOAD, MAX_LISTED_UPLOADS
from registry_core.domain.permissions import PermissionLevel, authorize
from registry_core.domain.validation import validate_model_name
from registry_core.service.registration import VersionRegistration, validate_requested
from registry_core.store.base import ConcurrentModification, RegistryStore
from registry_core.store.objects import ArtifactObjects, ObjectMissing, part_size_for
from registry_core.store.queues import CopyQueue

LOGGER = logging.getLogger("smr.artifacts")

DEFAULT_MULTIPART_THRESHOLD = 100 * 1024 * 1024
DEFAULT_PART_SIZE = 64 * 1024 * 1024


def _now_ms() -> int:
    return int(time.time() * 1000)


class ArtifactService:
    def __init__(
        self,
        registry: VersionRegistration,
        store: RegistryStore,
        caller: Caller,
        objects: ArtifactObjects,
        bucket: str,
        copy_queue: CopyQueue | None,
        url_expiry_s: int = 3600,
        clock: Callable[[], int] = _now_ms,
        copy_from_buckets: frozenset[str] = frozenset(),
    ) -> None:
        self._registry = registry
        self._caller = caller
        # smr copies in only what it can read: its own bucket, and buckets the operator granted it (config).
        self._copy_from_buckets = copy_from_buckets | {bucket}
        self._store = store
        self._objects = objects
        self._bucket = bucket
        self._copy_queue = copy_queue
        self._url_expiry_s = url_expiry_s
        self._clock = clock

    # -- create-model-version ------------------------------------------------------------------------------

    def owns(self, uri: str) -> bool:
        location = parse_s3_uri(uri)
        return location is not None and location[0] == self._bucket and location[1].startswith(MODELS_PREFIX)

    def create_model_version(self, name: str, source: str, **fields: Any) -> ModelVersion:
        """MLflow's create-model-version: an s3:// source is copied into the new version's own prefix.

        Also a source under models/ (another version's files): versions never share files, so that deleting one
        can never take files from another. Any other source (runs:/, models:/, file:, an s3:// URI in a bucket smr
        has not been granted) is recorded as given, READY, as MLflow records it.
        """
        location = parse_s3_uri(source)
        if location is None or self._copy_queue is None or location[0] not in self._copy_from_buckets:
            return self._registry.create_model_version(name, source, **fields)
        version = self._registry.create_model_version(name, source, status=VersionStatus.PENDING_REGISTRATION, **fields)
        self._queue_copy(version.name, version.version, source, upload_id=None)
        return version

    def _queue_copy(self, name: str, version: int, source: str, upload_id: str | None) -> None:
        assert self._copy_queue is not None
        try:
            self._copy_queue.send({"name": name, "version": version, "source": source, "upload_id": upload_id})
        except Exception as error:
            # Without the message the version would wait forever: settle it now, with the reason.
            LOGGER.exception("could not queue the copy of %s version %s", name, version)
            self._registry.finish_registration(
                name, version, VersionStatus.FAILED_REGISTRATION, f"Could not queue the copy of {source}: {error}"
            )
            raise

    # -- the copier ----------------------------------------------------------------------------------------

    def copy_version(self, name: str, version: int, source: str, upload_id: str | None = None) -> ModelVersion | None:
        """Copy a PENDING_REGISTRATION version's files in, then settle its status. Safe to repeat.

        Problems with the source (missing, unreadable, wrong checksum) settle the version as FAILED_REGISTRATION;
        anything else (throttling, a timeout) raises, so that the queue delivers the message again.
        """
        try:
            current = self._registry.get_model_version(name, version)
        except ResourceDoesNotExist:
            LOGGER.warning("copy of %s version %s skipped: the version no longer exists", name, version)
            return None
        upload = self._store.get_upload(name, upload_id) if upload_id else None
        if current.status is not VersionStatus.PENDING_REGISTRATION:
            self._settle_upload(upload, current)
            return current
        model = self._registry.get_registered_model(name)
        try:
            manifest = self._copy_files(source, model.uid, version, upload)
        except (ObjectMissing, _CopyRejected) as problem:
            LOGGER.warning("registration of %s version %s failed: %s", name, version, problem)
            settled = self._registry.finish_registration(
                name, version, VersionStatus.FAILED_REGISTRATION, f"Copying {source} failed: {problem}"
            )
            self._settle_upload(upload, settled)
            return settled
        self._objects.put_json(self._bucket, manifest_key(model.uid, version), manifest.model_dump(mode="json"))
        requested = upload.requested if upload is not None else UploadManifest()
        settled = self._registry.finish_registration(
            name,
            version,
            VersionStatus.READY,
            storage_location=s3_uri(self._bucket, files_prefix(model.uid, version).rstrip("/")),
            aliases=requested.aliases,
            stage=requested.stage,
        )
        self._settle_upload(upload, settled)
        LOGGER.info("registered %s version %s from %s (%d files)", name, version, source, len(manifest.files))
        return settled

    def _copy_files(self, source: str, model_uid: str, version: int, upload: Upload | None) -> Manifest:
        location = parse_s3_uri(source)
        if location is None:
            raise _CopyRejected("not an s3:// URI")
        bucket, key = location
        sources = self._source_objects(bucket, key)
        if upload is not None and upload.origin is UploadOrigin.S3_EVENT:
            # smr.json is the upload's instructions to the registry, not part of the model.
            sources = {path: k for path, k in sources.items() if path != UPLOAD_MANIFEST_NAME}
        declared = {entry.path: entry for entry in upload.files} if upload is not None else {}
        if declared:
            missing = sorted(set(declared) - set(sources))
            if missing:
                raise _CopyRejected(f"declared files were not uploaded: {', '.join(missing[:10])}")
            sources = {path: sources[path] for path in declared}
        if not sources:
            raise _CopyRejected("there are no objects at the source")
        destination = files_prefix(model_uid, version)
        entries = []
        for path, source_key in sorted(sources.items()):
            self._objects.copy(bucket, source_key, self._bucket, destination + path)
            digest, size = self._objects.sha256(self._bucket, destination + path)
            expected = declared.get(path)
            if expected is not None and (expected.sha256 != digest or expected.size != size):
                raise _CopyRejected(
                    f"checksum mismatch for {path}: declared sha256 {expected.sha256} ({expected.size} bytes),"
                    f" got {digest} ({size} bytes)"
                )
            entries.append(FileEntry(path=path, size=size, sha256=digest))
        return Manifest(files=entries)

    def _source_objects(self, bucket: str, key: str) -> dict[str, str]:
        """Relative path -> key of what a source URI names: a prefix (a folder), or else one object."""
        prefix = key.rstrip("/") + "/" if key else ""
        listed = self._objects.list_objects(bucket, prefix)
        if listed:
            return {item.key.removeprefix(prefix): item.key for item in listed if not item.key.endswith("/")}
        if key and not key.endswith("/"):
            self._objects.head(bucket, key)
            return {posixpath.basename(key): key}
        return {}

    def _settle_upload(self, upload: Upload | None, version: ModelVersion) -> None:
        if upload is None or upload.state in (UploadState.REGISTERED, UploadState.FAILED):
            return
        state = UploadState.REGISTERED if version.status is VersionStatus.READY else UploadState.FAILED
        settled = upload.model_copy(
            update={
                "state": state,
                "reason": version.status_message,
                "rev": upload.rev + 1,
                "last_updated_timestamp": self._clock(),
            }
        )
        try:
            self._registry.commit_upload(settled, upload.rev)
        except ConcurrentModification:
            LOGGER.info("upload %s of %s was settled by another delivery", upload.upload_id, upload.name)

    # -- presigned uploads ---------------------------------------------------------------------------------

    def _check_model_access(self, name: str, needed: PermissionLevel) -> None:
        """Uploads of an existing model need `needed` on it; an upload may come before its model exists."""
        model = self._store.get_model(name)
        if model is not None and model.visible:
            authorize(model, self._caller, needed)

    def create_upload(self, name: str, files: list[FileEntry], multipart_threshold: int | None) -> dict[str, Any]:
        validate_model_name(name)
        self._check_model_access(name, PermissionLevel.EDIT)
        if not files:
            raise InvalidParameterValue("An upload needs at least one file.")
        if len(files) > MAX_FILES_PER_UPLOAD:
            raise InvalidParameterValue(f"An upload may hold at most {MAX_FILES_PER_UPLOAD} files.")
        paths = [validate_relative_path(entry.path) for entry in files]
        if len(set(paths)) != len(paths):
            raise InvalidParameterValue("Each file of an upload must have its own path.")
        threshold = multipart_threshold or DEFAULT_MULTIPART_THRESHOLD
        upload_id = uuid.uuid4().hex
        prefix = incoming_prefix(name, upload_id)
        now = self._clock()
        answers: list[dict[str, Any]] = []
        multipart: dict[str, str] = {}
        for entry in files:
            key = prefix + entry.path
            if entry.size > threshold:
                part_size = part_size_for(entry.size, min(threshold, DEFAULT_PART_SIZE))
                multipart_id = self._objects.start_multipart(self._bucket, key)
                multipart[entry.path] = multipart_id
                count = max(1, -(-entry.size // part_size))
                answers.append(
                    {
                        "path": entry.path,
                        "multipart_upload_id": multipart_id,
                        "part_size": part_size,
                        "part_urls": [
                            self._objects.presign_part(self._bucket, key, multipart_id, number, self._url_expiry_s)
                            for number in range(1, count + 1)
                        ],
                    }
                )
            else:
                answers.append(
                    {"path": entry.path, "url": self._objects.presign_put(self._bucket, key, self._url_expiry_s)}
                )
        record = Upload(
            name=name,
            upload_id=upload_id,
            origin=UploadOrigin.PRESIGNED,
            state=UploadState.OPEN,
            created_timestamp=now,
            last_updated_timestamp=now,
            files=list(files),
            multipart=multipart,
        )
        self._registry.commit_upload(record, None)
        return {"upload_id": upload_id, "files": answers, "expires_at": now + self._url_expiry_s * 1000}

    def complete_upload(
        self, name: str, upload_id: str, parts: dict[str, list[str]], requested: UploadManifest
    ) -> ModelVersion:
        validate_model_name(name)
        validate_upload_id(upload_id)
        upload = self._store.get_upload(name, upload_id)
        if upload is None or upload.origin is not UploadOrigin.PRESIGNED:
            raise ResourceDoesNotExist(f"Upload {upload_id} of registered model {name} not found.")
        prefix = incoming_prefix(name, upload_id)
        if upload.version is not None:
            # A retried complete: the same version (queued again if still pending, in case the first died).
            return self._register(upload, s3_uri(self._bucket, prefix.rstrip("/")))
        if upload.state is UploadState.FAILED:
            raise InvalidParameterValue(f"Upload {upload_id} failed: {upload.reason}")
        validate_requested(requested)
        for path, multipart_id in upload.multipart.items():
            if path not in parts:
                raise InvalidParameterValue(f"Missing the part ETags of {path!r} (uploaded in parts).")
            self._objects.complete_multipart(self._bucket, prefix + path, multipart_id, parts[path])
        for entry in upload.files:
            try:
                found = self._objects.head(self._bucket, prefix + entry.path)
            except ObjectMissing:
                raise InvalidParameterValue(f"File {entry.path!r} of upload {upload_id} was not uploaded.") from None
            if found.size != entry.size:
                raise InvalidParameterValue(
                    f"File {entry.path!r} of upload {upload_id} has {found.size} bytes; {entry.size} were declared."
                )
        upload.requested = requested
        return self._register(upload, s3_uri(self._bucket, prefix.rstrip("/")))

    def _register(self, upload: Upload, source: str) -> ModelVersion:
        """Steps 1 and 2 of the module's docstring, for an upload (the model is created if need be)."""
        with contextlib.suppress(ResourceAlreadyExists):
            self._registry.create_registered_model(upload.name)
        version, created = self._registry.register_upload_version(upload, source)
        if version.status is VersionStatus.PENDING_REGISTRATION:
            # Also for a replay: if the first delivery died before queueing, this is the message that counts.
            if self._copy_queue is None:
                self.copy_version(upload.name, version.version, source, upload.upload_id)
                return self._registry.get_model_version(upload.name, version.version)
            self._queue_copy(upload.name, version.version, source, upload.upload_id)
        if not created:
            LOGGER.info("upload %s of %s already registered version %s", upload.upload_id, upload.name, version.version)
        return version

    # -- auto-registration from S3 events ------------------------------------------------------------------

    def register_from_event(self, bucket: str, key: str, etag: str | None) -> Upload | None:
        """Register the folder an object under incoming/ completes; returns the upload record, or None if ignored."""
        parsed = parse_incoming_key(key)
        if bucket != self._bucket or parsed is None or parsed[2] not in TRIGGER_NAMES:
            LOGGER.info("s3://%s/%s is not an upload trigger; ignored", bucket, key)
            return None
        name, upload_id, trigger = parsed
        existing = self._store.get_upload(name, upload_id)
        if existing is not None:
            if existing.origin is UploadOrigin.PRESIGNED:
                LOGGER.info("upload %s of %s is presigned; uploads/complete registers it", upload_id, name)
                return existing
            if existing.version is not None:
                if trigger == UPLOAD_MANIFEST_NAME and (existing.trigger_key or "").endswith("/" + MLMODEL_NAME):
                    return self._apply_late_manifest(existing, bucket, key, etag)
                # A redelivery: make sure the copy was queued (the first delivery may have died before it).
                version = self._register(existing, s3_uri(bucket, incoming_prefix(name, upload_id).rstrip("/")))
                LOGGER.info("duplicate event for %s: upload %s is version %s", key, upload_id, version.version)
                return self._store.get_upload(name, upload_id)
            if existing.state is UploadState.FAILED and existing.trigger_etag == etag and existing.trigger_key == key:
                LOGGER.info("duplicate event for %s: the upload already failed (%s)", key, existing.reason)
                return existing
        now = self._clock()
        upload = Upload(
            name=name,
            upload_id=upload_id,
            origin=UploadOrigin.S3_EVENT,
            state=UploadState.OPEN,
            created_timestamp=existing.created_timestamp if existing else now,
            last_updated_timestamp=now,
            rev=existing.rev if existing else 0,
            trigger_key=key,
            trigger_etag=etag,
        )
        expected_rev = existing.rev if existing else None
        try:
            validate_model_name(name)
            validate_upload_id(upload_id)
            found = self._objects.head(bucket, key)
            if etag is not None and found.etag != etag:
                # Overwritten since the event: the newer object's own event will come (or came) and count.
                LOGGER.warning(
                    "s3://%s/%s changed since its event (ETag %s, now %s); skipped", bucket, key, etag, found.etag
                )
                return existing
            prefix = incoming_prefix(name, upload_id)
            if trigger == MLMODEL_NAME:
                try:
                    self._objects.head(bucket, prefix + UPLOAD_MANIFEST_NAME)
                    LOGGER.info("%s has an %s; its event registers the folder", prefix, UPLOAD_MANIFEST_NAME)
                    return existing
                except ObjectMissing:
                    pass
            else:
                upload.requested = UploadManifest.parse(self._objects.read(bucket, key))
            validate_requested(upload.requested)
        except ObjectMissing as error:
            return self._record_failure(upload, expected_rev, f"The object that completes the upload is gone: {error}")
        except RegistryError as error:
            return self._record_failure(upload, expected_rev, error.message)
        try:
            self._register(upload, s3_uri(bucket, incoming_prefix(name, upload_id).rstrip("/")))
        except RegistryError as error:
            if isinstance(error, InvalidParameterValue | ResourceDoesNotExist):
                return self._record_failure(upload, expected_rev, error.message)
            raise
        return self._store.get_upload(name, upload_id)

    def _apply_late_manifest(self, upload: Upload, bucket: str, key: str, etag: str | None) -> Upload | None:
        """smr.json written after the folder's MLmodel already registered it: its metadata goes to that version.

        All of it in one change (registration.apply_upload_metadata), or, when any of it is refused, none of it,
        with the reason in the upload record.
        """
        assert upload.version is not None
        requested = upload.requested
        try:
            requested = UploadManifest.parse(self._objects.read(bucket, key))
            self._registry.apply_upload_metadata(upload.name, upload.version, requested)
            reason = None
        except (ObjectMissing, RegistryError) as error:
            reason = f"{UPLOAD_MANIFEST_NAME} arrived after {MLMODEL_NAME} registered version {upload.version}"
            reason += f" and was not applied: {getattr(error, 'message', error)}"
            LOGGER.warning("upload %s of %s: %s", upload.upload_id, upload.name, reason)
        updated = upload.model_copy(
            update={
                "trigger_key": key,
                "trigger_etag": etag,
                "reason": reason,
                "requested": requested if reason is None else upload.requested,
                "rev": upload.rev + 1,
                "last_updated_timestamp": self._clock(),
            }
        )
        try:
            self._registry.commit_upload(updated, upload.rev)
        except ConcurrentModification:
            LOGGER.info("upload %s of %s changed meanwhile", upload.upload_id, upload.name)
        return self._store.get_upload(upload.name, upload.upload_id)

    def _record_failure(self, upload: Upload, expected_rev: int | None, reason: str) -> Upload | None:
        LOGGER.warning("upload %s of %s failed: %s", upload.upload_id, upload.name, reason)
        failed = upload.model_copy(
            update={
                "state": UploadState.FAILED,
                "reason": reason,
                "rev": (expected_rev + 1) if expected_rev is not None else 0,
                "last_updated_timestamp": self._clock(),
            }
        )
        try:
            self._registry.commit_upload(failed, expected_rev)
        except ConcurrentModification:
            LOGGER.info("upload %s of %s changed meanwhile; its record stands", upload.upload_id, upload.name)
        return self._store.get_upload(upload.name, upload.upload_id)

    # -- reads ---------------------------------------------------------------------------------------------

    def get_upload(self, name: str, upload_id: str) -> Upload:
        self._check_model_access(name, PermissionLevel.READ)
        upload = self._store.get_upload(name, upload_id)
        if upload is None:
            raise ResourceDoesNotExist(f"Upload {upload_id} of registered model {name} not found.")
        return upload

    def list_uploads(self, name: str, max_results: int = MAX_LISTED_UPLOADS) -> list[Upload]:
        self._check_model_access(name, PermissionLevel.READ)
        return self._store.list_uploads(name, max(1, min(max_results, MAX_LISTED_UPLOADS)))

    def download_urls(self, name: str, version: str | int) -> dict[str, Any]:
        found = self._registry.get_model_version(name, version)
        location = parse_s3_uri(found.storage_location or "")
        if found.status is not VersionStatus.READY or location is None or not self.owns(found.storage_location or ""):
            raise InvalidParameterValue(
                f"Model version {name} {found.version} has no registry-held files (status {found.status},"
                f" source {found.source}); use its source instead."
            )
        model = self._registry.get_registered_model(name)
        manifest = Manifest.model_validate_json(
            self._objects.read(self._bucket, manifest_key(model.uid, found.version))
        )
        prefix = files_prefix(model.uid, found.version)
        now = self._clock()
        return {
            "files": [
                {
                    **entry.model_dump(mode="json"),
                    "url": self._objects.presign_get(self._bucket, prefix + entry.path, self._url_expiry_s),
                }
                for entry in manifest.files
            ],
            "expires_at": now + self._url_expiry_s * 1000,
        }


class _CopyRejected(Exception):
    """The source cannot become this version's files (a problem with the source, not a transient one)."""
