"""The registry's entities.

`RegisteredModel` is the aggregate: one DynamoDB item that carries every invariant of a model (its version counter,
who holds Staging and Production, where each alias points) and copies of the versions a read of the model must return
(the newest version of each stage and every alias target), so that every read is a single round trip and every write
is a single conditional transaction on it.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from pydantic import BaseModel, Field

from registry_core.domain.errors import InvalidParameterValue
from registry_core.domain.governance import ModelMetric, PromotionPolicy

SYSTEM_PRINCIPAL = "smr:system"


class Caller(BaseModel):
    """Who is asking: the IAM principal API Gateway verified, and the request id (for logs and audit records).

    Every service acts for a caller; work no person asked for (queue and stream consumers) acts as
    `Caller.system()`, never as an absent caller.
    """

    principal: str
    request_id: str = ""
    # An admin principal (configuration) holds every permission on every model.
    admin: bool = False
    # smr itself (copying files in, registering uploads from S3 events, delivering webhooks).
    is_system: bool = False

    @classmethod
    def system(cls) -> Caller:
        """smr acting on its own: may do anything, and is recorded as no principal (history, user_id)."""
        return cls(principal=SYSTEM_PRINCIPAL, admin=True, is_system=True)

    @property
    def recorded_principal(self) -> str | None:
        """The principal that records (user_id, history, events) name; None for smr itself."""
        return None if self.is_system else self.principal


class Stage(StrEnum):
    NONE = "None"
    STAGING = "Staging"
    PRODUCTION = "Production"
    ARCHIVED = "Archived"


ALL_STAGES: tuple[Stage, ...] = (Stage.NONE, Stage.STAGING, Stage.PRODUCTION, Stage.ARCHIVED)
# Stages that at most one version of a model may hold at a time (the design card's stage uniqueness).
EXCLUSIVE_STAGES: frozenset[Stage] = frozenset({Stage.STAGING, Stage.PRODUCTION})
_STAGES_BY_LOWER = {stage.value.lower(): stage for stage in ALL_STAGES}


def canonical_stage(stage: str) -> Stage:
    """MLflow accepts stage names in any case and answers with the canonical spelling."""
    try:
        return _STAGES_BY_LOWER[stage.lower()]
    except KeyError:
        raise InvalidParameterValue(
            f"Invalid Model Version stage: {stage}. Value must be one of {', '.join(ALL_STAGES)}."
        ) from None


class VersionStatus(StrEnum):
    PENDING_REGISTRATION = "PENDING_REGISTRATION"
    FAILED_REGISTRATION = "FAILED_REGISTRATION"
    READY = "READY"


class ModelState(StrEnum):
    ACTIVE = "ACTIVE"
    # Being renamed: still readable under its old name; writes answer 503 so clients retry after the switch.
    RENAMING = "RENAMING"
    # The new name of a rename in progress: invisible until the switch.
    RENAME_TARGET = "RENAME_TARGET"
    # Deleted (or renamed away) with version items left to remove: invisible, and finished by whoever meets it.
    DELETING = "DELETING"


class ModelVersion(BaseModel):
    name: str
    version: int
    creation_timestamp: int
    last_updated_timestamp: int
    description: str | None = None
    user_id: str | None = None
    current_stage: Stage = Stage.NONE
    source: str = ""
    run_id: str | None = None
    run_link: str | None = None
    status: VersionStatus = VersionStatus.READY
    status_message: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    model_id: str | None = None
    # Where the artifacts are, when it differs from `source` (MLflow's storage_location).
    storage_location: str | None = None
    # MLflow 3's model_metrics / model_params (params kept as name -> value; MLflow's list shape on the wire).
    model_metrics: list[ModelMetric] = Field(default_factory=list)
    model_params: dict[str, str] = Field(default_factory=dict)
    # Every stage this version has entered (promotion policies' "must have been in Staging first"); not on the wire.
    stages_visited: list[str] = Field(default_factory=list)
    # Filled on the way out from the model's alias map; never stored with the version.
    aliases: list[str] = Field(default_factory=list, exclude=True)

    @property
    def download_uri(self) -> str:
        return self.storage_location or self.source


def new_model_uid() -> str:
    return uuid.uuid4().hex


class RegisteredModel(BaseModel):
    name: str
    # Stable across renames: names the model's artifact prefix in S3 (models/<uid>/<version>/).
    uid: str = Field(default_factory=new_model_uid)
    creation_timestamp: int
    last_updated_timestamp: int
    description: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    aliases: dict[str, int] = Field(default_factory=dict)
    # Optimistic concurrency: every write is conditioned on the revision it read.
    rev: int = 0
    # The number the next version gets; never reused, so numbers stay gapless and unique.
    next_version: int = 1
    # Stage of every live version: enough to find the newest version of a stage without reading versions.
    stages: dict[int, Stage] = Field(default_factory=dict)
    # Copies of the versions a read of the model returns: newest of each stage and every alias target.
    copies: dict[int, ModelVersion] = Field(default_factory=dict)
    state: ModelState = ModelState.ACTIVE
    rename_to: str | None = None
    renamed_from: str | None = None
    # Per-model permissions (see domain/permissions.py): principal -> READ | EDIT | MANAGE, and whether non-listed
    # principals may read the model at all.
    permissions: dict[str, str] = Field(default_factory=dict)
    private: bool = False

    # Rules a version must meet to enter a stage or take an alias; kept in the aggregate so checks cost no read.
    policy: PromotionPolicy | None = None

    @property
    def visible(self) -> bool:
        return self.state in (ModelState.ACTIVE, ModelState.RENAMING)

    def latest_version_numbers(self) -> dict[Stage, int]:
        """The newest live version of each stage that has one."""
        latest: dict[Stage, int] = {}
        for number, stage in self.stages.items():
            if number > latest.get(stage, 0):
                latest[stage] = number
        return latest

    def aliases_of(self, version: int) -> list[str]:
        return sorted(alias for alias, target in self.aliases.items() if target == version)

    def with_aliases(self, version: ModelVersion) -> ModelVersion:
        return version.model_copy(update={"aliases": self.aliases_of(version.version)})

    def latest_versions(self) -> list[ModelVersion]:
        """MLflow's `latest_versions`: the newest version of each stage.

        Ordered as MLflow's SQL store orders them: by the first (lowest) version seen in each stage.
        """
        latest = self.latest_version_numbers()
        first_seen: dict[Stage, int] = {}
        for number, stage in sorted(self.stages.items()):
            first_seen.setdefault(stage, number)
        ordered = sorted(latest, key=lambda stage: first_seen[stage])
        return [self.with_aliases(self.copies[latest[stage]]) for stage in ordered]
