"""MLflow's model registry operations: names, gapless versions, stages, aliases, tags, rename and delete.

Each write says only what changes (with the shared edits of service/model_edits.py); `ModelWriter.mutate_model`
(service/model_writer.py) reads the model, checks the caller, commits on condition that the model's revision did not
move, and replays a lost race. Rename and delete, O(versions), are in service/lifecycle.py. Permissions, governance
(metrics, promotion policies) and upload registration are smr's extensions, each in its own module.
"""

from __future__ import annotations

from collections.abc import Callable

from registry_core.domain.entities import (
    ALL_STAGES,
    EXCLUSIVE_STAGES,
    Caller,
    ModelState,
    ModelVersion,
    RegisteredModel,
    VersionStatus,
    canonical_stage,
)
from registry_core.domain.errors import (
    InvalidParameterValue,
    ResourceAlreadyExists,
    ResourceConflict,
    ResourceDoesNotExist,
)
from registry_core.domain.governance import EventType, ModelMetric, alias_target, stage_target
from registry_core.domain.permissions import PermissionLevel, owner_permissions
from registry_core.domain.validation import (
    RESERVED_ALIAS_LATEST,
    validate_alias_name,
    validate_alias_not_reserved,
    validate_model_name,
    validate_tag,
    validate_tag_key,
    validate_version,
)
from registry_core.service.changes import version_event_data
from registry_core.service.governance import merged_metrics, recorded_metrics
from registry_core.service.lifecycle import ModelLifecycle
from registry_core.service.model_edits import changed_version, new_version, set_alias, set_version_tag, transition
from registry_core.service.model_writer import ModelChange, ModelWriter, now_ms, version_not_found
from registry_core.service.policy import check_promotion, promotion_failures
from registry_core.store.base import RegistryStore, Write

LOGGED_MODEL_SCHEME = "models:/"
# `expected_version` values that mean "the alias must not be set".
EXPECTED_UNSET = ("", "none")

LoggedModelLocation = Callable[[str], tuple[str, str | None] | None]


class RegistryService:
    def __init__(
        self,
        store: RegistryStore,
        caller: Caller,
        *,
        clock: Callable[[], int] = now_ms,
        logged_model_location: LoggedModelLocation | None = None,
    ) -> None:
        self._store = store
        self._caller = caller
        self._writer = ModelWriter(store, caller, clock)
        self._lifecycle = ModelLifecycle(self._writer)
        # model_id -> (artifact location, source run id) of a logged model smr tracks, or None.
        self._logged_model_location = logged_model_location

    # -- registered models ---------------------------------------------------------------------------------

    def create_registered_model(
        self, name: str, tags: dict[str, str] | None = None, description: str | None = None
    ) -> RegisteredModel:
        validate_model_name(name)
        for key, value in (tags or {}).items():
            validate_tag(key, value)

        def attempt() -> RegisteredModel:
            existing = self._store.get_model(name)
            if existing is not None:
                if existing.state is not ModelState.DELETING:
                    raise ResourceAlreadyExists(f"Registered Model (name={name}) already exists.")
                self._lifecycle.finish_deletion(existing)
            now = self._writer.clock()
            model = RegisteredModel(
                name=name,
                creation_timestamp=now,
                last_updated_timestamp=now,
                description=description,
                tags=dict(tags or {}),
                # Its creator owns it (MANAGE); smr itself owns nothing (domain/permissions.py).
                permissions=owner_permissions(self._caller),
            )
            changes = self._writer.changes(model, now)
            changes.event(
                EventType.REGISTERED_MODEL_CREATED,
                {"name": name, "tags": dict(tags or {}), **({"description": description} if description else {})},
            )
            history, events = changes.stamped(model.rev)
            self._writer.commit(Write(put_models=[(model, None)], history=history, events=events))
            return model

        return self._writer.retrying(attempt)

    def get_registered_model(self, name: str) -> RegisteredModel:
        validate_model_name(name)
        return self._writer.readable(name, self._store.get_model(name))

    def update_registered_model(self, name: str, description: str | None) -> RegisteredModel:
        validate_model_name(name)

        def change(draft: ModelChange) -> RegisteredModel:
            draft.model.description = description
            draft.model.last_updated_timestamp = draft.now
            return draft.model

        return self._writer.mutate_model(name, change)

    def set_registered_model_tag(self, name: str, key: str, value: str) -> None:
        validate_model_name(name)
        validate_tag(key, value)

        def change(draft: ModelChange) -> None:
            draft.model.tags[key] = value
            draft.changes.event(EventType.REGISTERED_MODEL_TAG_SET, {"name": name, "key": key, "value": value})

        self._writer.mutate_model(name, change)

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        validate_model_name(name)
        validate_tag_key(key)

        def change(draft: ModelChange) -> None:
            if key not in draft.model.tags:
                return draft.nothing_to_commit()
            del draft.model.tags[key]
            draft.changes.event(EventType.REGISTERED_MODEL_TAG_DELETED, {"name": name, "key": key})

        self._writer.mutate_model(name, change)

    def get_latest_versions(self, name: str, stages: list[str] | None = None) -> list[ModelVersion]:
        validate_model_name(name)
        wanted = {canonical_stage(stage) for stage in stages} if stages else set(ALL_STAGES)
        model = self._writer.readable(name, self._store.get_model(name))
        return [version for version in model.latest_versions() if version.current_stage in wanted]

    # -- rename and delete: O(versions), resumable -----------------------------------------------------------

    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        """Rename the model (in resumable steps: service/lifecycle.py); its versions, history and aliases follow."""
        validate_model_name(name)
        validate_model_name(new_name, path="new_name")
        if new_name == name:
            return self.get_registered_model(name)
        return self._lifecycle.rename(name, new_name)

    def delete_registered_model(self, name: str) -> None:
        """Delete the model and its versions (hidden at once, then removed in resumable steps)."""
        validate_model_name(name)
        self._lifecycle.delete(name)

    # -- aliases -------------------------------------------------------------------------------------------

    def set_registered_model_alias(
        self,
        name: str,
        alias: str,
        version: str | int,
        *,
        expected_version: str | int | None = None,
        comment: str | None = None,
    ) -> None:
        """Point `alias` at `version`.

        `expected_version` makes the move optimistic: the alias must point there now ("" or "none": be unset), or
        the move is refused with RESOURCE_CONFLICT (409) and nothing changes: a concurrent move is never overwritten.
        """
        validate_model_name(name)
        validate_alias_name(alias)
        validate_alias_not_reserved(alias)
        number = validate_version(version)
        expected: int | None = None
        if expected_version is not None and str(expected_version).strip().lower() not in EXPECTED_UNSET:
            expected = validate_version(expected_version)

        def change(draft: ModelChange) -> None:
            model, target = draft.model, draft.version
            assert target is not None
            current = model.aliases.get(alias)
            if expected_version is not None and current != expected:
                raise ResourceConflict(
                    f"Alias {alias!r} of {name!r} points to "
                    f"{'no version' if current is None else f'version {current}'}, "
                    f"not the expected {'no version' if expected is None else f'version {expected}'}; "
                    "it was moved concurrently. Read it again and retry."
                )
            check_promotion(model.policy, alias_target(alias), target)
            set_alias(draft, alias, number)

        self._writer.mutate_model(name, change, version=number, comment=comment)

    def delete_registered_model_alias(self, name: str, alias: str, *, comment: str | None = None) -> None:
        validate_model_name(name)
        validate_alias_name(alias)

        def change(draft: ModelChange) -> None:
            if alias not in draft.model.aliases:
                return draft.nothing_to_commit()
            previous = draft.model.aliases.pop(alias)
            draft.changes.alias(alias, previous, None)
            draft.changes.event(
                EventType.MODEL_VERSION_ALIAS_DELETED, {"name": name, "alias": alias, "version": str(previous)}
            )

        self._writer.mutate_model(name, change, comment=comment)

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        validate_model_name(name)
        validate_alias_name(alias)
        model = self._writer.readable(name, self._store.get_model(name))
        if alias.lower() == RESERVED_ALIAS_LATEST:
            latest = model.latest_versions()
            if not latest:
                raise ResourceDoesNotExist(f"Latest version not found for model {name}.")
            return max(latest, key=lambda version: version.version)
        if alias not in model.aliases:
            raise InvalidParameterValue(f"Registered model alias {alias} not found.")
        return model.with_aliases(model.copies[model.aliases[alias]])

    # -- model versions ------------------------------------------------------------------------------------

    def create_model_version(
        self,
        name: str,
        source: str,
        *,
        run_id: str | None = None,
        tags: dict[str, str] | None = None,
        run_link: str | None = None,
        description: str | None = None,
        model_id: str | None = None,
        status: VersionStatus = VersionStatus.READY,
        storage_location: str | None = None,
        model_metrics: list[ModelMetric] | None = None,
        model_params: dict[str, str] | None = None,
    ) -> ModelVersion:
        validate_model_name(name)
        for key, value in (tags or {}).items():
            validate_tag(key, value)
        metrics, params = merged_metrics([], {}, model_metrics or [], model_params or {})
        storage_location, run_id = self._resolve_logged_model(source, model_id, storage_location, run_id)

        def change(draft: ModelChange) -> ModelVersion:
            version = new_version(
                draft,
                self._caller,
                source=source,
                run_id=run_id,
                run_link=run_link,
                description=description,
                status=status,
                tags=dict(tags or {}),
                model_id=model_id or None,
                storage_location=storage_location,
                model_metrics=recorded_metrics(metrics, self._caller, draft.now),
                model_params=params,
            )
            if status is VersionStatus.READY:
                draft.changes.event(EventType.MODEL_VERSION_READY, version_event_data(version))
            return draft.model.with_aliases(version)

        return self._writer.mutate_model(name, change)

    def _resolve_logged_model(
        self, source: str, model_id: str | None, storage_location: str | None, run_id: str | None
    ) -> tuple[str | None, str | None]:
        """For a `models:/<model_id>` source that smr tracks: the logged model's files, so any machine can load them.

        MLflow 3 clients register `models:/<model_id>`, which only the tracking server can resolve; recording the
        logged model's artifact location makes `get-download-uri` answer an `s3://` URI instead.
        """
        if storage_location or self._logged_model_location is None or not source.startswith(LOGGED_MODEL_SCHEME):
            return storage_location, run_id
        source_model_id = source.removeprefix(LOGGED_MODEL_SCHEME).strip("/")
        if "/" in source_model_id or not source_model_id:
            return storage_location, run_id  # models:/<name>/<version> names a registered model, not a logged one
        if model_id and model_id != source_model_id:
            return storage_location, run_id
        found = self._logged_model_location(source_model_id)
        if found is None:
            return storage_location, run_id
        location, source_run_id = found
        return location, run_id or source_run_id

    def get_model_version(self, name: str, version: str | int) -> ModelVersion:
        validate_model_name(name)
        number = validate_version(version)
        model, found = self._store.get_model_and_version(name, number)
        model = self._writer.readable(name, model)
        if found is None or number not in model.stages:
            raise version_not_found(name, number)
        return model.with_aliases(found)

    def get_model_version_download_uri(self, name: str, version: str | int) -> str:
        return self.get_model_version(name, version).download_uri

    def update_model_version(self, name: str, version: str | int, description: str | None) -> ModelVersion:
        validate_model_name(name)
        number = validate_version(version)

        def change(draft: ModelChange) -> ModelVersion:
            found = changed_version(draft)
            found.description = description
            found.last_updated_timestamp = draft.now
            return draft.model.with_aliases(found)

        return self._writer.mutate_model(name, change, version=number)

    def set_model_version_tag(self, name: str, version: str | int, key: str, value: str) -> None:
        validate_model_name(name)
        number = validate_version(version)
        validate_tag(key, value)

        def change(draft: ModelChange) -> None:
            set_version_tag(draft, key, value)

        self._writer.mutate_model(name, change, version=number)

    def delete_model_version_tag(self, name: str, version: str | int, key: str) -> None:
        validate_model_name(name)
        number = validate_version(version)
        validate_tag_key(key)

        def change(draft: ModelChange) -> None:
            assert draft.version is not None
            if key not in draft.version.tags:
                return draft.nothing_to_commit()
            found = changed_version(draft)
            del found.tags[key]
            draft.changes.event(EventType.MODEL_VERSION_TAG_DELETED, {"name": name, "version": str(number), "key": key})

        self._writer.mutate_model(name, change, version=number)

    def transition_model_version_stage(
        self,
        name: str,
        version: str | int,
        stage: str,
        archive_existing_versions: bool = False,
        *,
        comment: str | None = None,
    ) -> ModelVersion:
        """Move a version to `stage`.

        Stage uniqueness (smr's documented choice): Staging and Production hold at most one version each, so the
        previous holder is archived in the same transaction whatever `archive_existing_versions` says.
        """
        validate_model_name(name)
        number = validate_version(version)
        target_stage = canonical_stage(stage)
        if archive_existing_versions and target_stage not in EXCLUSIVE_STAGES:
            raise InvalidParameterValue(
                "Model version transition cannot archive existing model versions because "
                f"'{stage}' is not an Active stage. Valid stages are ['Staging', 'Production']"
            )

        def change(draft: ModelChange) -> ModelVersion:
            assert draft.version is not None
            check_promotion(draft.model.policy, stage_target(target_stage.value), draft.version)
            transition(self._writer, draft, target_stage)
            return draft.model.with_aliases(draft.version)

        return self._writer.mutate_model(name, change, version=number, prefetch_previous=True, comment=comment)

    def delete_model_version(self, name: str, version: str | int) -> None:
        validate_model_name(name)
        number = validate_version(version)

        def change(draft: ModelChange) -> None:
            model, found = draft.model, draft.version
            assert found is not None
            draft.changes.stage(number, model.stages.pop(number).value, None, reason="version_deleted")
            removed = sorted(alias for alias, target in model.aliases.items() if target == number)
            for alias in removed:
                draft.changes.alias(alias, number, None, reason="version_deleted")
            draft.changes.event(
                EventType.MODEL_VERSION_DELETED, {**version_event_data(found), "removed_aliases": removed}
            )
            model.aliases = {alias: target for alias, target in model.aliases.items() if target != number}
            model.last_updated_timestamp = draft.now
            model.copies.pop(number, None)
            draft.delete_versions.append(number)

        self._writer.mutate_model(name, change, version=number, prefetch_previous=True, needed=PermissionLevel.MANAGE)

    # -- atomic promotion (smr extension) ----------------------------------------------------------------------

    def promote_model_version(
        self,
        name: str,
        version: str | int,
        *,
        stage: str | None = None,
        aliases: list[str] | None = None,
        archive_existing_versions: bool = False,
        comment: str | None = None,
    ) -> ModelVersion:
        """Move a version to `stage` and point `aliases` at it in one transaction: all of it, or nothing.

        The promotion policy is checked for every target (the stage, then each alias, against the version as the
        stage move leaves it, as the separate calls in that order would) before anything is committed; a refusal
        lists every broken rule of every target. History and events are those of the separate transition and alias
        calls (the same edits, model_edits.transition and set_alias).
        """
        validate_model_name(name)
        number = validate_version(version)
        target_stage = canonical_stage(stage) if stage is not None else None
        wanted_aliases = list(dict.fromkeys(aliases or []))
        for alias in wanted_aliases:
            validate_alias_name(alias)
            validate_alias_not_reserved(alias)
        if target_stage is None and not wanted_aliases:
            raise InvalidParameterValue("A promotion needs a stage, at least one alias, or both.")
        if archive_existing_versions and target_stage not in EXCLUSIVE_STAGES:
            raise InvalidParameterValue(
                "Model version transition cannot archive existing model versions because "
                f"'{stage}' is not an Active stage. Valid stages are ['Staging', 'Production']"
            )

        def change(draft: ModelChange) -> ModelVersion:
            model, found = draft.model, draft.version
            assert found is not None
            refusals: list[str | None] = []
            if target_stage is not None:
                refusals.append(promotion_failures(model.policy, stage_target(target_stage.value), found))
                transition(self._writer, draft, target_stage)
            for alias in wanted_aliases:
                refusals.append(promotion_failures(model.policy, alias_target(alias), found))
                set_alias(draft, alias, number)
            # Only in memory so far: raising here leaves the registry exactly as it was.
            failures = [refusal for refusal in refusals if refusal is not None]
            if failures:
                raise InvalidParameterValue("; ".join(failures) + ". Nothing was changed.")
            return model.with_aliases(found)

        return self._writer.mutate_model(
            name, change, version=number, prefetch_previous=target_stage is not None, comment=comment
        )
