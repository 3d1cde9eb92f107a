"""An in-memory store with the DynamoDB store's contract, for fast unit tests of the service rules.

The contract suite (tests/integration/test_store_contract.py) runs against both, so this fake cannot silently rot.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from registry_core.domain.artifacts import Upload
from registry_core.domain.entities import ModelVersion, RegisteredModel
from registry_core.domain.errors import InvalidParameterValue
from registry_core.domain.governance import ChangeKind, HistoryRecord, RegistryEvent
from registry_core.store.base import (
    ConcurrentModification,
    HistoryIndex,
    HistoryQuery,
    Index,
    Page,
    PageRequest,
    RecordPosition,
    RegistryStore,
    ResumeKey,
    Write,
    record_position,
)

# Index orders, written from the contract (store/base.py, docs/design.md) rather than from the DynamoDB keys, so that
# the contract suite compares two implementations. Names order as strings, then versions as numbers.
SortKey = tuple[str | int, ...]


def _model_sort_key(index: Index) -> Callable[[RegisteredModel], SortKey]:
    if index is Index.MODELS_BY_NAME:
        return lambda model: (model.name,)
    return lambda model: (model.last_updated_timestamp, model.name)


def _version_sort_key(index: Index) -> Callable[[ModelVersion], SortKey]:
    if index is Index.VERSIONS_BY_UPDATE:
        return lambda version: (version.last_updated_timestamp, version.name, version.version)
    if index is Index.VERSIONS_OF_MODEL:
        return lambda version: (version.version,)
    return lambda version: (version.name, version.version)


def _in_history_query(record: HistoryRecord, query: HistoryQuery) -> bool:
    """Whether a record is one of those `query.index` finds (see HistoryIndex), bounds aside."""
    if record.model_uid != query.model_uid:
        return False
    stage = record.subject is ChangeKind.STAGE
    if query.index is HistoryIndex.MODEL:
        return True
    if query.index is HistoryIndex.VERSION:
        concerned = (
            record.version if stage else record.to_version if record.to_version is not None else record.from_version
        )
        return concerned is not None and concerned == query.subject
    if query.index is HistoryIndex.VERSION_ALIAS_LEFT:
        return (
            not stage
            and record.to_version is not None
            and record.from_version is not None
            and record.from_version != record.to_version
            and record.from_version == query.subject
        )
    if query.index is HistoryIndex.ALIAS:
        return not stage and (record.alias or "") == query.subject
    if query.index is HistoryIndex.STAGE_ENTERED:
        return stage and record.to_stage is not None and record.to_stage == query.subject
    return stage and record.from_stage is not None and record.from_stage == query.subject


def _within(position: RecordPosition, query: HistoryQuery) -> bool:
    return (
        (query.after is None or position > query.after)
        and (query.before is None or position < query.before)
        and (query.at_or_before_ms is None or position[0] <= query.at_or_before_ms)
    )


def _resume_after(start_key: ResumeKey, example: SortKey | None) -> SortKey:
    """The sort key a resume key holds, if it has the shape of this index's keys (it comes from a page token)."""
    after = start_key.get("k")
    if (
        not isinstance(after, list)
        or (example is not None and len(after) != len(example))
        or (example is not None and any(type(a) is not type(b) for a, b in zip(after, example, strict=False)))
    ):
        raise InvalidParameterValue("Invalid page token: it does not resume this query.")
    return tuple(after)


class InMemoryRegistryStore(RegistryStore):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._models: dict[str, RegisteredModel] = {}
        self._versions: dict[tuple[str, int], ModelVersion] = {}
        self._uploads: dict[tuple[str, str], Upload] = {}
        # (model uid, position) -> record or event: what makes their keys unique in the table.
        self._history: dict[tuple[str, RecordPosition], HistoryRecord] = {}
        self._events: dict[tuple[str, RecordPosition], RegistryEvent] = {}
        self.round_trips = 0

    def get_model(self, name: str) -> RegisteredModel | None:
        with self._lock:
            self.round_trips += 1
            model = self._models.get(name)
            return model.model_copy(deep=True) if model else None

    def get_model_and_versions(
        self, name: str, versions: list[int]
    ) -> tuple[RegisteredModel | None, dict[int, ModelVersion]]:
        with self._lock:
            self.round_trips += 1
            model = self._models.get(name)
            found = {
                n: self._versions[(name, n)].model_copy(deep=True) for n in versions if (name, n) in self._versions
            }
            return (model.model_copy(deep=True) if model else None), found

    def get_version(self, name: str, version: int) -> ModelVersion | None:
        with self._lock:
            self.round_trips += 1
            found = self._versions.get((name, version))
            return found.model_copy(deep=True) if found else None

    def get_models(self, names: list[str]) -> dict[str, RegisteredModel]:
        with self._lock:
            self.round_trips += 1
            return {name: self._models[name].model_copy(deep=True) for name in names if name in self._models}

    def query_models(self, request: PageRequest) -> Page[RegisteredModel]:
        with self._lock:
            self.round_trips += 1
            sort_key = _model_sort_key(request.index)
            candidates = [
                model for model in self._models.values() if not request.prefix or model.name.startswith(request.prefix)
            ]
            return self._page(candidates, sort_key, request)

    def query_versions(self, request: PageRequest) -> Page[ModelVersion]:
        with self._lock:
            self.round_trips += 1
            candidates = list(self._versions.values())
            if request.index is Index.VERSIONS_OF_MODEL:
                candidates = [version for version in candidates if version.name == request.partition]
            elif request.index is Index.VERSIONS_BY_RUN:
                candidates = [version for version in candidates if version.run_id == request.partition]
            elif request.prefix:
                candidates = [version for version in candidates if version.name.startswith(request.prefix)]
            return self._page(candidates, _version_sort_key(request.index), request)

    @staticmethod
    def _page(candidates: list[Any], sort_key: Callable[[Any], SortKey], request: PageRequest) -> Page[Any]:
        ordered = sorted(candidates, key=sort_key, reverse=not request.ascending)
        if request.start_key:
            after = _resume_after(request.start_key, sort_key(ordered[0]) if ordered else None)
            ordered = [
                entity
                for entity in ordered
                if (sort_key(entity) > after if request.ascending else sort_key(entity) < after)
            ]
        page = ordered[: request.limit]
        more = len(ordered) > request.limit
        resume = [(entity.model_copy(deep=True), {"k": list(sort_key(entity))}) for entity in page]
        last_key: ResumeKey | None = resume[-1][1] if more and resume else None
        return Page(resume, last_key)

    def get_upload(self, name: str, upload_id: str) -> Upload | None:
        with self._lock:
            self.round_trips += 1
            found = self._uploads.get((name, upload_id))
            return found.model_copy(deep=True) if found else None

    def list_uploads(self, name: str, limit: int) -> list[Upload]:
        with self._lock:
            self.round_trips += 1
            mine = [upload for (owner, _), upload in self._uploads.items() if owner == name]
            mine.sort(key=lambda upload: (upload.created_timestamp, upload.upload_id), reverse=True)
            return [upload.model_copy(deep=True) for upload in mine[:limit]]

    def commit(self, write: Write) -> None:
        with self._lock:
            self.round_trips += 1
            for model, expected_rev in write.put_models:
                current = self._models.get(model.name)
                if (expected_rev is None and current is not None) or (
                    expected_rev is not None and (current is None or current.rev != expected_rev)
                ):
                    raise ConcurrentModification(f"model {model.name} changed")
            for name, expected_rev in write.delete_models:
                current = self._models.get(name)
                if current is None or current.rev != expected_rev:
                    raise ConcurrentModification(f"model {name} changed")
            for version in write.new_versions:
                if (version.name, version.version) in self._versions:
                    raise ConcurrentModification(f"version {version.version} of {version.name} exists")
            for upload, expected_rev in write.put_uploads:
                current_upload = self._uploads.get((upload.name, upload.upload_id))
                if (expected_rev is None and current_upload is not None) or (
                    expected_rev is not None and (current_upload is None or current_upload.rev != expected_rev)
                ):
                    raise ConcurrentModification(f"upload {upload.upload_id} of {upload.name} changed")
            new_history = {(r.model_uid, record_position(r)): r for r in write.history}
            new_events = {(e.model_uid, record_position(e)): e for e in write.events}
            if len(new_history) < len(write.history) or len(new_events) < len(write.events):
                raise ConcurrentModification("two records of one write share a key")
            if any(key in self._history for key in new_history) or any(key in self._events for key in new_events):
                raise ConcurrentModification("a history record or event with this key exists")
            # Every condition held: now apply all of it.
            for upload, _ in write.put_uploads:
                self._uploads[(upload.name, upload.upload_id)] = upload.model_copy(deep=True)
            for model, _ in write.put_models:
                self._models[model.name] = model.model_copy(deep=True)
            for name, _ in write.delete_models:
                del self._models[name]
            for version in [*write.new_versions, *write.put_versions]:
                self._versions[(version.name, version.version)] = version.model_copy(deep=True)
            for name, number in write.delete_versions:
                self._versions.pop((name, number), None)
            self._history.update({key: record.model_copy(deep=True) for key, record in new_history.items()})
            self._events.update({key: event.model_copy(deep=True) for key, event in new_events.items()})

    def query_history(self, query: HistoryQuery) -> list[HistoryRecord]:
        with self._lock:
            self.round_trips += 1
            matching = [
                (position, record)
                for (_, position), record in self._history.items()
                if _in_history_query(record, query) and _within(position, query)
            ]
            matching.sort(key=lambda pair: pair[0], reverse=not query.ascending)
            return [record.model_copy(deep=True) for _, record in matching[: query.limit]]

    def outbox_events(self, model_uid: str) -> list[RegistryEvent]:
        """The outbox events of a model, oldest first: for tests (in AWS the table's stream carries them)."""
        with self._lock:
            mine = sorted((position, event) for (uid, position), event in self._events.items() if uid == model_uid)
            return [event.model_copy(deep=True) for _, event in mine]

    def put_versions_in_batches(self, versions: list[ModelVersion]) -> None:
        with self._lock:
            self.round_trips += 1
            for version in versions:
                self._versions[(version.name, version.version)] = version.model_copy(deep=True)

    def delete_versions_in_batches(self, name: str, versions: list[int]) -> None:
        with self._lock:
            self.round_trips += 1
            for number in versions:
                self._versions.pop((name, number), None)
