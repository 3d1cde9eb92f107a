"""The registry's resources as pydantic models, parsed from MLflow's JSON shapes (tags as key/value lists)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

T = TypeVar("T")


def _pairs_to_dict(value: Any, key: str = "key", item: str = "value") -> Any:
    if isinstance(value, list):
        return {str(entry[key]): entry.get(item) for entry in value}
    return value


def _latest_metrics(value: Any) -> Any:
    """Each metric's value as the server's promotion policy reads it: the entry with the highest step, then
    timestamp; of equals, the last one given."""
    if not isinstance(value, list):
        return value
    ranked: dict[str, tuple[tuple[int, int, int], Any]] = {}
    for position, entry in enumerate(value):
        rank = (int(entry.get("step") or 0), int(entry.get("timestamp") or 0), position)
        key = str(entry["key"])
        if key not in ranked or rank > ranked[key][0]:
            ranked[key] = (rank, entry.get("value"))
    return {key: found for key, (_, found) in ranked.items()}


class _Resource(BaseModel):
    # The server may add fields (MLflow does, release to release); they are kept, not refused.
    model_config = ConfigDict(extra="allow")


class ModelVersion(_Resource):
    name: str
    version: int
    creation_timestamp: int | None = None
    last_updated_timestamp: int | None = None
    user_id: str | None = None
    current_stage: str = "None"
    description: str | None = None
    source: str | None = None
    run_id: str | None = None
    run_link: str | None = None
    status: str = "READY"
    status_message: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    aliases: list[str] = Field(default_factory=list)
    model_id: str | None = None
    # MLflow 3 model versions may carry metrics; smr's uploads/complete accepts them as `model_metrics`.
    model_metrics: dict[str, float] = Field(default_factory=dict)

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, value: Any) -> Any:
        return _pairs_to_dict(value)

    @field_validator("model_metrics", mode="before")
    @classmethod
    def _metrics(cls, value: Any) -> Any:
        return _latest_metrics(value)

    def metric(self, name: str) -> float | None:
        """The version's metric `name`: model_metrics' latest step, else a tag `metric.<name>` (see promote_if)."""
        if name in self.model_metrics:
            return float(self.model_metrics[name])
        tagged = self.tags.get(f"metric.{name}")
        if tagged is None:
            return None
        try:
            return float(tagged)
        except ValueError:
            return None


class RegisteredModel(_Resource):
    name: str
    creation_timestamp: int | None = None
    last_updated_timestamp: int | None = None
    description: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    aliases: dict[str, int] = Field(default_factory=dict)
    latest_versions: list[ModelVersion] = Field(default_factory=list)

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, value: Any) -> Any:
        return _pairs_to_dict(value)

    @field_validator("aliases", mode="before")
    @classmethod
    def _aliases(cls, value: Any) -> Any:
        return _pairs_to_dict(value, "alias", "version")


class Page(BaseModel, Generic[T]):
    """One page of a search; pass `next_page_token` back for the next (None: this was the last)."""

    items: list[T]
    next_page_token: str | None = None

    def __iter__(self) -> Iterator[T]:  # type: ignore[override]
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


class Permissions(_Resource):
    """Who may do what with one registered model (READ < EDIT < MANAGE), and whether others may read it."""

    name: str
    private: bool = False
    permissions: dict[str, str] = Field(default_factory=dict)


class TransferFile(BaseModel):
    """A file of a model version as the registry's manifest lists it."""

    path: str
    size: int
    sha256: str


class HistoryRecord(_Resource):
    """One stage transition or alias move, written in the same transaction as the change."""

    model_name: str
    timestamp: int
    subject: str  # "stage" or "alias"
    version: int | None = None
    from_stage: str | None = None
    to_stage: str | None = None
    alias: str | None = None
    from_version: int | None = None
    to_version: int | None = None
    principal: str | None = None
    request_id: str | None = None
    comment: str | None = None
    reason: str | None = None


class StateAt(_Resource):
    """Where an alias pointed (`version`, None if unset), or which versions held a stage, at `timestamp`."""

    timestamp: int
    alias: str | None = None
    version: int | None = None
    record: HistoryRecord | None = None
    stage: str | None = None
    versions: list[int] = Field(default_factory=list)


class PromotionPolicy(_Resource):
    """A model's promotion rules by target (`stage:Production`, `alias:champion`); see docs/governance.md."""

    rules: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)


class Webhook(_Resource):
    webhook_id: str
    name: str
    url: str
    events: list[dict[str, str]] = Field(default_factory=list)
    description: str | None = None
    status: str | None = None
    creation_timestamp: int | None = None
    last_updated_timestamp: int | None = None


class WebhookDelivery(_Resource):
    """One attempt to deliver an event to a webhook."""

    attempt: int | None = None
    success: bool | None = None
    status_code: int | None = None
    final: bool | None = None
    event_type: str | None = None
    error: str | None = None
    timestamp: int | None = None


class Upload(_Resource):
    """An upload record: presigned (`uploads/create`) or a folder under `incoming/`, and what it became."""

    name: str
    upload_id: str
    state: str
    origin: str | None = None
    version: int | None = None
    reason: str | None = None
    trigger_key: str | None = None
    created_timestamp: int | None = None
    last_updated_timestamp: int | None = None
