"""Entity <-> DynamoDB item mapping. Routes and the service never see an item."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from registry_core.domain.artifacts import Upload
from registry_core.domain.entities import ModelVersion, RegisteredModel
from registry_core.store import keys

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

MODEL_KIND = "model"
VERSION_KIND = "version"
UPLOAD_KIND = "upload"
_KEY_ATTRIBUTES = ("pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk", "kind")


def _to_dynamo(value: Any) -> Any:
    if isinstance(value, float):
        # DynamoDB numbers are decimals; str() keeps the float's shortest exact repr.
        return Decimal(str(value))
    if isinstance(value, dict):
        return {key: _to_dynamo(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_to_dynamo(item) for item in value]
    return value


def _from_dynamo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _from_dynamo(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_from_dynamo(item) for item in value]
    return value


def serialize(document: dict[str, Any]) -> dict[str, Any]:
    return {key: _serializer.serialize(_to_dynamo(value)) for key, value in document.items()}


def deserialize(item: dict[str, Any]) -> dict[str, Any]:
    return {key: _from_dynamo(_deserializer.deserialize(value)) for key, value in item.items()}


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
