"""Entity <-> DynamoDB item mapping. Routes and the service never see an item."""

from __future__ import annotations

from typing import Any

from registry_core.domain.artifacts import Upload
from registry_core.domain.entities import ModelVersion, RegisteredModel
from registry_core.store import keys
from registry_core.store.attribute_values import from_item, to_item

MODEL_KIND = "model"
VERSION_KIND = "version"
UPLOAD_KIND = "upload"
_KEY_ATTRIBUTES = ("pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk", "kind")


def serialize(document: dict[str, Any]) -> dict[str, Any]:
    return to_item(document)


def deserialize(item: dict[str, Any]) -> dict[str, Any]:
    return from_item(item)


def model_to_item(model: RegisteredModel) -> dict[str, Any]:
    document = model.model_dump(mode="json", exclude_none=True)
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
    return RegisteredModel.model_validate(_entity_fields(item))


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
