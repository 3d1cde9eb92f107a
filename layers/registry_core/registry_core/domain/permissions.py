"""Per-model permissions beyond IAM, in the spirit of MLflow's auth app: READ < EDIT < MANAGE.

They live in the registered model item (the aggregate), so checking them costs no extra read:
- `permissions`: IAM principal (ARN) -> level; whoever creates a model holds MANAGE on it (its owner). A model made
  by auto-registration from `incoming/` is owned by the principal the stack names for it (SMR_AUTO_REGISTRATION_OWNER);
- `private`: when false (the default) every principal with API access may READ; when true only those listed may.
Admin principals (configuration: SMR_ADMIN_PRINCIPALS) and smr itself (`Caller.system()`: the copier, the event
publisher, webhook delivery) may do anything; smr itself owns nothing. A model with no permission recorded at all
(made before permissions existed) has no owner: every principal may READ and EDIT it, and only admins MANAGE it
(grant, make private, change its promotion policy, delete, rename).

What each operation needs: READ for every read; EDIT for description, tags, aliases, stage transitions, creating or
updating versions and recording metrics; MANAGE for deleting or renaming the model, deleting a version, changing its
permissions or its promotion policy, and overwriting a metric another principal recorded.

A caller that may not read a model is told exactly what a caller gets for a model that does not exist (404, the same
message): a private model is indistinguishable from a missing one to those who cannot read it.
"""

from __future__ import annotations

from enum import IntEnum

from registry_core.domain.artifacts import Upload, UploadOrigin
from registry_core.domain.entities import Caller, RegisteredModel
from registry_core.domain.errors import InvalidParameterValue, PermissionDenied, ResourceDoesNotExist
from registry_core.domain.governance import MetricRule


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


def model_not_found(name: str) -> ResourceDoesNotExist:
    """What a missing model answers; also what a model the caller may not read answers (same words, same code)."""
    return ResourceDoesNotExist(f"Registered Model with name={name} not found")


def effective_level(model: RegisteredModel, caller: Caller | None) -> PermissionLevel | None:
    """What `caller` may do with `model` (None: nothing, not even know that it exists).

    An absent caller holds nothing: every service is meant to act for a caller, and a consumer acts as
    `Caller.system()`; a None that slips through fails closed.
    """
    if caller is None:
        return None
    if caller.admin:
        return PermissionLevel.MANAGE
    if not model.permissions:
        # No owner recorded (a model older than permissions): open to edit, but only admins manage it, so no
        # principal can take it over (grant itself MANAGE, make it private and lock its users out).
        return PermissionLevel.EDIT
    granted = model.permissions.get(caller.principal)
    if granted is not None:
        return PermissionLevel.parse(granted)
    return None if model.private else PermissionLevel.READ


def can_read(model: RegisteredModel, caller: Caller) -> bool:
    return effective_level(model, caller) is not None


def authorize(model: RegisteredModel, caller: Caller | None, needed: PermissionLevel) -> None:
    """Raise unless `caller` holds `needed` (or more) on `model`.

    A caller that may not even read the model gets the missing model's 404; one that may read it but needs more
    gets PERMISSION_DENIED (403).
    """
    level = effective_level(model, caller)
    if level is None:
        raise model_not_found(model.name)
    if level < needed:
        principal = caller.principal if caller else "anonymous"
        raise PermissionDenied(
            f"Permission denied: {principal} needs {needed.name} on registered model {model.name!r}"
            f" and holds {level.name}."
        )


def upload_visible(model: RegisteredModel | None, upload: Upload, caller: Caller | None) -> bool:
    """Who sees an upload record: whoever may read its model. While the model does not exist (an upload creates it
    when it registers): a presigned upload's creator and admins, and everyone for a folder dropped under incoming/
    (whoever could write to the bucket learns why it failed; the record holds nothing of any model)."""
    if caller is None:
        return False
    if model is not None and model.visible:
        return can_read(model, caller)
    return caller.admin or upload.origin is UploadOrigin.S3_EVENT or upload.created_by == caller.principal


def owner_permissions(owner: Caller) -> dict[str, str]:
    """The permissions a new model starts with: its creator holds MANAGE.

    The system caller owns nothing (a model it made would have no owner but admins), so it records none.
    """
    return {} if owner.is_system else {owner.principal: PermissionLevel.MANAGE.name}


def authorize_metric_overwrite(
    model: RegisteredModel, caller: Caller | None, key: str, recorded_by: str | None
) -> None:
    """Raise PermissionDenied unless `caller` may replace metric `key`, which `recorded_by` recorded.

    Allowed: the principal that recorded it, a MANAGE holder, and a principal the model's promotion policy names as a
    recorder of that metric (so that whoever first writes a key cannot lock out the trusted recorder). Anyone else
    holding EDIT could otherwise quietly rewrite the number a promotion policy checks, then promote. A metric recorded
    before recorders were kept (`recorded_by` None) counts as recorded by someone else.
    """
    if caller is None:
        raise model_not_found(model.name)
    if recorded_by is not None and recorded_by == caller.principal:
        return
    level = effective_level(model, caller)
    if level is not None and level >= PermissionLevel.MANAGE:
        return
    for rules in model.policy.rules.values() if model.policy else []:
        for rule in rules:
            trusted = rule.recorded_by if isinstance(rule, MetricRule) and rule.key == key else None
            if trusted and any(principal_matches(caller.principal, allowed) for allowed in trusted):
                return
    raise PermissionDenied(
        f"Permission denied: metric {key!r} was recorded by {recorded_by or 'another principal'}; "
        f"{caller.principal} needs MANAGE on registered model {model.name!r} to replace it."
    )


def principal_matches(principal: str, allowed: str) -> bool:
    """Whether `principal` (a userArn as API Gateway reports it) is `allowed`.

    `allowed` is a principal ARN, or an IAM role ARN (`arn:aws:iam::<account>:role/<name>`), which matches every
    session of that role (`arn:aws:sts::<account>:assumed-role/<name>/<session>`).
    """
    if principal == allowed:
        return True
    prefix = "arn:aws:iam::"
    if allowed.startswith(prefix) and ":role/" in allowed:
        account, _, role_path = allowed.removeprefix(prefix).partition(":role/")
        role_name = role_path.rsplit("/", 1)[-1]
        return principal.startswith(f"arn:aws:sts::{account}:assumed-role/{role_name}/")
    return False
