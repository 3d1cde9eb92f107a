"""Registry-owned artifacts and uploads: where files live, the manifest beside them, and the upload record.

Layout (docs/design.md, "Extension API and artifacts contract"; docs/artifacts.md):
    models/<model uid>/<version>/files/<path>     a version's files, never shared with another version
    models/<model uid>/<version>/manifest.json    {"format": 1, "files": [{"path", "size", "sha256"}]}
    incoming/<model name>/<upload id>/<path>      uploads, copied into models/ when registered
"""

from __future__ import annotations

import posixpath
import re
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError

from registry_core.domain.errors import InvalidParameterValue
from registry_core.domain.limits import MAX_UPLOAD_ID_LENGTH

MODELS_PREFIX = "models/"
INCOMING_PREFIX = "incoming/"
MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = 1
# The files whose arrival marks an upload under incoming/ as complete.
UPLOAD_MANIFEST_NAME = "smr.json"
MLMODEL_NAME = "MLmodel"
TRIGGER_NAMES = (UPLOAD_MANIFEST_NAME, MLMODEL_NAME)
# Any folder name a user may pick (spaces included), but one path segment, printable, and not "." or "..".
_UPLOAD_ID = re.compile(r"^[^/\x00-\x1f\x7f]+$")


def version_prefix(model_uid: str, version: int) -> str:
    return f"{MODELS_PREFIX}{model_uid}/{version}/"


def files_prefix(model_uid: str, version: int) -> str:
    return f"{version_prefix(model_uid, version)}files/"


def manifest_key(model_uid: str, version: int) -> str:
    return f"{version_prefix(model_uid, version)}{MANIFEST_NAME}"


def incoming_prefix(name: str, upload_id: str) -> str:
    return f"{INCOMING_PREFIX}{name}/{upload_id}/"


def s3_uri(bucket: str, key: str) -> str:
    return f"s3://{bucket}/{key}"


def parse_s3_uri(uri: str) -> tuple[str, str] | None:
    """(bucket, key) of an s3:// URI, or None for any other scheme (runs:/, models:/, file:, ...)."""
    if not uri.startswith("s3://"):
        return None
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return (bucket, key) if bucket else None


def validate_upload_id(upload_id: str) -> str:
    if len(upload_id) > MAX_UPLOAD_ID_LENGTH or not _UPLOAD_ID.match(upload_id) or upload_id in (".", ".."):
        raise InvalidParameterValue(
            f"Invalid upload id {upload_id!r}: one folder name of 1 to {MAX_UPLOAD_ID_LENGTH} printable characters."
        )
    return upload_id


def validate_relative_path(path: str) -> str:
    """A file's path inside an upload: relative, normalized, no '..'; it becomes part of an S3 key."""
    if not path or path.startswith("/") or posixpath.normpath(path) != path or path.split("/", maxsplit=1)[0] == "..":
        raise InvalidParameterValue(f"Invalid file path {path!r}: it must be a normalized relative path.")
    return path


def parse_incoming_key(key: str) -> tuple[str, str, str] | None:
    """(model name, upload id, path inside the upload) of a key under incoming/, or None."""
    if not key.startswith(INCOMING_PREFIX):
        return None
    parts = key.removeprefix(INCOMING_PREFIX).split("/", 2)
    if len(parts) != 3 or not all(parts):
        return None
    return parts[0], parts[1], parts[2]


class FileEntry(BaseModel):
    path: StrictStr
    size: int = Field(ge=0)
    sha256: StrictStr = Field(pattern=r"^[0-9a-f]{64}$")


class Manifest(BaseModel):
    """manifest.json beside a version's files/."""

    format: int = MANIFEST_FORMAT
    files: list[FileEntry]


class UploadManifest(BaseModel):
    """smr.json: everything optional; what it asks for is applied to the version it registers."""

    model_config = ConfigDict(extra="forbid")

    description: StrictStr | None = None
    tags: dict[StrictStr, StrictStr] = Field(default_factory=dict)
    run_id: StrictStr | None = None
    aliases: list[StrictStr] = Field(default_factory=list)
    stage: StrictStr | None = None
    model_metrics: dict[StrictStr, float] = Field(default_factory=dict)
    model_params: dict[StrictStr, StrictStr] = Field(default_factory=dict)

    @classmethod
    def parse(cls, raw: bytes) -> UploadManifest:
        import json

        try:
            document: Any = json.loads(raw.decode("utf-8")) if raw.strip() else {}
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise InvalidParameterValue(f"{UPLOAD_MANIFEST_NAME} is not valid JSON: {error}") from None
        if not isinstance(document, dict):
            raise InvalidParameterValue(f"{UPLOAD_MANIFEST_NAME} must be a JSON object.")
        try:
            return cls.model_validate(document)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "document"
            raise InvalidParameterValue(f"{UPLOAD_MANIFEST_NAME}: field '{where}': {first['msg']}") from None


class UploadOrigin(StrEnum):
    PRESIGNED = "PRESIGNED"  # uploads/create + uploads/complete
    S3_EVENT = "S3_EVENT"  # a folder written straight to incoming/


class UploadState(StrEnum):
    OPEN = "OPEN"  # presigned URLs handed out, waiting for uploads/complete
    REGISTERING = "REGISTERING"  # the version exists (PENDING_REGISTRATION); files are being copied
    REGISTERED = "REGISTERED"
    FAILED = "FAILED"


class Upload(BaseModel):
    """One upload folder incoming/<name>/<upload_id>/: registers at most one version, ever."""

    name: str
    upload_id: str
    origin: UploadOrigin
    state: UploadState
    created_timestamp: int
    last_updated_timestamp: int
    # Optimistic concurrency, as for models: every change is conditioned on the revision read.
    rev: int = 0
    version: int | None = None
    reason: str | None = None
    # What the client declared (presigned uploads); checked against the copies.
    files: list[FileEntry] = Field(default_factory=list)
    # path -> S3 multipart upload id, for the files sent in parts.
    multipart: dict[str, str] = Field(default_factory=dict)
    # The object that completed the upload (S3 events): key and ETag.
    trigger_key: str | None = None
    trigger_etag: str | None = None
    requested: UploadManifest = Field(default_factory=UploadManifest)
