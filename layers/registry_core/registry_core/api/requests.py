"""The request of every registry operation, validated by pydantic (MLflow's field names and types)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from registry_core.domain.governance import ModelMetric, ModelParam, PromotionPolicy, WebhookEventName, WebhookStatus
from registry_core.search.limits import (
    SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT,
    SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT,
)


class Request(BaseModel):
    # MLflow ignores fields it does not know; so do we. Strings are strict, as MLflow's _assert_string is.
    model_config = ConfigDict(extra="ignore")


class Tag(Request):
    key: StrictStr
    value: StrictStr


def tag_dict(tags: list[Tag]) -> dict[str, str]:
    return {tag.key: tag.value for tag in tags}


# A version is a string in MLflow's protocol; plain HTTP callers often send a number, which we accept too.
Version = StrictStr | int


class CreateRegisteredModel(Request):
    name: StrictStr
    tags: list[Tag] = Field(default_factory=list)
    description: StrictStr | None = None


class RenameRegisteredModel(Request):
    name: StrictStr
    new_name: StrictStr


class UpdateRegisteredModel(Request):
    name: StrictStr
    description: StrictStr | None = None


class ModelName(Request):
    name: StrictStr


class SearchRegisteredModels(Request):
    filter: StrictStr | None = None
    max_results: int = SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT
    order_by: list[StrictStr] = Field(default_factory=list)
    page_token: StrictStr | None = None


class GetLatestVersions(Request):
    name: StrictStr
    stages: list[StrictStr] = Field(default_factory=list)


class SetRegisteredModelTag(Request):
    name: StrictStr
    key: StrictStr
    value: StrictStr


class DeleteRegisteredModelTag(Request):
    name: StrictStr
    key: StrictStr


class SetRegisteredModelAlias(Request):
    name: StrictStr
    alias: StrictStr
    version: Version
    # smr extensions (optional; MLflow's client never sends them): the version the alias must point to now
    # ("" or "none": must be unset), and a comment for the history record.
    expected_version: Version | None = None
    comment: StrictStr | None = None


class ModelAlias(Request):
    name: StrictStr
    alias: StrictStr


class DeleteRegisteredModelAlias(ModelAlias):
    comment: StrictStr | None = None


class CreateModelVersion(Request):
    name: StrictStr
    source: StrictStr
    run_id: StrictStr | None = None
    tags: list[Tag] = Field(default_factory=list)
    run_link: StrictStr | None = None
    description: StrictStr | None = None
    model_id: StrictStr | None = None
    # MLflow 3's ModelVersion fields, accepted at creation (optional).
    model_metrics: list[ModelMetric] = Field(default_factory=list)
    model_params: list[ModelParam] = Field(default_factory=list)


class ModelVersionRef(Request):
    name: StrictStr
    version: Version


class UpdateModelVersion(Request):
    name: StrictStr
    version: Version
    description: StrictStr | None = None


class SearchModelVersions(Request):
    filter: StrictStr | None = None
    max_results: int = SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT
    order_by: list[StrictStr] = Field(default_factory=list)
    page_token: StrictStr | None = None


class TransitionModelVersionStage(Request):
    name: StrictStr
    version: Version
    stage: StrictStr
    archive_existing_versions: bool = False
    comment: StrictStr | None = None  # smr extension: kept in the transition's history record


class SetModelVersionTag(Request):
    name: StrictStr
    version: Version
    key: StrictStr
    value: StrictStr


class DeleteModelVersionTag(Request):
    name: StrictStr
    version: Version
    key: StrictStr


def param_dict(params: list[ModelParam]) -> dict[str, str]:
    return {param.name: param.value for param in params}


# -- smr extensions (/api/2.0/smr/...) ------------------------------------------------------------------------------

HistoryOrder = Literal["asc", "desc"]


class RegisteredModelHistory(Request):
    name: StrictStr
    max_results: int = 100
    page_token: StrictStr | None = None
    order: HistoryOrder = "asc"


class ModelVersionHistory(Request):
    name: StrictStr
    version: Version
    max_results: int = 100
    page_token: StrictStr | None = None
    order: HistoryOrder = "asc"


class RegisteredModelStateAt(Request):
    name: StrictStr
    # Milliseconds since the epoch, as MLflow's timestamps.
    timestamp: int
    alias: StrictStr | None = None
    stage: StrictStr | None = None


class SetModelVersionMetrics(Request):
    name: StrictStr
    version: Version
    model_metrics: list[ModelMetric] = Field(default_factory=list)
    model_params: list[ModelParam] = Field(default_factory=list)


class SetPromotionPolicy(Request):
    name: StrictStr
    policy: PromotionPolicy


# -- MLflow 3's webhook API (/api/2.0/mlflow/webhooks) --------------------------------------------------------------


class CreateWebhook(Request):
    name: StrictStr
    url: StrictStr
    events: list[WebhookEventName]
    description: StrictStr | None = None
    secret: StrictStr | None = None
    status: WebhookStatus | None = None


class ListWebhooks(Request):
    max_results: int = 100
    page_token: StrictStr | None = None


class WebhookRef(Request):
    webhook_id: StrictStr


class UpdateWebhook(Request):
    webhook_id: StrictStr
    name: StrictStr | None = None
    description: StrictStr | None = None
    url: StrictStr | None = None
    events: list[WebhookEventName] = Field(default_factory=list)
    secret: StrictStr | None = None
    status: WebhookStatus | None = None


class TestWebhook(Request):
    webhook_id: StrictStr
    event: WebhookEventName | None = None


class WebhookDeliveries(Request):
    webhook_id: StrictStr
    max_results: int = 100
