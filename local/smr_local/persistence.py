"""Keeps the embedded table and bucket in a folder: every acknowledged write survives a crash or `kill -9`.

After each AWS request that changed something, and before its response leaves, the items and objects it changed
(moto_patches.ChangeRecorder says which) are appended to the journal (smr_local.journal) and fsync'ed, inside the
lock that serializes the embedded AWS: the journal's order is the order in which the table and the bucket changed,
so they stay consistent with each other. The cost of a save is what that request changed; a server nobody writes to
writes nothing (the queue pollers' requests change no item and no object).

On start the snapshot and the journal are read and put straight into moto's table and bucket (no HTTP), so a data
directory of 100,000 items loads in seconds. A data directory of the previous format (format 1: `dynamodb.json` and
`s3/manifest.json`, rewritten whole every 2 s) is still read, and turned into a snapshot on the first start.

Only the latest version of each object is kept, and queue messages are not (see queues.requeue_pending_copies).
"""

from __future__ import annotations

import base64
import gc
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from smr_local import moto_patches
from smr_local.journal import Change, Journal, blob_name

if TYPE_CHECKING:
    from moto.dynamodb.models.table import Table
    from moto.s3.models import S3Backend

    from smr_local.aws import EmbeddedAws

LOGGER = logging.getLogger("smr_local")

_LEGACY_TABLE_FILE = "dynamodb.json"
_LEGACY_MANIFEST_FILE = "s3/manifest.json"
_LEGACY_OBJECT_HEADERS = {
    "ContentType": "Content-Type",
    "ContentEncoding": "Content-Encoding",
    "ContentDisposition": "Content-Disposition",
    "ContentLanguage": "Content-Language",
    "CacheControl": "Cache-Control",
}


@dataclass(frozen=True)
class RestoreSummary:
    items: int
    objects: int
    # Every restored item's typed attributes (what start-up needs to look at, without a Scan through moto).
    item_images: list[dict[str, Any]] = field(default_factory=list, repr=False)


def _encode_binary(value: Any) -> Any:
    """A typed attribute value as moto holds it, with bytes made JSON-safe (base64), as on the wire."""
    ((kind, inner),) = value.items()
    if kind == "B":
        return {"B": base64.b64encode(inner).decode("ascii") if isinstance(inner, bytes) else inner}
    if kind == "BS":
        return {"BS": [_encode_binary({"B": item})["B"] for item in inner]}
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


def _item_change(table: Table, hash_key: Any, range_key: Any, item: Any) -> Change:
    key = {table.hash_key_attr: _encode_binary(hash_key.to_json())}
    if table.range_key_attr is not None and range_key is not None:
        key[table.range_key_attr] = _encode_binary(range_key.to_json())
    attributes = None
    if item is not None:
        attributes = {name: _encode_binary(value) for name, value in item.to_json()["Attributes"].items()}
    return {"t": "item", "key": key, "item": attributes}


@contextmanager
def _no_garbage_collection() -> Iterator[None]:
    """Loading keeps every object it makes: the cyclic collector would rescan them all, again and again (it made a
    100,000-item restore take minutes). Afterwards they are frozen out of later collections too."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.freeze()


class Persistence:
    """Journals the embedded table's and bucket's changes to data_dir, and restores them from it."""

    def __init__(self, data_dir: Path, aws: EmbeddedAws, table_name: str, bucket_name: str) -> None:
        self.data_dir = data_dir
        self._aws = aws
        self._table_name = table_name
        self._bucket_name = bucket_name
        self.journal = Journal(data_dir)
        self._recorder = moto_patches.ChangeRecorder()

    # --- restore -------------------------------------------------------------------------------------------------

    def restore(self) -> RestoreSummary:
        """Put back what was journaled (the table and bucket must exist and be empty), then journal from now on."""
        legacy = not self.journal.exists() and (self.data_dir / _LEGACY_TABLE_FILE).exists()
        with self._aws.app.locked(), _no_garbage_collection():
            changes = self._legacy_changes() if legacy else self.journal.load()
            summary = self._apply(changes)
            if legacy:
                # Into the new format at once: from now on the journal builds on this snapshot.
                self.journal.write_snapshot(self._live_changes(), through=0)
                for name in (_LEGACY_TABLE_FILE, _LEGACY_MANIFEST_FILE):
                    (self.data_dir / name).unlink(missing_ok=True)
                LOGGER.info("data directory %s converted to the journal format", self.data_dir)
            self.journal.open()
            moto_patches.set_recorder(self._recorder)
            self._aws.app.after_change = self.commit
        return summary

    def _apply(self, changes: list[Change]) -> RestoreSummary:
        table = self._aws.table(self._table_name)
        s3 = self._aws.s3_backend()
        stream = table.stream_shard
        table.stream_shard = None  # restored items were published by an earlier run: no stream records
        images: list[dict[str, Any]] = []
        objects = 0
        try:
            for change in changes:
                if change["t"] == "item":
                    table.put_item({name: _decode_binary(value) for name, value in change["item"].items()})
                    images.append(change["item"])
                    continue
                blob = self.journal.blobs_dir / change["blob"]
                if not blob.exists():
                    LOGGER.warning("s3://%s/%s: its saved bytes are missing; skipped", self._bucket_name, change["key"])
                    continue
                stored = s3.put_object(self._bucket_name, change["key"], blob.read_bytes())
                stored.set_metadata(dict(change.get("metadata") or {}))
                objects += 1
        finally:
            table.stream_shard = stream
        return RestoreSummary(items=len(images), objects=objects, item_images=images)

    def _legacy_changes(self) -> list[Change]:
        """Format 1's files as changes; its blobs are read as they are (they are renamed by content later)."""
        document = json.loads((self.data_dir / _LEGACY_TABLE_FILE).read_text(encoding="utf-8"))
        changes: list[Change] = [{"t": "item", "item": item} for item in document.get("items", [])]
        manifest = self.data_dir / _LEGACY_MANIFEST_FILE
        entries = json.loads(manifest.read_text(encoding="utf-8")).get("objects", []) if manifest.exists() else []
        for entry in entries:
            metadata = {f"x-amz-meta-{name}": value for name, value in entry.get("Metadata", {}).items()}
            metadata.update({header: entry[name] for name, header in _LEGACY_OBJECT_HEADERS.items() if entry.get(name)})
            changes.append({"t": "object", "key": entry["key"], "blob": entry["blob"], "metadata": metadata})
        return changes

    def _live_changes(self) -> list[Change]:
        """Everything in the table and bucket now, as changes; blobs written under their content names."""
        table = self._aws.table(self._table_name)
        changes = [_item_change(table, item.hash_key, item.range_key, item) for item in table.all_items()]
        bucket = self._aws.s3_backend().buckets[self._bucket_name]
        for key in bucket.keys:
            change, blobs = self._object_change(self._aws.s3_backend(), key)
            self.journal.append_blobs(blobs)
            changes.append(change)
        return changes

    # --- journaling ------------------------------------------------------------------------------------------------

    def commit(self) -> None:
        """Journal what the request just served changed (runs inside the AWS lock, before the response leaves)."""
        items, objects = self._recorder.take()
        changes: list[Change] = []
        blobs: dict[str, bytes] = {}
        for (table_name, hash_key, range_key), table in items.items():
            if table_name == self._table_name:
                item = moto_patches.stored_item(table, hash_key, range_key)
                changes.append(_item_change(table, hash_key, range_key, item))
        s3 = self._aws.s3_backend()
        for bucket, key in sorted(objects):
            if bucket == self._bucket_name:
                change, object_blobs = self._object_change(s3, key)
                changes.append(change)
                blobs.update(object_blobs)
        if changes:
            self.journal.append(changes, blobs)

    def _object_change(self, s3: S3Backend, key: str) -> tuple[Change, dict[str, bytes]]:
        from moto.s3.models import FakeKey

        bucket = s3.buckets.get(self._bucket_name)
        latest = bucket.keys.get(key) if bucket is not None else None
        if not isinstance(latest, FakeKey):  # absent, or a delete marker
            return {"t": "object", "key": key, "blob": None}, {}
        data = latest.value
        name = blob_name(data)
        metadata = {str(header): str(value) for header, value in latest.metadata.items()}
        return {"t": "object", "key": key, "blob": name, "metadata": metadata}, {name: data}

    def status(self) -> dict[str, Any]:
        return asdict(self.journal.status())

    def stop(self) -> None:
        """Stop journaling; everything acknowledged is already on disk."""
        self._aws.app.after_change = None
        moto_patches.set_recorder(None)
        self.journal.close()
