"""The registry's rules: names, gapless versions, stages, aliases, rename and delete.

Every write reads the model item (with the version it touches, in the same round trip), applies the rule in memory,
and commits the new model item on condition that its revision did not move, together with the version items it
changes. A lost race raises ConcurrentModification, and the operation is replayed from a fresh read; the model item's
revision is thus the single point that serializes all writes to a model.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Callable
from typing import TypeVar

from registry_core.domain.artifacts import Upload, UploadState
from registry_core.domain.entities import (
    ALL_STAGES,
    EXCLUSIVE_STAGES,
    Caller,
    ModelState,
    ModelVersion,
    RegisteredModel,
    Stage,
    VersionStatus,
    canonical_stage,
)
from registry_core.domain.errors import (
    InvalidParameterValue,
    ResourceAlreadyExists,
    ResourceConflict,
    ResourceDoesNotExist,
    TemporarilyUnavailable,
)
from registry_core.domain.governance import (
    EventType,
    ModelMetric,
    PromotionPolicy,
    alias_target,
    stage_target,
)
from registry_core.domain.permissions import PermissionLevel, authorize
from registry_core.domain.validation import (
    RESERVED_ALIAS_LATEST,
    validate_alias_name,
    validate_alias_not_reserved,
    validate_model_name,
    validate_tag,
    validate_tag_key,
    validate_version,
)
from registry_core.service.changes import ChangeSet, version_event_data
from registry_core.service.policy import check_promotion, promotion_failures
from registry_core.store.base import (
    ConcurrentModification,
    Index,
    ItemTooLarge,
    PageRequest,
    RegistryStore,
    Write,
)

T = TypeVar("T")

# Optimistic writes that lose a race are replayed; with 20 writers on one model the last one needs ~20 tries.
MAX_WRITE_ATTEMPTS = 60
MAX_BACKOFF_SECONDS = 0.2
LOGGED_MODEL_SCHEME = "models:/"
# Versions moved or deleted per batch when renaming or deleting a model (one Query page).
CLEANUP_PAGE_SIZE = 100
# Metrics and params live in the version item and in the model item's copies: bounded to keep items small.
MAX_METRICS_PER_VERSION = 100
MAX_PARAMS_PER_VERSION = 100
MAX_PARAM_VALUE_LENGTH = 6000
MAX_COMMENT_LENGTH = 1000
# `expected_version` values that mean "the alias must not be set".
EXPECTED_UNSET = ("", "none")


def _now_ms() -> int:
    return int(time.time() * 1000)


def _model_not_found(name: str) -> ResourceDoesNotExist:
    return ResourceDoesNotExist(f"Registered Model with name={name} not found")


def _version_not_found(name: str, version: int) -> ResourceDoesNotExist:
    return ResourceDoesNotExist(f"Model Version (name={name}, version={version}) not found")


class RegistryService:
    def __init__(
        self,
        store: RegistryStore,
        clock: Callable[[], int] = _now_ms,
        caller: Caller | None = None,
        logged_model_location: Callable[[str], tuple[str, str | None] | None] | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._caller = caller
        # model_id -> (artifact location, source run id) of a logged model smr tracks, or None.
        self._logged_model_location = logged_model_location

    # -- plumbing ------------------------------------------------------------------------------------------

    def _retrying(self, attempt_once: Callable[[], T]) -> T:
        for attempt in range(MAX_WRITE_ATTEMPTS):
            try:
                return attempt_once()
            except ConcurrentModification:
                time.sleep(random.uniform(0, min(MAX_BACKOFF_SECONDS, 0.005 * 2**attempt)))
        raise TemporarilyUnavailable("Too many concurrent changes to this registered model; try again.")

    def _commit(self, write: Write) -> None:
        try:
            self._store.commit(write)
        except ItemTooLarge as error:
            raise InvalidParameterValue(
                f"The change makes the registered model's metadata too large to store ({error}). "
                "Use shorter tags or descriptions, or fewer aliases."
            ) from error

    def _commit_model(
        self,
        model: RegisteredModel,
        *,
        new_versions: list[ModelVersion] | None = None,
        put_versions: list[ModelVersion] | None = None,
        delete_versions: list[int] | None = None,
        put_uploads: list[tuple[Upload, int | None]] | None = None,
        changes: ChangeSet | None = None,
    ) -> None:
        """Commit `model` (read at revision model.rev) with the version items, history and events of the change."""
        expected_rev = model.rev
        model.rev = expected_rev + 1
        history, events = changes.stamped(model.rev) if changes else ([], [])
        self._commit(
            Write(
                put_models=[(model, expected_rev)],
                new_versions=new_versions or [],
                put_versions=put_versions or [],
                delete_versions=[(model.name, number) for number in delete_versions or []],
                put_uploads=put_uploads or [],
                history=history,
                events=events,
            )
        )

    def _changes(self, model: RegisteredModel, now: int | None = None, comment: str | None = None) -> ChangeSet:
        if comment is not None and len(comment) > MAX_COMMENT_LENGTH:
            raise InvalidParameterValue(f"comment must be at most {MAX_COMMENT_LENGTH} characters.")
        return ChangeSet(model, self._caller, self._clock() if now is None else now, comment)

    def _readable(
        self, name: str, model: RegisteredModel | None, needed: PermissionLevel = PermissionLevel.READ
    ) -> RegisteredModel:
        if model is None or not model.visible:
            raise _model_not_found(name)
        # The one place (with _writable) where per-model permissions are checked: right after the model is read,
        # before anything changes, at no extra round trip (they live in the model item).
        authorize(model, self._caller, needed)
        return model

    def _writable(
        self, name: str, model: RegisteredModel | None, needed: PermissionLevel = PermissionLevel.EDIT
    ) -> RegisteredModel:
        if model is None or not model.visible:
            raise _model_not_found(name)
        authorize(model, self._caller, needed)
        if model.state is ModelState.RENAMING:
            raise TemporarilyUnavailable(
                f"Registered model {name!r} is being renamed to {model.rename_to!r}; try again in a moment."
            )
        return model

    def _writable_version(
        self,
        name: str,
        version: int,
        *,
        prefetch_previous: bool = False,
        needed: PermissionLevel = PermissionLevel.EDIT,
    ) -> tuple[RegisteredModel, ModelVersion, list[ModelVersion]]:
        """The model and one of its versions, read in one round trip.

        With `prefetch_previous`, the version just below is read in the same round trip: when a version leaves a
        stage it was the newest of, that one is usually the next newest, whose copy the model item then needs.
        """
        wanted = [version, version - 1] if prefetch_previous and version > 1 else [version]
        model, found = self._store.get_model_and_versions(name, wanted)
        model = self._writable(name, model, needed)
        if version not in found or version not in model.stages:
            raise _version_not_found(name, version)
        spare = [found[number] for number in wanted[1:] if number in found and number in model.stages]
        return model, found[version], spare

    def _sync_copies(
        self, model: RegisteredModel, in_hand: list[ModelVersion], spare: list[ModelVersion] | None = None
    ) -> None:
        """Keep in the model item a copy of exactly the versions its reads return (newest per stage, alias targets).

        `in_hand` are versions this write changes (they replace their copies); `spare` are versions read alongside
        that may be needed; anything else missing costs one more read.
        """
        fresh = {version.version: version for version in [*(spare or []), *in_hand]}
        needed = set(model.latest_version_numbers().values()) | set(model.aliases.values())
        copies: dict[int, ModelVersion] = {}
        for number in sorted(needed):
            version = fresh.get(number) or model.copies.get(number) or self._store.get_version(model.name, number)
            if version is None:
                # The model item says the version lives, the version item is gone: a racing write; replay.
                raise ConcurrentModification(f"version {number} of {model.name} vanished")
            copies[number] = version
        model.copies = copies

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
                self._finish_deletion(existing)
            now = self._clock()
            model = RegisteredModel(
                name=name,
                creation_timestamp=now,
                last_updated_timestamp=now,
                description=description,
                tags=dict(tags or {}),
                permissions={self._caller.principal: PermissionLevel.MANAGE.name} if self._caller else {},
            )
            changes = self._changes(model, now)
            changes.event(
                EventType.REGISTERED_MODEL_CREATED,
                {"name": name, "tags": dict(tags or {}), **({"description": description} if description else {})},
            )
            history, events = changes.stamped(model.rev)
            self._commit(Write(put_models=[(model, None)], history=history, events=events))
            return model

        return self._retrying(attempt)

    def get_registered_model(self, name: str) -> RegisteredModel:
        validate_model_name(name)
        return self._readable(name, self._store.get_model(name))

    def update_registered_model(self, name: str, description: str | None) -> RegisteredModel:
        validate_model_name(name)

        def attempt() -> RegisteredModel:
            model = self._writable(name, self._store.get_model(name))
            model.description = description
            model.last_updated_timestamp = self._clock()
            self._commit_model(model)
            return model

        return self._retrying(attempt)

    def set_registered_model_tag(self, name: str, key: str, value: str) -> None:
        validate_model_name(name)
        validate_tag(key, value)

        def attempt() -> None:
            model = self._writable(name, self._store.get_model(name))
            model.tags[key] = value
            changes = self._changes(model)
            changes.event(EventType.REGISTERED_MODEL_TAG_SET, {"name": name, "key": key, "value": value})
            self._commit_model(model, changes=changes)

        self._retrying(attempt)

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        validate_model_name(name)
        validate_tag_key(key)

        def attempt() -> None:
            model = self._writable(name, self._store.get_model(name))
            if key in model.tags:
                del model.tags[key]
                changes = self._changes(model)
                changes.event(EventType.REGISTERED_MODEL_TAG_DELETED, {"name": name, "key": key})
                self._commit_model(model, changes=changes)

        self._retrying(attempt)

    def get_latest_versions(self, name: str, stages: list[str] | None = None) -> list[ModelVersion]:
        validate_model_name(name)
        wanted = {canonical_stage(stage) for stage in stages} if stages else set(ALL_STAGES)
        model = self._readable(name, self._store.get_model(name))
        return [version for version in model.latest_versions() if version.current_stage in wanted]

    # -- rename and delete: O(versions), resumable -----------------------------------------------------------

    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        """Rename in three steps, each safe to replay: reserve the new name, copy the versions, switch.

        Readers see the old name, whole, until the switch, and the new name, whole, after it. Writes to the old
        name meanwhile answer 503 (clients retry, then land under the new name or get a clean not-found).
        A rename interrupted at any point completes when called again.
        """
        validate_model_name(name)
        validate_model_name(new_name, path="new_name")
        if new_name == name:
            return self.get_registered_model(name)
        source = self._retrying(lambda: self._reserve_new_name(name, new_name))
        if source is not None:
            self._copy_versions(name, new_name)
            self._retrying(lambda: self._switch_names(name, new_name))
        retired = self._store.get_model(name)
        if retired is not None and retired.state is ModelState.DELETING:
            self._finish_deletion(retired)
        return self._readable(new_name, self._store.get_model(new_name))

    def _reserve_new_name(self, name: str, new_name: str) -> RegisteredModel | None:
        """Step 1. Returns the old model (now RENAMING), or None when a previous call already switched."""
        old, target = self._store.get_model(name), self._store.get_model(new_name)
        if (old is None or old.state is ModelState.DELETING) and target is not None and target.renamed_from == name:
            return None  # replay of a rename that already switched; only the cleanup may be left
        if old is None or not old.visible:
            raise _model_not_found(name)
        authorize(old, self._caller, PermissionLevel.MANAGE)
        if old.state is ModelState.RENAMING:
            if old.rename_to == new_name and target is not None and target.state is ModelState.RENAME_TARGET:
                return old  # replay: resume copying
            raise TemporarilyUnavailable(f"Registered model {name!r} is being renamed to {old.rename_to!r}.")
        if target is not None:
            if target.state is not ModelState.DELETING:
                raise ResourceAlreadyExists(f"Registered Model (name={new_name}) already exists.")
            self._finish_deletion(target)
        now = self._clock()
        reserved = old.model_copy(deep=True)
        reserved.name = new_name
        reserved.state = ModelState.RENAME_TARGET
        reserved.renamed_from = name
        reserved.rename_to = None
        reserved.rev = 0
        reserved.last_updated_timestamp = now
        reserved.copies = {
            number: copy.model_copy(update={"name": new_name, "last_updated_timestamp": now})
            for number, copy in old.copies.items()
        }
        expected_rev = old.rev
        old.state = ModelState.RENAMING
        old.rename_to = new_name
        old.rev = expected_rev + 1
        self._commit(Write(put_models=[(old, expected_rev), (reserved, None)]))
        return old

    def _copy_versions(self, name: str, new_name: str) -> None:
        """Step 2: idempotent copies of every version item under the new name (the old ones stay readable)."""
        start = None
        while True:
            page = self._store.query_versions(
                PageRequest(Index.VERSIONS_OF_MODEL, partition=name, start_key=start, limit=CLEANUP_PAGE_SIZE)
            )
            target = self._store.get_model(new_name)
            renamed_at = target.last_updated_timestamp if target else self._clock()
            self._store.put_versions_in_batches(
                [
                    version.model_copy(update={"name": new_name, "last_updated_timestamp": renamed_at})
                    for version, _ in page.items
                ]
            )
            if page.last_key is None:
                return
            start = page.last_key

    def _switch_names(self, name: str, new_name: str) -> None:
        """Step 3: in one transaction the new name becomes ACTIVE and the old one a tombstone to clean up."""
        old, target = self._store.get_model(name), self._store.get_model(new_name)
        if target is None or target.renamed_from != name:
            raise TemporarilyUnavailable(f"The rename of {name!r} to {new_name!r} was interrupted; try again.")
        if target.state is ModelState.ACTIVE:
            return  # already switched
        if old is None or old.state is not ModelState.RENAMING or old.rename_to != new_name:
            raise TemporarilyUnavailable(f"The rename of {name!r} to {new_name!r} was interrupted; try again.")
        target_rev, old_rev = target.rev, old.rev
        target.state = ModelState.ACTIVE
        target.rev = target_rev + 1
        old.state = ModelState.DELETING
        old.rev = old_rev + 1
        changes = self._changes(target)
        changes.event(EventType.REGISTERED_MODEL_RENAMED, {"name": new_name, "old_name": name})
        history, events = changes.stamped(target.rev)
        self._commit(Write(put_models=[(target, target_rev), (old, old_rev)], history=history, events=events))

    def delete_registered_model(self, name: str) -> None:
        """Hide the model at once (one conditional write), then delete its versions in batches, then the model.

        An interrupted delete leaves a hidden tombstone that the next delete, create or rename of the name finishes.
        """
        validate_model_name(name)

        def mark() -> RegisteredModel:
            model = self._store.get_model(name)
            if model is not None and model.state is ModelState.DELETING:
                return model  # replay of an interrupted delete: finish it
            model = self._writable(name, model, PermissionLevel.MANAGE)
            expected_rev = model.rev
            model.state = ModelState.DELETING
            model.rev = expected_rev + 1
            changes = self._changes(model)
            changes.event(EventType.REGISTERED_MODEL_DELETED, {"name": name})
            history, events = changes.stamped(model.rev)
            self._commit(Write(put_models=[(model, expected_rev)], history=history, events=events))
            return model

        self._finish_deletion(self._retrying(mark))

    def _finish_deletion(self, tombstone: RegisteredModel) -> None:
        while True:
            page = self._store.query_versions(
                PageRequest(Index.VERSIONS_OF_MODEL, partition=tombstone.name, limit=CLEANUP_PAGE_SIZE)
            )
            if not page.items:
                break
            self._store.delete_versions_in_batches(tombstone.name, [version.version for version, _ in page.items])
        current = self._store.get_model(tombstone.name)
        if current is not None and current.state is ModelState.DELETING:
            # A lost race here means someone else finished the deletion.
            with contextlib.suppress(ConcurrentModification):
                self._commit(Write(delete_models=[(current.name, current.rev)]))

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

        def attempt() -> None:
            model, target, _ = self._writable_version(name, number)
            current = model.aliases.get(alias)
            if expected_version is not None and current != expected:
                raise ResourceConflict(
                    f"Alias {alias!r} of {name!r} points to "
                    f"{'no version' if current is None else f'version {current}'}, "
                    f"not the expected {'no version' if expected is None else f'version {expected}'}; "
                    "it was moved concurrently. Read it again and retry."
                )
            check_promotion(model.policy, alias_target(alias), target)
            model.aliases[alias] = number
            changes = self._changes(model, comment=comment)
            changes.alias(alias, current, number)
            changes.event(
                EventType.MODEL_VERSION_ALIAS_CREATED,
                {
                    "name": name,
                    "alias": alias,
                    "version": str(number),
                    **({"previous_version": str(current)} if current is not None else {}),
                },
            )
            self._sync_copies(model, [target])
            self._commit_model(model, changes=changes)

        self._retrying(attempt)

    def delete_registered_model_alias(self, name: str, alias: str, *, comment: str | None = None) -> None:
        validate_model_name(name)
        validate_alias_name(alias)

        def attempt() -> None:
            model = self._writable(name, self._store.get_model(name))
            if alias in model.aliases:
                previous = model.aliases.pop(alias)
                changes = self._changes(model, comment=comment)
                changes.alias(alias, previous, None)
                changes.event(
                    EventType.MODEL_VERSION_ALIAS_DELETED, {"name": name, "alias": alias, "version": str(previous)}
                )
                self._sync_copies(model, [])
                self._commit_model(model, changes=changes)

        self._retrying(attempt)

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        validate_model_name(name)
        validate_alias_name(alias)
        model = self._readable(name, self._store.get_model(name))
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
        metrics, params = _merged_metrics([], {}, model_metrics or [], model_params or {})
        storage_location, run_id = self._resolve_logged_model(source, model_id, storage_location, run_id)

        def attempt() -> ModelVersion:
            model = self._writable(name, self._store.get_model(name))
            now = self._clock()
            version = ModelVersion(
                name=name,
                version=model.next_version,
                creation_timestamp=now,
                last_updated_timestamp=now,
                description=description,
                user_id=self._caller.principal if self._caller else None,
                source=source,
                run_id=run_id,
                run_link=run_link,
                status=status,
                tags=dict(tags or {}),
                model_id=model_id or None,
                storage_location=storage_location,
                model_metrics=metrics,
                model_params=params,
                stages_visited=[Stage.NONE.value],
            )
            model.next_version += 1
            model.stages[version.version] = Stage.NONE
            model.last_updated_timestamp = now
            changes = self._changes(model, now)
            changes.stage(version.version, None, Stage.NONE.value, reason="version_created")
            changes.event(EventType.MODEL_VERSION_CREATED, version_event_data(version))
            if status is VersionStatus.READY:
                changes.event(EventType.MODEL_VERSION_READY, version_event_data(version))
            self._sync_copies(model, [version])
            self._commit_model(model, new_versions=[version], changes=changes)
            return model.with_aliases(version)

        return self._retrying(attempt)

    def register_upload_version(
        self,
        upload: Upload,
        source: str,
        *,
        run_id: str | None = None,
        tags: dict[str, str] | None = None,
        description: str | None = None,
    ) -> tuple[ModelVersion, bool]:
        """Create the one version an upload registers, PENDING_REGISTRATION, or find the one it already made.

        The version and the upload record (now REGISTERING, naming the version) are one transaction, on condition
        that neither the model nor the upload record moved: a redelivered or concurrent registration of the same
        upload therefore finds the version instead of making a second one. Returns (version, created).
        """
        validate_model_name(upload.name)
        for key, value in (tags or {}).items():
            validate_tag(key, value)

        def attempt() -> tuple[ModelVersion, bool]:
            current = self._store.get_upload(upload.name, upload.upload_id)
            if current is not None and current.version is not None:
                return self.get_model_version(upload.name, current.version), False
            if current is not None and current.state not in (UploadState.OPEN, UploadState.FAILED):
                raise ConcurrentModification(f"upload {upload.upload_id} is {current.state}")
            model = self._writable(upload.name, self._store.get_model(upload.name))
            now = self._clock()
            version = ModelVersion(
                name=upload.name,
                version=model.next_version,
                creation_timestamp=now,
                last_updated_timestamp=now,
                description=description,
                user_id=self._caller.principal if self._caller else None,
                source=source,
                run_id=run_id or None,
                status=VersionStatus.PENDING_REGISTRATION,
                tags=dict(tags or {}),
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
            model.next_version += 1
            model.stages[version.version] = Stage.NONE
            model.last_updated_timestamp = now
            changes = self._changes(model, now)
            changes.stage(version.version, None, Stage.NONE.value, reason="version_created")
            changes.event(EventType.MODEL_VERSION_CREATED, version_event_data(version))
            self._sync_copies(model, [version])
            self._commit_model(model, new_versions=[version], put_uploads=[(record, expected)], changes=changes)
            return model.with_aliases(version), True

        return self._retrying(attempt)

    def commit_upload(self, upload: Upload, expected_rev: int | None) -> None:
        """Write an upload record on condition that it is at `expected_rev` (None: that it does not exist yet)."""
        self._commit(Write(put_uploads=[(upload, expected_rev)]))

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

        def attempt() -> ModelVersion:
            model, found, spare = self._writable_version(name, number, prefetch_previous=True)
            if found.status is not VersionStatus.PENDING_REGISTRATION:
                return model.with_aliases(found)
            now = self._clock()
            found.status = status
            found.status_message = status_message
            if storage_location is not None:
                found.storage_location = storage_location
            found.last_updated_timestamp = now
            changed = [found]
            changes = self._changes(model, now)
            if status is VersionStatus.READY:
                changes.event(EventType.MODEL_VERSION_READY, version_event_data(found))
                for alias in aliases or []:
                    changes.alias(alias, model.aliases.get(alias), number)
                    changes.event(
                        EventType.MODEL_VERSION_ALIAS_CREATED, {"name": name, "alias": alias, "version": str(number)}
                    )
                    model.aliases[alias] = number
                if target_stage is not None and target_stage is not Stage.NONE:
                    changed = self._move_to_stage(model, found, target_stage, now, changes)
            self._sync_copies(model, changed, spare)
            self._commit_model(model, put_versions=changed, changes=changes)
            return model.with_aliases(found)

        return self._retrying(attempt)

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
        model = self._readable(name, model)
        if found is None or number not in model.stages:
            raise _version_not_found(name, number)
        return model.with_aliases(found)

    def get_model_version_download_uri(self, name: str, version: str | int) -> str:
        return self.get_model_version(name, version).download_uri

    def update_model_version(self, name: str, version: str | int, description: str | None) -> ModelVersion:
        validate_model_name(name)
        number = validate_version(version)

        def attempt() -> ModelVersion:
            model, found, _ = self._writable_version(name, number)
            found.description = description
            found.last_updated_timestamp = self._clock()
            self._sync_copies(model, [found])
            self._commit_model(model, put_versions=[found])
            return model.with_aliases(found)

        return self._retrying(attempt)

    def set_model_version_tag(self, name: str, version: str | int, key: str, value: str) -> None:
        validate_model_name(name)
        number = validate_version(version)
        validate_tag(key, value)

        def attempt() -> None:
            model, found, _ = self._writable_version(name, number)
            found.tags[key] = value
            changes = self._changes(model)
            changes.event(
                EventType.MODEL_VERSION_TAG_SET, {"name": name, "version": str(number), "key": key, "value": value}
            )
            self._sync_copies(model, [found])
            self._commit_model(model, put_versions=[found], changes=changes)

        self._retrying(attempt)

    def delete_model_version_tag(self, name: str, version: str | int, key: str) -> None:
        validate_model_name(name)
        number = validate_version(version)
        validate_tag_key(key)

        def attempt() -> None:
            model, found, _ = self._writable_version(name, number)
            if key in found.tags:
                del found.tags[key]
                changes = self._changes(model)
                changes.event(EventType.MODEL_VERSION_TAG_DELETED, {"name": name, "version": str(number), "key": key})
                self._sync_copies(model, [found])
                self._commit_model(model, put_versions=[found], changes=changes)

        self._retrying(attempt)

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

        def attempt() -> ModelVersion:
            model, found, spare = self._writable_version(name, number, prefetch_previous=True)
            check_promotion(model.policy, stage_target(target_stage.value), found)
            now = self._clock()
            changes = self._changes(model, now, comment)
            previous_stage = found.current_stage
            changed = self._move_to_stage(model, found, target_stage, now, changes)
            changes.event(
                EventType.MODEL_VERSION_STAGE_TRANSITIONED,
                {
                    "name": name,
                    "version": str(number),
                    "from_stage": previous_stage.value,
                    "to_stage": target_stage.value,
                    "archived_versions": [str(version.version) for version in changed[1:]],
                    **({"comment": comment} if comment else {}),
                },
            )
            self._sync_copies(model, changed, spare)
            self._commit_model(model, put_versions=changed, changes=changes)
            return model.with_aliases(found)

        return self._retrying(attempt)

    def _move_to_stage(
        self, model: RegisteredModel, found: ModelVersion, target_stage: Stage, now: int, changes: ChangeSet
    ) -> list[ModelVersion]:
        """Put `found` in `target_stage`, archiving the holder of an exclusive stage, and record both moves in
        `changes`. Returns the changed versions, `found` first."""
        number = found.version
        previous_stage = found.current_stage
        changed = [found]
        if target_stage in EXCLUSIVE_STAGES:
            for holder_number, holder_stage in list(model.stages.items()):
                if holder_stage is target_stage and holder_number != number:
                    holder = model.copies.get(holder_number) or self._store.get_version(model.name, holder_number)
                    if holder is None:
                        raise ConcurrentModification(f"version {holder_number} of {model.name} vanished")
                    holder = holder.model_copy(update={"current_stage": Stage.ARCHIVED, "last_updated_timestamp": now})
                    model.stages[holder_number] = Stage.ARCHIVED
                    if Stage.ARCHIVED.value not in holder.stages_visited:
                        holder.stages_visited.append(Stage.ARCHIVED.value)
                    changed.append(holder)
                    # Recorded before the promotion, so a replay of the stage's history ends with the new holder.
                    changes.stage(holder_number, target_stage.value, Stage.ARCHIVED.value, "archived_by_promotion")
        found.current_stage = target_stage
        found.last_updated_timestamp = now
        if target_stage.value not in found.stages_visited:
            found.stages_visited.append(target_stage.value)
        model.stages[number] = target_stage
        model.last_updated_timestamp = now
        changes.stage(number, previous_stage.value, target_stage.value)
        return changed

    def delete_model_version(self, name: str, version: str | int) -> None:
        validate_model_name(name)
        number = validate_version(version)

        def attempt() -> None:
            model, found, spare = self._writable_version(
                name, number, prefetch_previous=True, needed=PermissionLevel.MANAGE
            )
            changes = self._changes(model)
            changes.stage(number, model.stages.pop(number).value, None, reason="version_deleted")
            removed = sorted(alias for alias, target in model.aliases.items() if target == number)
            for alias in removed:
                changes.alias(alias, number, None, reason="version_deleted")
            changes.event(EventType.MODEL_VERSION_DELETED, {**version_event_data(found), "removed_aliases": removed})
            model.aliases = {alias: target for alias, target in model.aliases.items() if target != number}
            model.last_updated_timestamp = self._clock()
            model.copies.pop(number, None)
            self._sync_copies(model, [], spare)
            self._commit_model(model, delete_versions=[number], changes=changes)

        self._retrying(attempt)

    # -- permissions (smr extension) -----------------------------------------------------------------------

    def get_permissions(self, name: str) -> RegisteredModel:
        """The model, for its `permissions` and `private` (anyone who may read it may see who holds what)."""
        validate_model_name(name)
        return self._readable(name, self._store.get_model(name))

    def set_permission(self, name: str, principal: str, level: str) -> RegisteredModel:
        """Grant `principal` READ, EDIT or MANAGE on the model (needs MANAGE)."""
        validate_model_name(name)
        granted = PermissionLevel.parse(level)
        if not principal.strip():
            raise InvalidParameterValue("Missing value for required parameter 'principal'.")

        def attempt() -> RegisteredModel:
            model = self._writable(name, self._store.get_model(name), PermissionLevel.MANAGE)
            model.permissions[principal] = granted.name
            self._check_still_managed(model)
            self._commit_model(model)
            return model

        return self._retrying(attempt)

    def delete_permission(self, name: str, principal: str) -> RegisteredModel:
        """Take back `principal`'s permission on the model (needs MANAGE); the last MANAGE holder stays."""
        validate_model_name(name)

        def attempt() -> RegisteredModel:
            model = self._writable(name, self._store.get_model(name), PermissionLevel.MANAGE)
            if principal in model.permissions:
                del model.permissions[principal]
                self._check_still_managed(model)
                self._commit_model(model)
            return model

        return self._retrying(attempt)

    def set_private(self, name: str, private: bool) -> RegisteredModel:
        """A private model is invisible (reads, searches) to principals it lists no permission for."""
        validate_model_name(name)

        def attempt() -> RegisteredModel:
            model = self._writable(name, self._store.get_model(name), PermissionLevel.MANAGE)
            if model.private != private:
                model.private = private
                self._commit_model(model)
            return model

        return self._retrying(attempt)

    @staticmethod
    def _check_still_managed(model: RegisteredModel) -> None:
        # A model with no permission at all would be open to everyone (the rule for models older than permissions).
        if PermissionLevel.MANAGE.name not in model.permissions.values():
            raise InvalidParameterValue(
                f"Registered model {model.name!r} must keep at least one principal with MANAGE permission."
            )

    # -- governance: metrics, params, status, promotion policy ------------------------------------------------

    def set_model_version_metrics(
        self,
        name: str,
        version: str | int,
        model_metrics: list[ModelMetric] | None = None,
        model_params: dict[str, str] | None = None,
    ) -> ModelVersion:
        """Add metrics and params to a version: a metric key given replaces that key's entries; params are upserted.

        Also the entry point for registration from an artifact manifest.
        """
        validate_model_name(name)
        number = validate_version(version)
        _merged_metrics([], {}, model_metrics or [], model_params or {})  # validate before reading

        def attempt() -> ModelVersion:
            model, found, _ = self._writable_version(name, number)
            found.model_metrics, found.model_params = _merged_metrics(
                found.model_metrics, found.model_params, model_metrics or [], model_params or {}
            )
            found.last_updated_timestamp = self._clock()
            self._sync_copies(model, [found])
            self._commit_model(model, put_versions=[found])
            return model.with_aliases(found)

        return self._retrying(attempt)

    def update_model_version_status(
        self, name: str, version: str | int, status: VersionStatus, status_message: str | None = None
    ) -> ModelVersion:
        """Set a version's registration status (the artifact registration calls this); READY emits an event."""
        validate_model_name(name)
        number = validate_version(version)

        def attempt() -> ModelVersion:
            model, found, _ = self._writable_version(name, number)
            became_ready = status is VersionStatus.READY and found.status is not VersionStatus.READY
            found.status = status
            found.status_message = status_message
            found.last_updated_timestamp = self._clock()
            changes = self._changes(model, found.last_updated_timestamp)
            if became_ready:
                changes.event(EventType.MODEL_VERSION_READY, version_event_data(found))
            self._sync_copies(model, [found])
            self._commit_model(model, put_versions=[found], changes=changes)
            return model.with_aliases(found)

        return self._retrying(attempt)

    def set_promotion_policy(self, name: str, policy: PromotionPolicy) -> PromotionPolicy:
        """Replace the model's promotion policy (an empty policy removes every rule)."""
        validate_model_name(name)

        def attempt() -> PromotionPolicy:
            model = self._writable(name, self._store.get_model(name))
            model.policy = policy if policy.rules else None
            self._commit_model(model)
            return policy

        return self._retrying(attempt)

    def get_promotion_policy(self, name: str) -> PromotionPolicy:
        return self.get_registered_model(name).policy or PromotionPolicy()

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
        stage move leaves it, as the separate calls in that order would) before anything changes; a refusal lists
        every broken rule of every target. History and events are those of the separate transition and alias calls.
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

        def attempt() -> ModelVersion:
            model, found, spare = self._writable_version(name, number, prefetch_previous=target_stage is not None)
            now = self._clock()
            changes = self._changes(model, now, comment)
            refusals: list[str | None] = []
            changed: list[ModelVersion] = [found]
            if target_stage is not None:
                refusals.append(promotion_failures(model.policy, stage_target(target_stage.value), found))
                previous_stage = found.current_stage
                changed = self._move_to_stage(model, found, target_stage, now, changes)
                changes.event(
                    EventType.MODEL_VERSION_STAGE_TRANSITIONED,
                    {
                        "name": name,
                        "version": str(number),
                        "from_stage": previous_stage.value,
                        "to_stage": target_stage.value,
                        "archived_versions": [str(archived.version) for archived in changed[1:]],
                        **({"comment": comment} if comment else {}),
                    },
                )
            for alias in wanted_aliases:
                refusals.append(promotion_failures(model.policy, alias_target(alias), found))
                current = model.aliases.get(alias)
                model.aliases[alias] = number
                changes.alias(alias, current, number)
                changes.event(
                    EventType.MODEL_VERSION_ALIAS_CREATED,
                    {
                        "name": name,
                        "alias": alias,
                        "version": str(number),
                        **({"previous_version": str(current)} if current is not None else {}),
                    },
                )
            # Only in memory so far: a refusal here leaves the registry exactly as it was.
            failures = [refusal for refusal in refusals if refusal is not None]
            if failures:
                raise InvalidParameterValue("; ".join(failures) + ". Nothing was changed.")
            self._sync_copies(model, changed, spare)
            self._commit_model(model, put_versions=changed, changes=changes)
            return model.with_aliases(found)

        return self._retrying(attempt)


def _merged_metrics(
    metrics: list[ModelMetric], params: dict[str, str], new_metrics: list[ModelMetric], new_params: dict[str, str]
) -> tuple[list[ModelMetric], dict[str, str]]:
    replaced = {metric.key for metric in new_metrics}
    merged_metrics = [metric for metric in metrics if metric.key not in replaced] + list(new_metrics)
    merged_params = {**params, **new_params}
    if len(merged_metrics) > MAX_METRICS_PER_VERSION:
        raise InvalidParameterValue(f"A model version may carry at most {MAX_METRICS_PER_VERSION} metric entries.")
    if len(merged_params) > MAX_PARAMS_PER_VERSION:
        raise InvalidParameterValue(f"A model version may carry at most {MAX_PARAMS_PER_VERSION} params.")
    for key, value in merged_params.items():
        if not key or len(value) > MAX_PARAM_VALUE_LENGTH:
            raise InvalidParameterValue(
                f"Param {key!r}: names must be non-empty and values at most {MAX_PARAM_VALUE_LENGTH} characters."
            )
    return merged_metrics, merged_params
