"""How every write to a registered model happens: read → check → change → commit, replayed on a lost race.

Every write reads the model item (with the versions it touches, in the same round trip), checks the caller may make
it, applies the rule in memory, and commits the new model item on condition that its revision did not move, together
with the version items, history records and events of the change. A lost race raises ConcurrentModification, and the
change is replayed from a fresh read; the model item's revision is thus the single point that serializes all writes
to a model. `ModelWriter.mutate_model` is that loop; the registry's services only say what changes.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from registry_core.domain.artifacts import Upload
from registry_core.domain.entities import (
    EXCLUSIVE_STAGES,
    Caller,
    ModelState,
    ModelVersion,
    RegisteredModel,
    Stage,
)
from registry_core.domain.errors import InvalidParameterValue, ResourceDoesNotExist, TemporarilyUnavailable
from registry_core.domain.limits import MAX_COMMENT_LENGTH
from registry_core.domain.permissions import PermissionLevel, authorize
from registry_core.service.changes import ChangeSet
from registry_core.store.base import ConcurrentModification, ItemTooLarge, RegistryStore, Write

T = TypeVar("T")

# Optimistic writes that lose a race are replayed; with 20 writers on one model the last one needs ~20 tries.
MAX_WRITE_ATTEMPTS = 60
MAX_BACKOFF_SECONDS = 0.2


def now_ms() -> int:
    return int(time.time() * 1000)


def model_not_found(name: str) -> ResourceDoesNotExist:
    return ResourceDoesNotExist(f"Registered Model with name={name} not found")


def version_not_found(name: str, version: int) -> ResourceDoesNotExist:
    return ResourceDoesNotExist(f"Model Version (name={name}, version={version}) not found")


def validate_comment(comment: str | None) -> None:
    if comment is not None and len(comment) > MAX_COMMENT_LENGTH:
        raise InvalidParameterValue(f"comment must be at most {MAX_COMMENT_LENGTH} characters.")


@dataclass
class ModelChange:
    """One attempt at one write: what was read, and what the change adds to the transaction.

    `model` and `version` may be changed in place; every version item to write goes to `put_versions` (or
    `new_versions`), `version` included when it changed. A change that finds nothing to do calls `nothing_to_commit()`.
    """

    model: RegisteredModel
    version: ModelVersion | None
    # Versions read alongside (the one just below `version`): their copies may be needed after the change.
    spare: list[ModelVersion]
    changes: ChangeSet
    now: int
    new_versions: list[ModelVersion] = field(default_factory=list)
    put_versions: list[ModelVersion] = field(default_factory=list)
    delete_versions: list[int] = field(default_factory=list)
    put_uploads: list[tuple[Upload, int | None]] = field(default_factory=list)
    commit: bool = True

    def nothing_to_commit(self) -> None:
        self.commit = False


class ModelWriter:
    """Reads, checks, commits and retries writes to registered models, acting for `caller`."""

    def __init__(self, store: RegistryStore, caller: Caller, clock: Callable[[], int] = now_ms) -> None:
        self.store = store
        self.caller = caller
        self.clock = clock

    # -- the write loop ------------------------------------------------------------------------------------

    def mutate_model(
        self,
        name: str,
        change: Callable[[ModelChange], T],
        *,
        version: int | None = None,
        prefetch_previous: bool = False,
        needed: PermissionLevel = PermissionLevel.EDIT,
        comment: str | None = None,
    ) -> T:
        """Apply `change` to the model `name` (and its `version`, when given) and commit it; replay a lost race.

        The model must be visible, not being renamed, and the caller must hold `needed` on it. With
        `prefetch_previous`, the version just below `version` is read in the same round trip: when a version leaves a
        stage it was the newest of, that one is usually the next newest, whose copy the model item then needs.
        """
        validate_comment(comment)

        def attempt() -> T:
            spare: list[ModelVersion]
            if version is None:
                model, found, spare = self.writable(name, self.store.get_model(name), needed), None, []
            else:
                model, found, spare = self.writable_version(
                    name, version, prefetch_previous=prefetch_previous, needed=needed
                )
            now = self.clock()
            draft = ModelChange(model, found, spare, self.changes(model, now, comment), now)
            result = change(draft)
            if draft.commit:
                # The version read is fresh whether or not it changed: its copy costs no read.
                in_hand = [*([found] if found is not None else []), *draft.new_versions, *draft.put_versions]
                self.sync_copies(model, in_hand, spare)
                self.commit_model(
                    model,
                    new_versions=draft.new_versions,
                    put_versions=draft.put_versions,
                    delete_versions=draft.delete_versions,
                    put_uploads=draft.put_uploads,
                    changes=draft.changes,
                )
            return result

        return self.retrying(attempt)

    def retrying(self, attempt_once: Callable[[], T]) -> T:
        for attempt in range(MAX_WRITE_ATTEMPTS):
            try:
                return attempt_once()
            except ConcurrentModification:
                time.sleep(random.uniform(0, min(MAX_BACKOFF_SECONDS, 0.005 * 2**attempt)))
        raise TemporarilyUnavailable("Too many concurrent changes to this registered model; try again.")

    # -- commits -------------------------------------------------------------------------------------------

    def commit(self, write: Write) -> None:
        try:
            self.store.commit(write)
        except ItemTooLarge as error:
            raise InvalidParameterValue(
                f"The change makes the registered model's metadata too large to store ({error}). "
                "Use shorter tags or descriptions, or fewer aliases."
            ) from error

    def commit_model(
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
        self.commit(
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

    def changes(self, model: RegisteredModel, now: int | None = None, comment: str | None = None) -> ChangeSet:
        validate_comment(comment)
        return ChangeSet(model, self.caller, self.clock() if now is None else now, comment)

    # -- checks --------------------------------------------------------------------------------------------

    def readable(
        self, name: str, model: RegisteredModel | None, needed: PermissionLevel = PermissionLevel.READ
    ) -> RegisteredModel:
        if model is None or not model.visible:
            raise model_not_found(name)
        # The one place (with writable) where per-model permissions are checked: right after the model is read,
        # before anything changes, at no extra round trip (they live in the model item).
        authorize(model, self.caller, needed)
        return model

    def writable(
        self, name: str, model: RegisteredModel | None, needed: PermissionLevel = PermissionLevel.EDIT
    ) -> RegisteredModel:
        model = self.readable(name, model, needed)
        if model.state is ModelState.RENAMING:
            raise TemporarilyUnavailable(
                f"Registered model {name!r} is being renamed to {model.rename_to!r}; try again in a moment."
            )
        return model

    def writable_version(
        self,
        name: str,
        version: int,
        *,
        prefetch_previous: bool = False,
        needed: PermissionLevel = PermissionLevel.EDIT,
    ) -> tuple[RegisteredModel, ModelVersion, list[ModelVersion]]:
        """The model and one of its versions (and with `prefetch_previous` the one below), read in one round trip."""
        wanted = [version, version - 1] if prefetch_previous and version > 1 else [version]
        model, found = self.store.get_model_and_versions(name, wanted)
        model = self.writable(name, model, needed)
        if version not in found or version not in model.stages:
            raise version_not_found(name, version)
        spare = [found[number] for number in wanted[1:] if number in found and number in model.stages]
        return model, found[version], spare

    # -- the model item's invariants -----------------------------------------------------------------------

    def sync_copies(
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
            version = fresh.get(number) or model.copies.get(number) or self.store.get_version(model.name, number)
            if version is None:
                # The model item says the version lives, the version item is gone: a racing write; replay.
                raise ConcurrentModification(f"version {number} of {model.name} vanished")
            copies[number] = version
        model.copies = copies

    def move_to_stage(
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
                    holder = model.copies.get(holder_number) or self.store.get_version(model.name, holder_number)
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
