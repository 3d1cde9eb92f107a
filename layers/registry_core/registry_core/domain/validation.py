"""Input rules of MLflow's registry, with MLflow's messages (clients show them to users)."""

from __future__ import annotations

import json
import posixpath
import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StrictInt, StrictStr, WithJsonSchema

from registry_core.domain.errors import InvalidParameterValue
from registry_core.domain.limits import (
    DYNAMODB_NUMBER_MAX_MAGNITUDE,
    DYNAMODB_NUMBER_MIN_MAGNITUDE,
    INT64_MAX,
    INT64_MIN,
    MAX_JSON_DEPTH,
    MAX_MODEL_REGISTRY_TAG_KEY_LENGTH,
    MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH,
    MAX_REGISTERED_MODEL_ALIAS_LENGTH,
    MAX_VERSION_DIGITS,
)

RESERVED_ALIAS_LATEST = "latest"

_TAG_NAME = re.compile(r"^[/\w.\- :]*$")
_ALIAS_NAME = re.compile(r"^[\w\-]*$")
_VERSION_ALIAS = re.compile(r"^[vV]\d+$")
# MLflow's versions are digit strings: ASCII digits only (no sign, space, underscore or other scripts' digits).
_VERSION = re.compile(rf"[0-9]{{1,{MAX_VERSION_DIGITS}}}")
_INTEGER_TEXT = re.compile(r"-?[0-9]{1,20}")


def missing_value(path: str) -> str:
    return f"Missing value for required parameter '{path}'."


def invalid_value(path: str, value: object, message: str | None = None) -> str:
    formatted = json.dumps(value, sort_keys=True, separators=(",", ":"))
    suffix = f": {message}" if message else "."
    return f"Invalid value {formatted} for parameter '{path}' supplied{suffix}"


def _bad_path_message(name: str) -> str:
    return (
        "Names may be treated as files in certain cases, and must not resolve to other names"
        f" when treated as such. This name would resolve to {posixpath.normpath(name)!r}"
    )


def _path_not_unique(name: str) -> bool:
    norm = posixpath.normpath(name)
    return norm != name or norm == "." or norm.startswith("..") or norm.startswith("/")


def validate_model_name(name: str | None, path: str = "name") -> str:
    if name is None or name.strip() == "":
        raise InvalidParameterValue(missing_value(path))
    if "/" in name or ":" in name:
        raise InvalidParameterValue(f"Invalid model name '{name}'. Names cannot contain '/' or ':'.")
    if _path_not_unique(name):
        raise InvalidParameterValue(invalid_value(path, name, _bad_path_message(name)))
    return name


def validate_version(version: str | int | None) -> int:
    if version is None or version == "":
        raise InvalidParameterValue(missing_value("version"))
    # bool is an int in Python; JSON `true` is not a version.
    well_formed = (isinstance(version, str) and _VERSION.fullmatch(version) is not None) or (
        type(version) is int and 0 <= version < 10**MAX_VERSION_DIGITS
    )
    if not well_formed:
        raise InvalidParameterValue(f"Parameter 'version' must be an integer, got '{version}'.")
    return int(version)


def _version_field(version: Any) -> Any:
    # Raises InvalidParameterValue (not a pydantic error), so the client reads MLflow's own message.
    validate_version(version)
    return version


# A version field: MLflow sends a string; plain HTTP callers often send a number, which is accepted too.
Version = Annotated[
    StrictStr | StrictInt,
    BeforeValidator(_version_field),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": f"^[0-9]{{1,{MAX_VERSION_DIGITS}}}$"},
                {"type": "integer", "minimum": 0, "maximum": 10**MAX_VERSION_DIGITS - 1},
            ]
        }
    ),
]


def _integer_input(value: Any) -> Any:
    # MLflow's JSON (protobuf's) takes an int64 as a number or a decimal string, never as a bool.
    if isinstance(value, bool):
        raise ValueError("must be an integer, not a boolean")
    if isinstance(value, str) and not _INTEGER_TEXT.fullmatch(value):
        raise ValueError("must be an integer")
    return value


def _storable_number(value: float) -> float:
    magnitude = Decimal(repr(abs(value)))
    if magnitude and not DYNAMODB_NUMBER_MIN_MAGNITUDE <= magnitude <= DYNAMODB_NUMBER_MAX_MAGNITUDE:
        raise ValueError(f"must be 0 or of magnitude {DYNAMODB_NUMBER_MIN_MAGNITUDE} to 1E+126")
    return value


def _float_input(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be a number, not a boolean")
    return value


# Integers MLflow declares int64 (steps, timestamps, counts); they also fit DynamoDB's 38 digits.
Int64 = Annotated[int, BeforeValidator(_integer_input), Field(ge=INT64_MIN, le=INT64_MAX)]
# A number the registry stores as a DynamoDB number: finite and within DynamoDB's magnitude range.
StoredFloat = Annotated[
    float, BeforeValidator(_float_input), Field(allow_inf_nan=False), AfterValidator(_storable_number)
]


def validate_tag_key(key: str | None) -> str:
    if key is None:
        raise InvalidParameterValue(missing_value("key"))
    if not _TAG_NAME.match(key):
        raise InvalidParameterValue(
            invalid_value(
                "key",
                key,
                "Names may only contain alphanumerics, underscores (_), dashes (-), periods (.),"
                " spaces ( ), colon(:) and slashes (/).",
            )
        )
    if _path_not_unique(key):
        raise InvalidParameterValue(invalid_value("key", key, _bad_path_message(key)))
    if len(key) > MAX_MODEL_REGISTRY_TAG_KEY_LENGTH:
        raise InvalidParameterValue(
            f"'key' exceeds the maximum length of {MAX_MODEL_REGISTRY_TAG_KEY_LENGTH} characters"
        )
    return key


def validate_tag(key: str | None, value: str | None) -> tuple[str, str]:
    validate_tag_key(key)
    if value is None:
        raise InvalidParameterValue("Tag value cannot be None")
    if len(value) > MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH:
        raise InvalidParameterValue(
            f"'value' exceeds the maximum length of {MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH} characters"
        )
    assert key is not None
    return key, value


def validate_alias_name(alias: str | None) -> str:
    if not alias:
        raise InvalidParameterValue("Registered model alias name cannot be empty.")
    if not _ALIAS_NAME.match(alias):
        raise InvalidParameterValue(
            f"Invalid alias name: '{alias}'. Names may only contain alphanumerics, underscores (_), and dashes (-)."
        )
    if len(alias) > MAX_REGISTERED_MODEL_ALIAS_LENGTH:
        raise InvalidParameterValue(
            "'Registered model alias name' exceeds the maximum length of "
            f"{MAX_REGISTERED_MODEL_ALIAS_LENGTH} characters"
        )
    return alias


def validate_alias_not_reserved(alias: str) -> None:
    if alias.lower() == RESERVED_ALIAS_LATEST:
        raise InvalidParameterValue("'latest' alias name (case insensitive) is reserved.")
    if _VERSION_ALIAS.match(alias):
        raise InvalidParameterValue(f"Version alias name '{alias}' is reserved.")


# -- JSON documents from outside (request bodies, smr.json) --------------------------------------------------------


def load_json_object(text: str | bytes, what: str) -> dict[str, Any]:
    """A JSON object within MAX_JSON_DEPTH whose strings are valid UTF-8, or InvalidParameterValue naming `what`."""
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidParameterValue(f"{what} is not valid JSON: {error.msg}.") from None
    except RecursionError:
        raise InvalidParameterValue(f"{what} nests deeper than {MAX_JSON_DEPTH} levels.") from None
    except ValueError as error:  # not UTF-8, or an integer of more than 4,300 digits
        raise InvalidParameterValue(f"{what} is not valid JSON: {error}.") from None
    if not isinstance(parsed, dict):
        raise InvalidParameterValue(f"{what} must be a JSON object.")
    check_json_document(parsed, what)
    return parsed


def check_json_document(document: Any, what: str = "The request") -> None:
    """Refuse a document nested deeper than MAX_JSON_DEPTH or holding a string that is not valid UTF-8.

    JSON may escape a lone surrogate ("\\ud800"); such a string cannot be stored (DynamoDB, S3 and every client
    need UTF-8), so it is refused here rather than failing deep inside a write.
    """
    pending: list[tuple[Any, int]] = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            raise InvalidParameterValue(f"{what} nests deeper than {MAX_JSON_DEPTH} levels.")
        if isinstance(value, str):
            _check_text(value, what)
        elif isinstance(value, dict):
            for key, item in value.items():
                _check_text(key, what)
                pending.append((item, depth + 1))
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)


def _check_text(text: str, what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidParameterValue(f"{what} holds a string that is not valid UTF-8 (a lone surrogate).") from None
