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
    ResourceDoesNotExist,
    TemporarilyUnavailable,
)
from registry_core.domain.validation import (
    RESERVED_ALIAS_LATEST,
    validate_alias_name,
    validate_alias_not_reserved,
    validate_model_name,
    validate_tag,
    validate_tag_key,
    validate_version,
)
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
    ) -> None:
        """Commit `model` (read at revision model.rev) with the version items that change with it."""
        expected_rev = model.rev
        model.rev = expected_rev + 1
        self._commit(
            Write(
                put_models=[(model, expected_rev)],
                new_versions=new_versions or [],
                put_versions=put_versions or [],
                delete_versions=[(model.name, number) for number in delete_versions or []],
            )
        )

    @staticmethod
    def _readable(name: str, model: RegisteredModel | None) -> RegisteredModel:
        if model is None or not model.visible:
            raise _model_not_found(name)
        return model

    @staticmethod
    def _writable(name: str, model: RegisteredModel | None) -> RegisteredModel:
        if model is None or not model.visible:
            raise _model_not_found(name)
        if model.state is ModelState.RENAMING:
            raise TemporarilyUnavailable(
                f"Registered model {name!r} is being renamed to {model.rename_to!r}; try again in a moment."
            )
        return model

    def _writable_version(
        self, name: str, version: int, *, prefetch_previous: bool = False
    ) -> tuple[RegisteredModel, ModelVersion, list[ModelVersion]]:
        """The model and one of its versions, read in one round trip.

        With `prefetch_previous`, the version just below is read in the same round trip: when a version leaves a
        stage it was the newest of, that one is usually the next newest, whose copy the model item then needs.
        """
        wanted = [version, version - 1] if prefetch_previous and version > 1 else [version]
        model, found = self._store.get_model_and_versions(name, wanted)
        model = self._writable(name, model)
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
            )
            self._commit(Write(put_models=[(model, None)]))
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
            self._commit_model(model)

        self._retrying(attempt)

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        validate_model_name(name)
        validate_tag_key(key)

        def attempt() -> None:
            model = self._writable(name, self._store.get_model(name))
            if key in model.tags:
                del model.tags[key]
                self._commit_model(model)

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
        self._commit(Write(put_models=[(target, target_rev), (old, old_rev)]))

    def delete_registered_model(self, name: str) -> None:
        """Hide the model at once (one conditional write), then delete its versions in batches, then the model.

        An interrupted delete leaves a hidden tombstone that the next delete, create or rename of the name finishes.
        """
        validate_model_name(name)

        def mark() -> RegisteredModel:
            model = self._store.get_model(name)
            if model is not None and model.state is ModelState.DELETING:
                return model  # replay of an interrupted delete: finish it
            model = self._writable(name, model)
            expected_rev = model.rev
            model.state = ModelState.DELETING
            model.rev = expected_rev + 1
            self._commit(Write(put_models=[(model, expected_rev)]))
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

    def set_registered_model_alias(self, name: str, alias: str, version: str | int) -> None:
        validate_model_name(name)
        validate_alias_name(alias)
        validate_alias_not_reserved(alias)
        number = validate_version(version)

        def attempt() -> None:
            model, target, _ = self._writable_version(name, number)
            model.aliases[alias] = number
            self._sync_copies(model, [target])
            self._commit_model(model)

        self._retrying(attempt)

    def delete_registered_model_alias(self, name: str, alias: str) -> None:
        validate_model_name(name)
        validate_alias_name(alias)

        def attempt() -> None:
            model = self._writable(name, self._store.get_model(name))
            if alias in model.aliases:
                del model.aliases[alias]
                self._sync_copies(model, [])
                self._commit_model(model)

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
    ) -> ModelVersion:
        validate_model_name(name)
        for key, value in (tags or {}).items():
            validate_tag(key, value)
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
                run_id=run_id or None,
                run_link=run_link or None,
                status=status,
                tags=dict(tags or {}),
                model_id=model_id or None,
                storage_location=storage_location,
            )
            model.next_version += 1
            model.stages[version.version] = Stage.NONE
            model.last_updated_timestamp = now
            self._sync_copies(model, [version])
            self._commit_model(model, new_versions=[version])
            return model.with_aliases(version)

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
            self._sync_copies(model, [found])
            self._commit_model(model, put_versions=[found])

        self._retrying(attempt)

    def delete_model_version_tag(self, name: str, version: str | int, key: str) -> None:
        validate_model_name(name)
        number = validate_version(version)
        validate_tag_key(key)

        def attempt() -> None:
            model, found, _ = self._writable_version(name, number)
            if key in found.tags:
                del found.tags[key]
                self._sync_copies(model, [found])
                self._commit_model(model, put_versions=[found])

        self._retrying(attempt)

    def transition_model_version_stage(
        self, name: str, version: str | int, stage: str, archive_existing_versions: bool = False
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
            now = self._clock()
            changed = [found]
            if target_stage in EXCLUSIVE_STAGES:
                for holder_number, holder_stage in list(model.stages.items()):
                    if holder_stage is target_stage and holder_number != number:
                        holder = model.copies.get(holder_number) or self._store.get_version(name, holder_number)
                        if holder is None:
                            raise ConcurrentModification(f"version {holder_number} of {name} vanished")
                        holder = holder.model_copy(
                            update={"current_stage": Stage.ARCHIVED, "last_updated_timestamp": now}
                        )
                        model.stages[holder_number] = Stage.ARCHIVED
                        changed.append(holder)
            found.current_stage = target_stage
            found.last_updated_timestamp = now
            model.stages[number] = target_stage
            model.last_updated_timestamp = now
            self._sync_copies(model, changed, spare)
            self._commit_model(model, put_versions=changed)
            return model.with_aliases(found)

        return self._retrying(attempt)

    def delete_model_version(self, name: str, version: str | int) -> None:
        validate_model_name(name)
        number = validate_version(version)

        def attempt() -> None:
            model, _, spare = self._writable_version(name, number, prefetch_previous=True)
            del model.stages[number]
            model.aliases = {alias: target for alias, target in model.aliases.items() if target != number}
            model.last_updated_timestamp = self._clock()
            model.copies.pop(number, None)
            self._sync_copies(model, [], spare)
            self._commit_model(model, delete_versions=[number])

        self._retrying(attempt)
