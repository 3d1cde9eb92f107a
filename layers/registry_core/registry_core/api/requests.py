"""The request of every registry operation, validated by pydantic (MLflow's field names and types)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt, StrictStr

from registry_core.domain.governance import ModelMetric, ModelParam, PromotionPolicy, WebhookEventName, WebhookStatus
from registry_core.domain.limits import (
    S3_MAX_OBJECT_BYTES,
    S3_MIN_PART_BYTES,
    SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT,
    SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT,
)
from registry_core.domain.validation import Int64, StoredFloat, Version

# MLflow's server reads an absent (or null) optional string field as "" and stores that, so clients read back "".
Text = Annotated[StrictStr, BeforeValidator(lambda value: "" if value is None else value)]


class Request(BaseModel):
    # MLflow ignores fields it does not know; so do we. Strings are strict, as MLflow's _assert_string is.
    model_config = ConfigDict(extra="ignore")


class NoParameters(Request):
    """A route that takes no input."""


class Tag(Request):
    key: StrictStr
    value: StrictStr


def tag_dict(tags: list[Tag]) -> dict[str, str]:
    return {tag.key: tag.value for tag in tags}


class CreateRegisteredModel(Request):
    name: StrictStr
    tags: list[Tag] = Field(default_factory=list)
    description: Text = ""


class RenameRegisteredModel(Request):
    name: StrictStr
    new_name: StrictStr


class UpdateRegisteredModel(Request):
    name: StrictStr
    description: Text = ""


class ModelName(Request):
    name: StrictStr


class SearchRegisteredModels(Request):
    filter: StrictStr | None = None
    max_results: Int64 = SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT
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
    expected_version: StrictStr | StrictInt | None = None
    comment: StrictStr | None = None


class ModelAlias(Request):
    name: StrictStr
    alias: StrictStr


class DeleteRegisteredModelAlias(ModelAlias):
    comment: StrictStr | None = None


class CreateModelVersion(Request):
    name: StrictStr
    source: StrictStr
    run_id: Text = ""
    tags: list[Tag] = Field(default_factory=list)
    run_link: Text = ""
    description: Text = ""
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
    description: Text = ""


class SearchModelVersions(Request):
    filter: StrictStr | None = None
    max_results: Int64 = SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT
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


class PromoteModelVersion(Request):
    """smr extension: a stage and aliases for one version, in one transaction (docs/governance.md)."""

    name: StrictStr
    version: Version
    stage: StrictStr | None = None
    aliases: list[StrictStr] = Field(default_factory=list)
    archive_existing_versions: bool = False
    comment: StrictStr | None = None


# --- smr's extension API (/api/2.0/smr/, docs/design.md "Extension API and artifacts contract") ---------------


class UploadFile(Request):
    path: StrictStr
    size: Int64 = Field(ge=0, le=S3_MAX_OBJECT_BYTES)
    sha256: StrictStr = Field(pattern=r"^[0-9a-fA-F]{64}$")


class CreateUpload(Request):
    name: StrictStr
    files: list[UploadFile]
    multipart_threshold: Int64 | None = Field(default=None, ge=S3_MIN_PART_BYTES)


class CompleteUpload(Request):
    upload_id: StrictStr
    name: StrictStr
    parts: dict[StrictStr, list[StrictStr]] = Field(default_factory=dict)
    description: StrictStr | None = None
    # MLflow's [{key, value}] or a plain {key: value} object.
    tags: list[Tag] | dict[StrictStr, StrictStr] = Field(default_factory=list)
    run_id: StrictStr | None = None
    aliases: list[StrictStr] = Field(default_factory=list)
    stage: StrictStr | None = None
    model_metrics: dict[StrictStr, StoredFloat] = Field(default_factory=dict)
    model_params: dict[StrictStr, StrictStr] = Field(default_factory=dict)

    def tag_map(self) -> dict[str, str]:
        return dict(self.tags) if isinstance(self.tags, dict) else tag_dict(self.tags)


class UploadRef(Request):
    name: StrictStr
    upload_id: StrictStr


class ListUploads(Request):
    name: StrictStr
    max_results: Int64 = 100


# -- smr extension: per-model permissions -----------------------------------------------------------------------


class SetModelPermission(Request):
    name: StrictStr
    principal: StrictStr
    level: StrictStr


class DeleteModelPermission(Request):
    name: StrictStr
    principal: StrictStr


class SetModelPrivate(Request):
    name: StrictStr
    private: bool = True


def param_dict(params: list[ModelParam]) -> dict[str, str]:
    return {param.name: param.value for param in params}


# -- smr extensions (/api/2.0/smr/...) ------------------------------------------------------------------------------

HistoryOrder = Literal["asc", "desc"]


class RegisteredModelHistory(Request):
    name: StrictStr
    max_results: Int64 = 100
    page_token: StrictStr | None = None
    order: HistoryOrder = "asc"


class ModelVersionHistory(Request):
    name: StrictStr
    version: Version
    max_results: Int64 = 100
    page_token: StrictStr | None = None
    order: HistoryOrder = "asc"


class RegisteredModelStateAt(Request):
    name: StrictStr
    # Milliseconds since the epoch, as MLflow's timestamps.
    timestamp: Int64
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
    max_results: Int64 = 100
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
    max_results: Int64 = 100
