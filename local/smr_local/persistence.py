"""Keeps the embedded table and bucket in a folder, so that stopping the local server loses nothing.

Layout of the data directory (every file is written to a temporary name, then renamed over the old one):

    dynamodb.json        {"format": 1, "items": [...]}  every item of the table, in DynamoDB's typed JSON
                         (binary values base64-encoded)
    s3/manifest.json     {"format": 1, "objects": [...]} the latest version of every key: key, content type,
                         user metadata, the version id it was read from, and the blob holding its bytes
    s3/blobs/<etag>-<size>  object bytes, named by content (ETag and size), written once, removed when unused

A save reads the table and the bucket's listing inside one exclusive hold of the AWS lock, so it is a consistent
snapshot (no registry write lands half in it). Object bytes are fetched after the lock is released, by version id:
a version never changes, and only new ones are downloaded. Old object versions and delete markers are not kept.

Saves happen every `interval` seconds when a request may have changed something, and once more on shutdown.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from smr_local.aws import EmbeddedAws

LOGGER = logging.getLogger(__name__)

FORMAT_VERSION = 1
DEFAULT_AUTOSAVE_INTERVAL_S = 2.0
_BATCH_WRITE_LIMIT = 25  # DynamoDB's BatchWriteItem limit
_OBJECT_HEADERS = ("ContentType", "ContentEncoding", "ContentDisposition", "ContentLanguage", "CacheControl")


def _encode_binary(value: Any) -> Any:
    """A typed attribute value from the low-level client, with bytes made JSON-safe (base64)."""
    ((kind, inner),) = value.items()
    if kind == "B":
        return {"B": base64.b64encode(inner).decode("ascii")}
    if kind == "BS":
        return {"BS": [base64.b64encode(item).decode("ascii") for item in inner]}
    if kind == "M":
        return {"M": {name: _encode_binary(item) for name, item in inner.items()}}
    if kind == "L":
        return {"L": [_encode_binary(item) for item in inner]}
    return value


def _decode_binary(value: Any) -> Any:
    ((kind, inner),) = value.items()
    if kind == "B":
        return {"B": base64.b64decode(inner)}
    if kind == "BS":
        return {"BS": [base64.b64decode(item) for item in inner]}
    if kind == "M":
        return {"M": {name: _decode_binary(item) for name, item in inner.items()}}
    if kind == "L":
        return {"L": [_decode_binary(item) for item in inner]}
    return value


def write_atomically(path: Path, data: bytes) -> None:
    """Replace path with data; a crash leaves either the old file or the new one, never a torn one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _blob_name(etag: str, size: int) -> str:
    return f"{re.sub(r'[^0-9A-Za-z-]', '', etag)}-{size}"


@dataclass(frozen=True)
class RestoreSummary:
    items: int
    objects: int


class Persistence:
    """Saves the embedded table and bucket to data_dir, and restores them from it."""

    def __init__(
        self,
        data_dir: Path,
        aws: EmbeddedAws,
        table_name: str,
        bucket_name: str,
        interval_s: float = DEFAULT_AUTOSAVE_INTERVAL_S,
    ) -> None:
        self.data_dir = data_dir
        self._aws = aws
        self._table_name = table_name
        self._bucket_name = bucket_name
        self._interval_s = interval_s
        self._saved_generation: int | None = None
        self._save_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def _table_file(self) -> Path:
        return self.data_dir / "dynamodb.json"

    @property
    def _manifest_file(self) -> Path:
        return self.data_dir / "s3" / "manifest.json"

    @property
    def _blobs_dir(self) -> Path:
        return self.data_dir / "s3" / "blobs"

    # --- restore -------------------------------------------------------------------------------------------

    def restore(self) -> RestoreSummary:
        """Put back what the last save kept (the table and bucket must exist and be empty)."""
        items = self._restore_items()
        objects = self._restore_objects()
        # What is in the data directory is now what is in the backend.
        self._saved_generation = self._aws.app.generation
        return RestoreSummary(items=items, objects=objects)

    def _restore_items(self) -> int:
        if not self._table_file.exists():
            return 0
        items = [
            {name: _decode_binary(value) for name, value in item.items()}
            for item in json.loads(self._table_file.read_text(encoding="utf-8"))["items"]
        ]
        client = self._aws.client("dynamodb")
        for start in range(0, len(items), _BATCH_WRITE_LIMIT):
            requests: Any = {
                self._table_name: [{"PutRequest": {"Item": item}} for item in items[start : start + _BATCH_WRITE_LIMIT]]
            }
            while requests:
                requests = client.batch_write_item(RequestItems=requests).get("UnprocessedItems")
        return len(items)

    def _restore_objects(self) -> int:
        if not self._manifest_file.exists():
            return 0
        entries = json.loads(self._manifest_file.read_text(encoding="utf-8"))["objects"]
        client = self._aws.client("s3")
        restored = 0
        for entry in entries:
            blob = self._blobs_dir / entry["blob"]
            if not blob.exists():
                LOGGER.warning("s3://%s/%s: its saved bytes are missing; skipped", self._bucket_name, entry["key"])
                continue
            headers = {name: entry[name] for name in _OBJECT_HEADERS if entry.get(name)}
            client.put_object(
                Bucket=self._bucket_name,
                Key=entry["key"],
                Body=blob.read_bytes(),
                Metadata=entry.get("Metadata", {}),
                **headers,
            )
            restored += 1
        return restored

    # --- save ----------------------------------------------------------------------------------------------

    def save(self, force: bool = False) -> bool:
        """Write a snapshot if anything may have changed since the last one (or always, with force)."""
        with self._save_lock:
            if not force and self._aws.app.generation == self._saved_generation:
                return False
            with self._aws.app.exclusive() as token:
                generation = self._aws.app.generation
                items = self._scan_items(token)
                latest_versions = self._list_latest_versions(token)
            objects = self._save_objects(latest_versions)
            write_atomically(
                self._table_file,
                json.dumps({"format": FORMAT_VERSION, "items": items}, separators=(",", ":")).encode(),
            )
            write_atomically(
                self._manifest_file,
                json.dumps({"format": FORMAT_VERSION, "objects": objects}, indent=1).encode(),
            )
            self._remove_unused_blobs({entry["blob"] for entry in objects})
            self._saved_generation = generation
            LOGGER.debug("saved %d items and %d objects to %s", len(items), len(objects), self.data_dir)
            return True

    def _scan_items(self, token: str) -> list[dict[str, Any]]:
        # A Scan is right here: this is the development server's own backup, not a request path of the registry.
        client = self._aws.client("dynamodb", snapshot_token=token)
        items: list[dict[str, Any]] = []
        for page in client.get_paginator("scan").paginate(TableName=self._table_name, ConsistentRead=True):
            items.extend({name: _encode_binary(value) for name, value in item.items()} for item in page["Items"])
        return items

    def _list_latest_versions(self, token: str) -> list[dict[str, Any]]:
        client = self._aws.client("s3", snapshot_token=token)
        versions: list[dict[str, Any]] = []
        for page in client.get_paginator("list_object_versions").paginate(Bucket=self._bucket_name):
            versions.extend(
                {
                    "key": version["Key"],
                    "version_id": version.get("VersionId", "null"),
                    "blob": _blob_name(version["ETag"], version["Size"]),
                }
                for version in page.get("Versions", [])
                if version.get("IsLatest")
            )
        return versions

    def _save_objects(self, latest_versions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        previous = {}
        if self._manifest_file.exists():
            for entry in json.loads(self._manifest_file.read_text(encoding="utf-8"))["objects"]:
                previous[(entry["key"], entry["version_id"])] = entry
        client = self._aws.client("s3")
        saved = []
        for version in latest_versions:
            known = previous.get((version["key"], version["version_id"]))
            if known is not None and (self._blobs_dir / known["blob"]).exists():
                saved.append(known)
                continue
            try:
                entry = self._save_object(client, version)
            except ClientError as error:
                # Deleted after the listing; the next save will not list it.
                LOGGER.debug("s3://%s/%s not saved: %s", self._bucket_name, version["key"], error)
                continue
            saved.append(entry)
        return saved

    def _save_object(self, client: Any, version: dict[str, Any]) -> dict[str, Any]:
        selector = {"Bucket": self._bucket_name, "Key": version["key"]}
        if version["version_id"] != "null":
            selector["VersionId"] = version["version_id"]
        blob = self._blobs_dir / version["blob"]
        if blob.exists():
            head = client.head_object(**selector)
        else:
            head = client.get_object(**selector)
            write_atomically(blob, head["Body"].read())
        entry = {**version, "Metadata": head.get("Metadata", {})}
        entry.update({name: head[name] for name in _OBJECT_HEADERS if head.get(name)})
        return entry

    def _remove_unused_blobs(self, used: set[str]) -> None:
        if not self._blobs_dir.exists():
            return
        for blob in self._blobs_dir.iterdir():
            if blob.name not in used and not blob.name.startswith("."):
                blob.unlink(missing_ok=True)

    # --- background saving ---------------------------------------------------------------------------------

    def start_autosave(self) -> None:
        self._thread = threading.Thread(target=self._autosave, name="smr-autosave", daemon=True)
        self._thread.start()

    def _autosave(self) -> None:
        while not self._stop.wait(self._interval_s):
            try:
                self.save()
            except Exception:  # keep saving later; a failed save leaves the previous files intact
                LOGGER.exception("saving to %s failed", self.data_dir)

    def stop(self) -> None:
        """Stop the background saves and write a last snapshot."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.save()
