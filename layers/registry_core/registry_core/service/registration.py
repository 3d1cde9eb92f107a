"""Registering versions whose files smr copies in: the registry side of service/artifacts.py's protocol.

A registration creates the version PENDING_REGISTRATION (for an upload, in the same transaction as the upload record
that names it), and settles it once, to READY (with the aliases and stage the upload asked for) or to
FAILED_REGISTRATION. `VersionRegistration` is all the artifact service may ask of the registry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from pydantic import ValidationError

from registry_core.domain.artifacts import UPLOAD_MANIFEST_NAME, Upload, UploadManifest, UploadState
from registry_core.domain.entities import Caller, ModelVersion, RegisteredModel, Stage, VersionStatus, canonical_stage
from registry_core.domain.errors import InvalidParameterValue
from registry_core.domain.governance import EventType, ModelMetric, alias_target, stage_target
from registry_core.domain.validation import (
    validate_alias_name,
    validate_alias_not_reserved,
    validate_model_name,
    validate_tag,
    validate_version,
)
from registry_core.service.changes import version_event_data
from registry_core.service.governance import add_metrics, merged_metrics
from registry_core.service.model_edits import (
    changed_version,
    new_version,
    set_alias,
    set_version_tag,
    transition,
)
from registry_core.service.model_writer import ModelChange, ModelWriter, now_ms
from registry_core.service.policy import check_promotion
from registry_core.service.registry import RegistryService
from registry_core.store.base import ConcurrentModification, RegistryStore, Write


class VersionRegistration(Protocol):
    """What registering copied-in versions needs of the registry (implemented by RegistrationService)."""

    def create_registered_model(self, name: str) -> RegisteredModel: ...

    def get_registered_model(self, name: str) -> RegisteredModel: ...

    def create_model_version(self, name: str, source: str, **fields: Any) -> ModelVersion: ...

    def get_model_version(self, name: str, version: str | int) -> ModelVersion: ...

    def register_upload_version(self, upload: Upload, source: str) -> tuple[ModelVersion, bool]: ...

    def finish_registration(
        self,
        name: str,
        version: str | int,
        status: VersionStatus,
        status_message: str | None = None,
        storage_location: str | None = None,
        aliases: list[str] | None = None,
        stage: str | None = None,
    ) -> ModelVersion: ...

    def apply_upload_metadata(self, name: str, version: int, requested: UploadManifest) -> ModelVersion: ...

    def commit_upload(self, upload: Upload, expected_rev: int | None) -> None: ...


def manifest_metrics(requested: UploadManifest) -> list[ModelMetric]:
    """smr.json's `model_metrics` map as the version's model_metrics (what promotion policies read)."""
    try:
        return [ModelMetric(key=key, value=value) for key, value in requested.model_metrics.items()]
    except ValidationError as error:
        first = error.errors()[0]
        raise InvalidParameterValue(f"{UPLOAD_MANIFEST_NAME}: field 'model_metrics': {first['msg']}") from None


def asks_for_anything(requested: UploadManifest) -> bool:
    """Whether applying `requested` to an existing version would change it (run_id only counts at creation)."""
    return bool(
        requested.description is not None
        or requested.tags
        or requested.model_metrics
        or requested.model_params
        or requested.aliases
        or (requested.stage is not None and canonical_stage(requested.stage) is not Stage.NONE)
    )


def validate_requested(requested: UploadManifest) -> None:
    """Everything an upload asks for must be possible before a version is made (never a half-made version)."""
    if requested.stage is not None:
        canonical_stage(requested.stage)
    for alias in requested.aliases:
        validate_alias_name(alias)
        validate_alias_not_reserved(alias)
    for key, value in requested.tags.items():
        validate_tag(key, value)
    merged_metrics([], {}, manifest_metrics(requested), requested.model_params)


class RegistrationService:
    """Implements VersionRegistration: the registry's reads and creates, plus the registration-only writes."""

    def __init__(
        self, registry: RegistryService, store: RegistryStore, caller: Caller, *, clock: Callable[[], int] = now_ms
    ) -> None:
        self._registry = registry
        self._caller = caller
        self._writer = ModelWriter(store, caller, clock)

    # -- the registry's own operations, as registration uses them ------------------------------------------

    def create_registered_model(self, name: str) -> RegisteredModel:
        return self._registry.create_registered_model(name)

    def get_registered_model(self, name: str) -> RegisteredModel:
        return self._registry.get_registered_model(name)

    def create_model_version(self, name: str, source: str, **fields: Any) -> ModelVersion:
        return self._registry.create_model_version(name, source, **fields)

    def get_model_version(self, name: str, version: str | int) -> ModelVersion:
        return self._registry.get_model_version(name, version)

    # -- registration --------------------------------------------------------------------------------------

    def register_upload_version(self, upload: Upload, source: str) -> tuple[ModelVersion, bool]:
        """Create the one version an upload registers, PENDING_REGISTRATION, or find the one it already made.

        The version (with the description, tags, metrics and params the upload asked for) and the upload record (now
        REGISTERING, naming the version) are one transaction, on condition that neither the model nor the upload
        record moved: a redelivered or concurrent registration of the same upload therefore finds the version instead
        of making a second one. Returns (version, created).
        """
        validate_model_name(upload.name)
        requested = upload.requested
        validate_requested(requested)
        metrics, params = merged_metrics([], {}, manifest_metrics(requested), requested.model_params)
        store = self._writer.store

        def attempt() -> tuple[ModelVersion, bool]:
            current = store.get_upload(upload.name, upload.upload_id)
            if current is not None and current.version is not None:
                return self._registry.get_model_version(upload.name, current.version), False
            if current is not None and current.state not in (UploadState.OPEN, UploadState.FAILED):
                raise ConcurrentModification(f"upload {upload.upload_id} is {current.state}")
            model = self._writer.writable(upload.name, store.get_model(upload.name))
            now = self._writer.clock()
            draft = ModelChange(model, None, [], self._writer.changes(model, now), now)
            version = new_version(
                draft,
                self._caller,
                source=source,
                run_id=requested.run_id or None,
                description=requested.description,
                status=VersionStatus.PENDING_REGISTRATION,
                tags=dict(requested.tags),
                model_metrics=metrics,
                model_params=params,
            )
            expected = current.rev if current is not None else None
            record = upload.model_copy(
                update={
                    "state": UploadState.REGISTERING,
                    "version": version.version,
                    "reason": None,
                    "rev": (expected + 1) if expected is not None else 0,
                    "last_updated_timestamp": now,
                }
            )
            self._writer.sync_copies(model, [version])
            self._writer.commit_model(
                model, new_versions=[version], put_uploads=[(record, expected)], changes=draft.changes
            )
            return model.with_aliases(version), True

        return self._writer.retrying(attempt)

    def commit_upload(self, upload: Upload, expected_rev: int | None) -> None:
        """Write an upload record on condition that it is at `expected_rev` (None: that it does not exist yet)."""
        self._writer.commit(Write(put_uploads=[(upload, expected_rev)]))

    def finish_registration(
        self,
        name: str,
        version: str | int,
        status: VersionStatus,
        status_message: str | None = None,
        storage_location: str | None = None,
        aliases: list[str] | None = None,
        stage: str | None = None,
    ) -> ModelVersion:
        """Move a version out of PENDING_REGISTRATION (to READY or FAILED_REGISTRATION), once.

        Conditional like every write: only a PENDING_REGISTRATION version moves, so a replayed copy cannot flip
        a version that already settled (it gets the settled version back). The aliases and stage an upload asked
        for are applied in the same commit as READY, so nobody sees a READY version without them.
        """
        validate_model_name(name)
        number = validate_version(version)
        if status is VersionStatus.PENDING_REGISTRATION:
            raise InvalidParameterValue("A registration finishes as READY or FAILED_REGISTRATION.")
        for alias in aliases or []:
            validate_alias_name(alias)
            validate_alias_not_reserved(alias)
        target_stage = canonical_stage(stage) if stage is not None else None

        def change(draft: ModelChange) -> ModelVersion:
            found = draft.version
            assert found is not None
            if found.status is not VersionStatus.PENDING_REGISTRATION:
                draft.nothing_to_commit()
                return draft.model.with_aliases(found)
            found = changed_version(draft)
            found.status = status
            found.status_message = status_message
            if storage_location is not None:
                found.storage_location = storage_location
            found.last_updated_timestamp = draft.now
            if status is VersionStatus.READY:
                draft.changes.event(EventType.MODEL_VERSION_READY, version_event_data(found))
                for alias in aliases or []:
                    set_alias(draft, alias, number)
                if target_stage is not None and target_stage is not Stage.NONE:
                    archived = self._writer.move_to_stage(draft.model, found, target_stage, draft.now, draft.changes)
                    draft.put_versions.extend(archived[1:])
            return draft.model.with_aliases(found)

        return self._writer.mutate_model(name, change, version=number, prefetch_previous=True)

    def apply_upload_metadata(self, name: str, version: int, requested: UploadManifest) -> ModelVersion:
        """Apply what an upload's smr.json asks for to a version that already exists, as ONE change.

        Description, tags, metrics and params, aliases and stage land in one transaction (one model revision, one
        set of history records and events), after the promotion policy allowed every alias and the stage: either
        all of it applies or none of it.
        """
        validate_model_name(name)
        validate_requested(requested)
        target_stage = canonical_stage(requested.stage) if requested.stage is not None else None

        def change(draft: ModelChange) -> ModelVersion:
            if not asks_for_anything(requested):
                draft.nothing_to_commit()
                assert draft.version is not None
                return draft.model.with_aliases(draft.version)
            found = changed_version(draft)
            if requested.description is not None:
                found.description = requested.description
                found.last_updated_timestamp = draft.now
            for key, value in requested.tags.items():
                set_version_tag(draft, key, value)
            if requested.model_metrics or requested.model_params:
                add_metrics(draft, manifest_metrics(requested), requested.model_params)
            # The policy reads the version as this change leaves it (its new metrics and tags included).
            for alias in requested.aliases:
                check_promotion(draft.model.policy, alias_target(alias), found)
            if target_stage is not None and target_stage is not Stage.NONE:
                check_promotion(draft.model.policy, stage_target(target_stage.value), found)
            for alias in requested.aliases:
                set_alias(draft, alias, version)
            if target_stage is not None and target_stage is not Stage.NONE:
                transition(self._writer, draft, target_stage)
            return draft.model.with_aliases(found)

        return self._writer.mutate_model(name, change, version=version, prefetch_previous=True)
