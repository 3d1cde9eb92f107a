"""Registry entity <-> DynamoDB item mapping (models, versions, uploads, history records, outbox events).

Tracking items are mapped in tracking_items.py, webhook and delivery items in webhooks.py, stream images read in
stream_images.py. Routes and the service never see an item; the in-memory fakes do not use this module either.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from registry_core.domain.artifacts import Upload
from registry_core.domain.entities import ModelVersion, RegisteredModel
from registry_core.domain.errors import InvalidParameterValue
from registry_core.domain.governance import ChangeKind, HistoryRecord, RegistryEvent
from registry_core.store import keys
from registry_core.store.attribute_values import from_item, to_item

MODEL_KIND = "model"
VERSION_KIND = "version"
UPLOAD_KIND = "upload"
HISTORY_KIND = "history"
EVENT_KIND = "event"
_KEY_ATTRIBUTES = ("pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk", "kind")


def serialize(document: dict[str, Any]) -> dict[str, Any]:
    return to_item(document)


def deserialize(item: dict[str, Any]) -> dict[str, Any]:
    return from_item(item)


def stage_runs(stages: dict[str, str]) -> str:
    """Every live version's stage as runs of numbers: {"1": "Archived", "2": "Archived", "4": "None"} ->
    "Archived=1-2;None=4".

    Every write to a model rewrites its item, and a map with an entry per version made that item (and each write's
    cost, and the ceiling of 400 KB per item) grow with every version ever registered. Versions are numbered without
    gaps and mostly leave a stage in order, so the runs stay a few bytes long.
    """
    by_stage: dict[str, list[int]] = {}
    for version, stage in stages.items():
        by_stage.setdefault(stage, []).append(int(version))
    parts = []
    for stage, numbers in sorted(by_stage.items()):
        numbers.sort()
        runs: list[str] = []
        start = previous = numbers[0]
        for number in numbers[1:]:
            if number != previous + 1:
                runs.append(str(start) if start == previous else f"{start}-{previous}")
                start = number
            previous = number
        runs.append(str(start) if start == previous else f"{start}-{previous}")
        parts.append(f"{stage}={','.join(runs)}")
    return ";".join(parts)


def stages_of_runs(text: str) -> dict[str, str]:
    """The inverse of `stage_runs`."""
    stages: dict[str, str] = {}
    for part in filter(None, text.split(";")):
        stage, _, runs = part.partition("=")
        for run in runs.split(","):
            first, _, last = run.partition("-")
            for number in range(int(first), int(last or first) + 1):
                stages[str(number)] = stage
    return stages


def model_to_item(model: RegisteredModel) -> dict[str, Any]:
    document = model.model_dump(mode="json", exclude_none=True)
    document["stage_runs"] = stage_runs(document.pop("stages", {}))
    document.update(keys.model_key(model.name))
    document.update(keys.model_index_keys(model.name, model.last_updated_timestamp))
    document["kind"] = MODEL_KIND
    return serialize(document)


def version_to_item(version: ModelVersion) -> dict[str, Any]:
    document = version.model_dump(mode="json", exclude_none=True)
    document.update(keys.version_key(version.name, version.version))
    document.update(
        keys.version_index_keys(version.name, version.version, version.last_updated_timestamp, version.run_id)
    )
    document["kind"] = VERSION_KIND
    return serialize(document)


def _entity_fields(item: dict[str, Any]) -> dict[str, Any]:
    document = deserialize(item)
    for attribute in _KEY_ATTRIBUTES:
        document.pop(attribute, None)
    return document


def model_from_item(item: dict[str, Any]) -> RegisteredModel:
    document = _entity_fields(item)
    if "stage_runs" in document:  # items written before it hold the `stages` map itself
        document["stages"] = stages_of_runs(document.pop("stage_runs"))
    return RegisteredModel.model_validate(document)


def version_from_item(item: dict[str, Any]) -> ModelVersion:
    return ModelVersion.model_validate(_entity_fields(item))


def upload_to_item(upload: Upload) -> dict[str, Any]:
    document = upload.model_dump(mode="json", exclude_none=True)
    document.update(keys.upload_key(upload.name, upload.upload_id))
    document.update(keys.upload_index_keys(upload.name, upload.upload_id, upload.created_timestamp))
    document["kind"] = UPLOAD_KIND
    return serialize(document)


def upload_from_item(item: dict[str, Any]) -> Upload:
    return Upload.model_validate(_entity_fields(item))


def history_partitions(record: HistoryRecord) -> dict[str, str]:
    """The secondary partitions (index name -> partition) a history record is found under."""
    uid = record.model_uid
    partitions: dict[str, str] = {}
    if record.subject is ChangeKind.STAGE:
        if record.to_stage is not None:
            partitions["gsi1"] = keys.history_stage_entered_partition(uid, record.to_stage)
        if record.from_stage is not None:
            partitions["gsi2"] = keys.history_stage_left_partition(uid, record.from_stage)
        if record.version is not None:
            partitions["gsi3"] = keys.history_version_partition(uid, record.version)
    else:
        partitions["gsi1"] = keys.history_alias_partition(uid, record.alias or "")
        concerned = record.to_version if record.to_version is not None else record.from_version
        if concerned is not None:
            partitions["gsi3"] = keys.history_version_partition(uid, concerned)
        if (
            record.from_version is not None
            and record.to_version is not None
            and record.from_version != record.to_version
        ):
            partitions["gsi2"] = keys.history_version_partition(uid, record.from_version)
    return partitions


def history_sk(record: HistoryRecord) -> str:
    return keys.record_sk(record.timestamp, record.rev, record.seq)


def history_to_item(record: HistoryRecord) -> dict[str, Any]:
    document = record.model_dump(mode="json", exclude_none=True)
    sk = history_sk(record)
    document.update({"pk": keys.history_pk(record.model_uid), "sk": sk, "kind": HISTORY_KIND})
    for index, partition in history_partitions(record).items():
        document[f"{index}pk"] = partition
        document[f"{index}sk"] = sk
    return serialize(document)


def history_from_item(item: dict[str, Any]) -> HistoryRecord:
    return HistoryRecord.model_validate(_entity_fields(item))


def event_to_item(event: RegistryEvent) -> dict[str, Any]:
    document = event.model_dump(mode="json", exclude_none=True)
    document.update(
        {
            "pk": keys.event_pk(event.model_uid),
            "sk": keys.record_sk(event.timestamp, event.rev, event.seq),
            "kind": EVENT_KIND,
        }
    )
    return serialize(document)


def event_from_item(item: dict[str, Any]) -> RegistryEvent:
    return RegistryEvent.model_validate(_entity_fields(item))


def exclusive_start_key(start_key: object, attributes: Sequence[str], partition: tuple[str, str]) -> dict[str, Any]:
    """A resume key a client handed back (inside a page token) as a Query's ExclusiveStartKey, if it can be ours.

    Page tokens are not signed, so the key must be exactly the key attributes of the index read (`attributes`), each
    a string, in the partition read (`partition`: attribute name, value); anything else is InvalidParameterValue,
    where DynamoDB would answer a ValidationException (a 500) or resume somewhere else.
    """
    if (
        not isinstance(start_key, dict)
        or set(start_key) != set(attributes)
        or not all(
            isinstance(value, dict) and set(value) == {"S"} and isinstance(value["S"], str)
            for value in start_key.values()
        )
        or start_key[partition[0]]["S"] != partition[1]
    ):
        raise InvalidParameterValue("Invalid page token: it does not resume this query.")
    return start_key
