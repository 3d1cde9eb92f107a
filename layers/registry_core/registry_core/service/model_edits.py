"""Edits that registry operations and upload registration share, each applied to one ModelChange (one attempt).

They change the model and its versions in memory and record the history and events of the change; committing is
ModelWriter.mutate_model's job.
"""

from __future__ import annotations

from registry_core.domain.entities import Caller, ModelVersion, Stage
from registry_core.domain.governance import EventType
from registry_core.service.changes import version_event_data
from registry_core.service.model_writer import ModelChange, ModelWriter


def changed_version(draft: ModelChange) -> ModelVersion:
    """The version the change read, marked to be written."""
    assert draft.version is not None
    if all(version is not draft.version for version in draft.put_versions):
        draft.put_versions.append(draft.version)
    return draft.version


def new_version(draft: ModelChange, caller: Caller, **fields: object) -> ModelVersion:
    """Add the model's next version (stage None), recording its creation; READY's event is the caller's to add."""
    model = draft.model
    version = ModelVersion.model_validate(
        {
            "name": model.name,
            "version": model.next_version,
            "creation_timestamp": draft.now,
            "last_updated_timestamp": draft.now,
            "user_id": caller.recorded_principal,
            "stages_visited": [Stage.NONE.value],
            **fields,
        }
    )
    model.next_version += 1
    model.stages[version.version] = Stage.NONE
    model.last_updated_timestamp = draft.now
    draft.changes.stage(version.version, None, Stage.NONE.value, reason="version_created")
    draft.changes.event(EventType.MODEL_VERSION_CREATED, version_event_data(version))
    draft.new_versions.append(version)
    return version


def set_version_tag(draft: ModelChange, key: str, value: str) -> None:
    found = changed_version(draft)
    found.tags[key] = value
    draft.changes.event(
        EventType.MODEL_VERSION_TAG_SET,
        {"name": found.name, "version": str(found.version), "key": key, "value": value},
    )


def set_alias(draft: ModelChange, alias: str, number: int) -> None:
    """Point `alias` at version `number` (the policy is the caller's to check)."""
    current = draft.model.aliases.get(alias)
    draft.model.aliases[alias] = number
    draft.changes.alias(alias, current, number)
    draft.changes.event(
        EventType.MODEL_VERSION_ALIAS_CREATED,
        {
            "name": draft.model.name,
            "alias": alias,
            "version": str(number),
            **({"previous_version": str(current)} if current is not None else {}),
        },
    )


def transition(writer: ModelWriter, draft: ModelChange, target_stage: Stage) -> None:
    """Move the version read to `target_stage` (archiving an exclusive stage's holder), with its event."""
    found = draft.version
    assert found is not None
    previous_stage = found.current_stage
    changed = writer.move_to_stage(draft.model, found, target_stage, draft.now, draft.changes)
    comment = draft.changes.comment
    draft.changes.event(
        EventType.MODEL_VERSION_STAGE_TRANSITIONED,
        {
            "name": found.name,
            "version": str(found.version),
            "from_stage": previous_stage.value,
            "to_stage": target_stage.value,
            "archived_versions": [str(version.version) for version in changed[1:]],
            **({"comment": comment} if comment else {}),
        },
    )
    for version in changed:
        if all(version is not other for other in draft.put_versions):
            draft.put_versions.append(version)
