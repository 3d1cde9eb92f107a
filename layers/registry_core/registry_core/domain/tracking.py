"""The tracking entities MLflow's client needs to log a model: experiments, runs, metric points, logged models."""

from __future__ import annotations

import uuid
from enum import StrEnum

from pydantic import BaseModel, Field

DEFAULT_EXPERIMENT_ID = "0"
DEFAULT_EXPERIMENT_NAME = "Default"


class LifecycleStage(StrEnum):
    ACTIVE = "active"
    DELETED = "deleted"


class RunStatus(StrEnum):
    RUNNING = "RUNNING"
    SCHEDULED = "SCHEDULED"
    FINISHED = "FINISHED"
    FAILED = "FAILED"
    KILLED = "KILLED"


class LoggedModelStatus(StrEnum):
    LOGGED_MODEL_STATUS_UNSPECIFIED = "LOGGED_MODEL_STATUS_UNSPECIFIED"
    LOGGED_MODEL_PENDING = "LOGGED_MODEL_PENDING"
    LOGGED_MODEL_READY = "LOGGED_MODEL_READY"
    LOGGED_MODEL_UPLOAD_FAILED = "LOGGED_MODEL_UPLOAD_FAILED"


class Experiment(BaseModel):
    experiment_id: str
    name: str
    artifact_location: str
    lifecycle_stage: LifecycleStage = LifecycleStage.ACTIVE
    creation_time: int
    last_update_time: int
    tags: dict[str, str] = Field(default_factory=dict)


class Metric(BaseModel):
    """One point of a metric's history; each is its own item, so concurrent writers never overwrite each other."""

    key: str
    value: float
    timestamp: int
    step: int = 0
    model_id: str | None = None
    dataset_name: str | None = None
    dataset_digest: str | None = None
    run_id: str | None = None

    def order(self) -> tuple[int, int, float]:
        """MLflow's `latest` metric is the greatest by (step, timestamp, value)."""
        return (self.step, self.timestamp, self.value)


class Dataset(BaseModel):
    name: str
    digest: str
    source_type: str = ""
    source: str = ""
    schema_: str | None = Field(default=None, alias="schema")
    profile: str | None = None

    model_config = {"populate_by_name": True}


class DatasetInput(BaseModel):
    dataset: Dataset
    tags: dict[str, str] = Field(default_factory=dict)


class ModelOutput(BaseModel):
    model_id: str
    step: int = 0


class Run(BaseModel):
    run_id: str
    experiment_id: str
    run_name: str = ""
    user_id: str = ""
    status: RunStatus = RunStatus.RUNNING
    start_time: int
    end_time: int | None = None
    artifact_uri: str
    lifecycle_stage: LifecycleStage = LifecycleStage.ACTIVE
    params: dict[str, str] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)
    # The latest point of each metric (by step, timestamp, value); the history is in separate items.
    metrics: dict[str, Metric] = Field(default_factory=dict)
    dataset_inputs: list[DatasetInput] = Field(default_factory=list)
    model_inputs: list[str] = Field(default_factory=list)
    model_outputs: list[ModelOutput] = Field(default_factory=list)
    deleted_time: int | None = None


class LoggedModel(BaseModel):
    model_id: str
    experiment_id: str
    name: str
    artifact_location: str
    creation_timestamp_ms: int
    last_updated_timestamp_ms: int
    status: LoggedModelStatus = LoggedModelStatus.LOGGED_MODEL_PENDING
    status_message: str | None = None
    model_type: str | None = None
    source_run_id: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    params: dict[str, str] = Field(default_factory=dict)
    lifecycle_stage: LifecycleStage = LifecycleStage.ACTIVE


def new_run_id() -> str:
    return uuid.uuid4().hex


def new_logged_model_id() -> str:
    return f"m-{uuid.uuid4().hex}"
