"""smr's per-model permissions: who holds READ, EDIT or MANAGE on a model, and whether it is private.

The rules themselves (what each level allows, who may read a private model) are in domain/permissions.py; the
checks happen where a model is read (ModelWriter.readable and .writable).
"""

from __future__ import annotations

from collections.abc import Callable

from registry_core.domain.entities import Caller, RegisteredModel
from registry_core.domain.errors import InvalidParameterValue
from registry_core.domain.permissions import PermissionLevel
from registry_core.domain.validation import validate_model_name
from registry_core.service.model_writer import ModelChange, ModelWriter, now_ms
from registry_core.store.base import RegistryStore


def _check_still_managed(model: RegisteredModel) -> None:
    # A model with no permission at all would be open to everyone (the rule for models older than permissions).
    if PermissionLevel.MANAGE.name not in model.permissions.values():
        raise InvalidParameterValue(
            f"Registered model {model.name!r} must keep at least one principal with MANAGE permission."
        )


class PermissionService:
    def __init__(self, store: RegistryStore, caller: Caller, *, clock: Callable[[], int] = now_ms) -> None:
        self._store = store
        self._writer = ModelWriter(store, caller, clock)

    def get_permissions(self, name: str) -> RegisteredModel:
        """The model, for its `permissions` and `private` (anyone who may read it may see who holds what)."""
        validate_model_name(name)
        return self._writer.readable(name, self._store.get_model(name))

    def set_permission(self, name: str, principal: str, level: str) -> RegisteredModel:
        """Grant `principal` READ, EDIT or MANAGE on the model (needs MANAGE)."""
        validate_model_name(name)
        granted = PermissionLevel.parse(level)
        if not principal.strip():
            raise InvalidParameterValue("Missing value for required parameter 'principal'.")

        def change(draft: ModelChange) -> RegisteredModel:
            draft.model.permissions[principal] = granted.name
            _check_still_managed(draft.model)
            return draft.model

        return self._writer.mutate_model(name, change, needed=PermissionLevel.MANAGE)

    def delete_permission(self, name: str, principal: str) -> RegisteredModel:
        """Take back `principal`'s permission on the model (needs MANAGE); the last MANAGE holder stays."""
        validate_model_name(name)

        def change(draft: ModelChange) -> RegisteredModel:
            if principal not in draft.model.permissions:
                draft.nothing_to_commit()
                return draft.model
            del draft.model.permissions[principal]
            _check_still_managed(draft.model)
            return draft.model

        return self._writer.mutate_model(name, change, needed=PermissionLevel.MANAGE)

    def set_private(self, name: str, private: bool) -> RegisteredModel:
        """A private model is invisible (reads, searches) to principals it lists no permission for."""
        validate_model_name(name)

        def change(draft: ModelChange) -> RegisteredModel:
            if draft.model.private == private:
                draft.nothing_to_commit()
            draft.model.private = private
            return draft.model

        return self._writer.mutate_model(name, change, needed=PermissionLevel.MANAGE)
