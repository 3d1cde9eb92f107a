"""Governance entities: the history of stage and alias changes, promotion policies, and registry events.

Pure data and rules; imports nothing of the project but the domain's errors.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, field_validator

from registry_core.domain.limits import MAX_ENTITY_KEY_LENGTH, MAX_POLICY_RULES, MAX_POLICY_TARGETS

# -- metrics and parameters of a version (MLflow 3's ModelMetric / ModelParam) ------------------------------------


class ModelMetric(BaseModel):
    model_config = ConfigDict(extra="ignore")

    key: StrictStr = Field(min_length=1, max_length=MAX_ENTITY_KEY_LENGTH)
    # DynamoDB numbers cannot be NaN or infinite (and a policy cannot compare them meaningfully).
    value: float = Field(allow_inf_nan=False)
    timestamp: int | None = None
    step: int | None = None
    dataset_name: str | None = None
    dataset_digest: str | None = None
    model_id: str | None = None
    run_id: str | None = None


class ModelParam(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: StrictStr
    value: StrictStr


# -- history ---------------------------------------------------------------------------------------------------


class ChangeKind(StrEnum):
    STAGE = "stage"
    ALIAS = "alias"


class HistoryRecord(BaseModel):
    """One stage transition or alias change, written in the same transaction as the change itself.

    Stage records: `version` moved `from_stage` -> `to_stage` (None on either side: created / deleted).
    Alias records: `alias` moved `from_version` -> `to_version` (None on either side: set / deleted).
    `rev` (the model revision the change committed) and `seq` (its place in that transaction) make the key unique.
    """

    model_uid: str
    model_name: str
    timestamp: int
    rev: int = 0
    seq: int = 0
    subject: ChangeKind
    version: int | None = None
    from_stage: str | None = None
    to_stage: str | None = None
    alias: str | None = None
    from_version: int | None = None
    to_version: int | None = None
    principal: str = ""
    request_id: str = ""
    comment: str | None = None
    # Why the change happened when it is the side effect of another one (archived_by_promotion, version_deleted...).
    reason: str | None = None


# -- promotion policies ----------------------------------------------------------------------------------------

METRIC_OPERATORS = (">=", ">", "<=", "<", "==", "!=")
_STAGE_NAMES = ("None", "Staging", "Production", "Archived")
_TARGET = re.compile(r"^(stage|alias):[A-Za-z0-9_.\-]{1,255}$")


class MetricRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["metric"]
    key: StrictStr = Field(min_length=1, max_length=MAX_ENTITY_KEY_LENGTH)
    op: Literal[">=", ">", "<=", "<", "==", "!="]
    value: float = Field(allow_inf_nan=False)


class TagRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["tag"]
    key: StrictStr = Field(min_length=1, max_length=MAX_ENTITY_KEY_LENGTH)
    # None: the tag must merely be present.
    value: StrictStr | None = None


class DescriptionRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["description_not_empty"]


class PriorStageRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["prior_stage"]
    # The version must have been in this stage before (any time), e.g. "Staging" before "Production".
    stage: Literal["Staging", "Production", "Archived", "None"]


PolicyRule = Annotated[MetricRule | TagRule | DescriptionRule | PriorStageRule, Field(discriminator="type")]


class PromotionPolicy(BaseModel):
    """Rules a version must meet to enter a target: `stage:Production`, `alias:champion`, ..."""

    model_config = ConfigDict(extra="forbid")
    rules: dict[str, list[PolicyRule]] = Field(default_factory=dict)

    @field_validator("rules")
    @classmethod
    def _check_targets(cls, rules: dict[str, list[Any]]) -> dict[str, list[Any]]:
        if len(rules) > MAX_POLICY_TARGETS:
            raise ValueError(f"at most {MAX_POLICY_TARGETS} targets")
        for target, target_rules in rules.items():
            if not _TARGET.match(target):
                raise ValueError(f"target {target!r} must be 'stage:<Stage>' or 'alias:<alias>'")
            if target.startswith("stage:") and target.removeprefix("stage:") not in _STAGE_NAMES:
                raise ValueError(f"target {target!r}: the stage must be one of {', '.join(_STAGE_NAMES)}")
            if len(target_rules) > MAX_POLICY_RULES:
                raise ValueError(f"at most {MAX_POLICY_RULES} rules per target")
        return rules


def stage_target(stage: str) -> str:
    return f"stage:{stage}"


def alias_target(alias: str) -> str:
    return f"alias:{alias}"


# -- events ----------------------------------------------------------------------------------------------------


class EventType(StrEnum):
    """`<entity>.<action>`, MLflow 3's webhook event names where MLflow has one."""

    REGISTERED_MODEL_CREATED = "registered_model.created"
    REGISTERED_MODEL_RENAMED = "registered_model.renamed"
    REGISTERED_MODEL_DELETED = "registered_model.deleted"
    REGISTERED_MODEL_TAG_SET = "registered_model_tag.set"
    REGISTERED_MODEL_TAG_DELETED = "registered_model_tag.deleted"
    MODEL_VERSION_CREATED = "model_version.created"
    MODEL_VERSION_READY = "model_version.ready"
    MODEL_VERSION_DELETED = "model_version.deleted"
    MODEL_VERSION_STAGE_TRANSITIONED = "model_version.stage_transitioned"
    MODEL_VERSION_TAG_SET = "model_version_tag.set"
    MODEL_VERSION_TAG_DELETED = "model_version_tag.deleted"
    MODEL_VERSION_ALIAS_CREATED = "model_version_alias.created"
    MODEL_VERSION_ALIAS_DELETED = "model_version_alias.deleted"


EVENT_SCHEMA_VERSION = 1
# Outbox items outlive their publication by this much (DynamoDB's TTL then removes them; REMOVE records are not
# published: the stream consumer only sees inserts).
OUTBOX_RETENTION_S = 7 * 24 * 3600
DELIVERY_LOG_RETENTION_S = 30 * 24 * 3600


class RegistryEvent(BaseModel):
    """A registry change, written (as an outbox item) in the transaction that makes the change.

    `id` is derived from the item's key, so a re-delivery carries the same id and consumers can drop duplicates.
    """

    id: str = ""
    type: EventType
    schema_version: int = EVENT_SCHEMA_VERSION
    timestamp: int
    model_uid: str
    model_name: str
    rev: int = 0
    seq: int = 0
    principal: str = ""
    request_id: str = ""
    data: dict[str, Any] = Field(default_factory=dict)
    # DynamoDB TTL (epoch seconds) of the outbox item: published long before; not part of the published event.
    expires_at: int | None = None


# -- webhooks (MLflow 3's webhook API) ---------------------------------------------------------------------------


class WebhookStatus(StrEnum):
    ACTIVE = "ACTIVE"
    DISABLED = "DISABLED"


# smr event type -> MLflow's (entity, action), for the events MLflow's webhooks know; the others reach EventBridge.
MLFLOW_WEBHOOK_EVENTS: dict[EventType, tuple[str, str]] = {
    EventType.REGISTERED_MODEL_CREATED: ("registered_model", "created"),
    EventType.MODEL_VERSION_CREATED: ("model_version", "created"),
    EventType.MODEL_VERSION_TAG_SET: ("model_version_tag", "set"),
    EventType.MODEL_VERSION_TAG_DELETED: ("model_version_tag", "deleted"),
    EventType.MODEL_VERSION_ALIAS_CREATED: ("model_version_alias", "created"),
    EventType.MODEL_VERSION_ALIAS_DELETED: ("model_version_alias", "deleted"),
}
VALID_WEBHOOK_EVENTS = frozenset(MLFLOW_WEBHOOK_EVENTS.values())


class WebhookEventName(BaseModel):
    """MLflow's WebhookEvent. On the wire MLflow spells them as proto enum names (MODEL_VERSION, CREATED)."""

    model_config = ConfigDict(extra="ignore")
    entity: StrictStr
    action: StrictStr

    @field_validator("entity", "action")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()


class Webhook(BaseModel):
    webhook_id: str
    name: str
    description: str | None = None
    url: str
    events: list[WebhookEventName]
    # Never logged, never returned: the API's JSON of a webhook is built without it.
    secret: str | None = Field(default=None, repr=False)
    status: WebhookStatus = WebhookStatus.ACTIVE
    creation_timestamp: int
    last_updated_timestamp: int

    def subscribes_to(self, entity: str, action: str) -> bool:
        return any(event.entity == entity and event.action == action for event in self.events)


class DeliveryAttempt(BaseModel):
    """One attempt to deliver one event to one webhook (the delivery log a user reads)."""

    webhook_id: str
    delivery_id: str
    event_id: str
    event_type: str
    attempt: int
    timestamp: int
    success: bool
    status_code: int | None = None
    error: str | None = None
    duration_ms: int = 0
    # True on the last attempt SQS will make before the message goes to the dead-letter queue.
    final: bool = False
    # DynamoDB TTL (epoch seconds): the delivery log keeps a month.
    expires_at: int | None = None
