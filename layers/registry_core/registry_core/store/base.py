"""The store's contract. The service holds the rules; a store only reads, and commits atomic conditional writes."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, TypeVar

from registry_core.domain.artifacts import Upload
from registry_core.domain.entities import ModelVersion, RegisteredModel
from registry_core.domain.governance import HistoryRecord, RegistryEvent

T = TypeVar("T")
ResumeKey = dict[str, Any]


class ConcurrentModification(Exception):
    """A write's condition failed: the model changed (or appeared) since it was read. Re-read and retry."""


class ItemTooLarge(Exception):
    """The model's item would exceed the store's item size limit."""


class Index(StrEnum):
    MODELS_BY_NAME = "models_by_name"
    MODELS_BY_UPDATE = "models_by_update"
    VERSIONS_BY_NAME = "versions_by_name"
    VERSIONS_BY_UPDATE = "versions_by_update"
    VERSIONS_OF_MODEL = "versions_of_model"
    VERSIONS_BY_RUN = "versions_by_run"


@dataclass(frozen=True)
class PageRequest:
    index: Index
    ascending: bool = True
    # VERSIONS_OF_MODEL: the model name; VERSIONS_BY_RUN: the run id.
    partition: str | None = None
    # Sort-key prefix (MODELS_BY_NAME / VERSIONS_BY_NAME): `name LIKE 'abc%'` is served by it.
    prefix: str | None = None
    start_key: ResumeKey | None = None
    limit: int = 100


@dataclass(frozen=True)
class Page(Generic[T]):
    # Each entity with the key to resume right after it.
    items: list[tuple[T, ResumeKey]]
    last_key: ResumeKey | None


@dataclass(frozen=True)
class Write:
    """One atomic change: all of it lands, or none of it (and `commit` raises ConcurrentModification)."""

    # (model, expected rev); expected None means the name must be free.
    put_models: list[tuple[RegisteredModel, int | None]] = field(default_factory=list)
    # (name, expected rev)
    delete_models: list[tuple[str, int]] = field(default_factory=list)
    put_versions: list[ModelVersion] = field(default_factory=list)
    # Versions that must not exist yet.
    new_versions: list[ModelVersion] = field(default_factory=list)
    delete_versions: list[tuple[str, int]] = field(default_factory=list)
    # (upload record, expected rev); expected None means the upload must not be recorded yet.
    put_uploads: list[tuple[Upload, int | None]] = field(default_factory=list)

    # Audit records and outbox events of the change: new items (a key already taken fails the whole write).
    history: list[HistoryRecord] = field(default_factory=list)
    events: list[RegistryEvent] = field(default_factory=list)


class HistoryIndex(StrEnum):
    """Ways to read history records; each is a partition whose sort key is the record key (time order)."""

    MODEL = "model"  # every record of a model (by uid)
    VERSION = "version"  # stage records of a version and alias records pointing to it (or removed from it)
    VERSION_ALIAS_LEFT = "version_alias_left"  # alias records that moved an alias away from a version
    ALIAS = "alias"  # every record of an alias
    STAGE_ENTERED = "stage_entered"  # stage records whose to_stage is the stage
    STAGE_LEFT = "stage_left"  # stage records whose from_stage is the stage


RecordPosition = tuple[int, int, int]
"""Where a history record or event sits in time order: (timestamp ms, model revision, place in the transaction)."""


def record_position(record: HistoryRecord | RegistryEvent) -> RecordPosition:
    return (record.timestamp, record.rev, record.seq)


@dataclass(frozen=True)
class HistoryQuery:
    """History records of one model, in one of the ways `HistoryIndex` lists, in time order."""

    index: HistoryIndex
    model_uid: str
    # VERSION, VERSION_ALIAS_LEFT: the version number; ALIAS: the alias; STAGE_ENTERED, STAGE_LEFT: the stage.
    subject: int | str | None = None
    # Exclusive bounds on the record position, and an inclusive bound on its timestamp.
    after: RecordPosition | None = None
    before: RecordPosition | None = None
    at_or_before_ms: int | None = None
    ascending: bool = True
    limit: int = 100


class RegistryStore(ABC):
    @abstractmethod
    def get_model(self, name: str) -> RegisteredModel | None:
        """The model item, whatever its state, or None. One round trip."""

    @abstractmethod
    def get_model_and_versions(
        self, name: str, versions: list[int]
    ) -> tuple[RegisteredModel | None, dict[int, ModelVersion]]:
        """The model item and some of its version items (those that exist), read together. One round trip."""

    def get_model_and_version(self, name: str, version: int) -> tuple[RegisteredModel | None, ModelVersion | None]:
        """The model item and one version item, read together. One round trip."""
        model, versions = self.get_model_and_versions(name, [version])
        return model, versions.get(version)

    @abstractmethod
    def get_version(self, name: str, version: int) -> ModelVersion | None:
        """One version item. One round trip."""

    @abstractmethod
    def get_models(self, names: list[str]) -> dict[str, RegisteredModel]:
        """Model items by name (missing names are absent from the result). One round trip per 100 names."""

    @abstractmethod
    def query_models(self, request: PageRequest) -> Page[RegisteredModel]:
        """A page of model items in index order."""

    @abstractmethod
    def query_versions(self, request: PageRequest) -> Page[ModelVersion]:
        """A page of version items in index order."""

    @abstractmethod
    def get_upload(self, name: str, upload_id: str) -> Upload | None:
        """One upload record. One round trip."""

    @abstractmethod
    def list_uploads(self, name: str, limit: int) -> list[Upload]:
        """The newest upload records of a model (any state), newest first."""

    @abstractmethod
    def commit(self, write: Write) -> None:
        """Apply `write` atomically, or raise ConcurrentModification (nothing applied)."""

    @abstractmethod
    def query_history(self, query: HistoryQuery) -> list[HistoryRecord]:
        """Up to `query.limit` history records, in position order (`query.ascending`), within the bounds.

        All but HistoryIndex.MODEL are read from an index: eventually consistent.
        """

    @abstractmethod
    def put_versions_in_batches(self, versions: list[ModelVersion]) -> None:
        """Unconditional idempotent puts, for copying versions under a new name during a rename."""

    @abstractmethod
    def delete_versions_in_batches(self, name: str, versions: list[int]) -> None:
        """Idempotent deletes, for cleaning up after a delete or a rename."""
