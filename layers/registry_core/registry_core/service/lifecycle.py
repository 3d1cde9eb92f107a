"""Renaming and deleting a registered model: O(versions), so done in steps that are each safe to replay.

A rename reserves the new name, copies the version items, then switches both names in one transaction; a delete hides
the model at once, then deletes its versions in batches, then the model item. Either, interrupted at any point, is
finished by the next call that meets its leftovers (a rename, delete or create of the name).
"""

from __future__ import annotations

import contextlib

from registry_core.domain.entities import ModelState, RegisteredModel
from registry_core.domain.errors import ResourceAlreadyExists, TemporarilyUnavailable
from registry_core.domain.governance import EventType
from registry_core.domain.permissions import PermissionLevel, authorize
from registry_core.service.model_writer import ModelWriter, model_not_found
from registry_core.store.base import ConcurrentModification, Index, PageRequest, Write

# Versions moved or deleted per batch when renaming or deleting a model (one Query page).
CLEANUP_PAGE_SIZE = 100


class ModelLifecycle:
    """Rename and delete, acting for the writer's caller."""

    def __init__(self, writer: ModelWriter) -> None:
        self._writer = writer
        self._store = writer.store
        self._caller = writer.caller

    def rename(self, name: str, new_name: str) -> RegisteredModel:
        """Rename in three steps, each safe to replay: reserve the new name, copy the versions, switch.

        Readers see the old name, whole, until the switch, and the new name, whole, after it. Writes to the old
        name meanwhile answer 503 (clients retry, then land under the new name or get a clean not-found).
        A rename interrupted at any point completes when called again.
        """
        source = self._writer.retrying(lambda: self._reserve_new_name(name, new_name))
        if source is not None:
            self._copy_versions(name, new_name)
            self._writer.retrying(lambda: self._switch_names(name, new_name))
        retired = self._store.get_model(name)
        if retired is not None and retired.state is ModelState.DELETING:
            self.finish_deletion(retired)
        return self._writer.readable(new_name, self._store.get_model(new_name))

    def _reserve_new_name(self, name: str, new_name: str) -> RegisteredModel | None:
        """Step 1. Returns the old model (now RENAMING), or None when a previous call already switched."""
        old, target = self._store.get_model(name), self._store.get_model(new_name)
        if (old is None or old.state is ModelState.DELETING) and target is not None and target.renamed_from == name:
            return None  # replay of a rename that already switched; only the cleanup may be left
        if old is None or not old.visible:
            raise model_not_found(name)
        authorize(old, self._caller, PermissionLevel.MANAGE)
        if old.state is ModelState.RENAMING:
            if old.rename_to == new_name and target is not None and target.state is ModelState.RENAME_TARGET:
                return old  # replay: resume copying
            raise TemporarilyUnavailable(f"Registered model {name!r} is being renamed to {old.rename_to!r}.")
        if target is not None:
            if target.state is not ModelState.DELETING:
                raise ResourceAlreadyExists(f"Registered Model (name={new_name}) already exists.")
            self.finish_deletion(target)
        now = self._writer.clock()
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
        self._writer.commit(Write(put_models=[(old, expected_rev), (reserved, None)]))
        return old

    def _copy_versions(self, name: str, new_name: str) -> None:
        """Step 2: idempotent copies of every version item under the new name (the old ones stay readable)."""
        start = None
        while True:
            page = self._store.query_versions(
                PageRequest(Index.VERSIONS_OF_MODEL, partition=name, start_key=start, limit=CLEANUP_PAGE_SIZE)
            )
            target = self._store.get_model(new_name)
            renamed_at = target.last_updated_timestamp if target else self._writer.clock()
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
        changes = self._writer.changes(target)
        changes.event(EventType.REGISTERED_MODEL_RENAMED, {"name": new_name, "old_name": name})
        history, events = changes.stamped(target.rev)
        self._writer.commit(Write(put_models=[(target, target_rev), (old, old_rev)], history=history, events=events))

    def delete(self, name: str) -> None:
        """Hide the model at once (one conditional write), then delete its versions in batches, then the model.

        An interrupted delete leaves a hidden tombstone that the next delete, create or rename of the name finishes.
        """

        def mark() -> RegisteredModel:
            model = self._store.get_model(name)
            if model is not None and model.state is ModelState.DELETING:
                return model  # replay of an interrupted delete: finish it
            model = self._writer.writable(name, model, PermissionLevel.MANAGE)
            expected_rev = model.rev
            model.state = ModelState.DELETING
            model.rev = expected_rev + 1
            changes = self._writer.changes(model)
            changes.event(EventType.REGISTERED_MODEL_DELETED, {"name": name})
            history, events = changes.stamped(model.rev)
            self._writer.commit(Write(put_models=[(model, expected_rev)], history=history, events=events))
            return model

        self.finish_deletion(self._writer.retrying(mark))

    def finish_deletion(self, tombstone: RegisteredModel) -> None:
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
                self._writer.commit(Write(delete_models=[(current.name, current.rev)]))
