"""Per-model permissions beyond IAM, in the spirit of MLflow's auth app: READ < EDIT < MANAGE.

They live in the registered model item (the aggregate), so checking them costs no extra read:
- `permissions`: IAM principal (ARN) -> level; whoever creates a model holds MANAGE on it;
- `private`: when false (the default) every principal with API access may READ; when true only those listed may.
Admin principals (configuration: SMR_ADMIN_PRINCIPALS) and smr itself (`Caller.system()`) may do anything. A model
with no permission recorded at all (made before permissions existed, or registered by smr itself from an upload
folder) is open to every principal with API access: IAM is then its only gate, as it was.

What each operation needs: READ for every read; EDIT for description, tags, aliases, stage transitions and creating or
updating versions; MANAGE for deleting or renaming the model, deleting a version, and changing its permissions.
"""

from __future__ import annotations

from enum import IntEnum

from registry_core.domain.entities import Caller, RegisteredModel
from registry_core.domain.errors import InvalidParameterValue, PermissionDenied


class PermissionLevel(IntEnum):
    READ = 1
    EDIT = 2
    MANAGE = 3

    @classmethod
    def parse(cls, value: str) -> PermissionLevel:
        try:
            return cls[value.strip().upper()]
        except KeyError:
            raise InvalidParameterValue(
                f"Invalid permission level {value!r}; expected one of READ, EDIT, MANAGE."
            ) from None


def effective_level(model: RegisteredModel, caller: Caller) -> PermissionLevel | None:
    """What `caller` may do with `model` (None: nothing, not even read it). smr itself is an admin caller."""
    if caller.admin or not model.permissions:
        return PermissionLevel.MANAGE
    granted = model.permissions.get(caller.principal)
    if granted is not None:
        return PermissionLevel.parse(granted)
    return None if model.private else PermissionLevel.READ


def can_read(model: RegisteredModel, caller: Caller) -> bool:
    return effective_level(model, caller) is not None


def authorize(model: RegisteredModel, caller: Caller, needed: PermissionLevel) -> None:
    """Raise PermissionDenied unless `caller` holds `needed` (or more) on `model`."""
    level = effective_level(model, caller)
    if level is None or level < needed:
        raise PermissionDenied(
            f"Permission denied: {caller.principal} needs {needed.name} on registered model {model.name!r}"
            + (f" and holds {level.name}." if level is not None else " and holds no permission on it.")
        )
