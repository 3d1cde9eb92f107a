"""Input rules of MLflow's registry, with MLflow's messages (clients show them to users)."""

from __future__ import annotations

import json
import posixpath
import re

from registry_core.domain.errors import InvalidParameterValue
from registry_core.domain.limits import (
    MAX_MODEL_REGISTRY_TAG_KEY_LENGTH,
    MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH,
    MAX_REGISTERED_MODEL_ALIAS_LENGTH,
)

RESERVED_ALIAS_LATEST = "latest"

_TAG_NAME = re.compile(r"^[/\w.\- :]*$")
_ALIAS_NAME = re.compile(r"^[\w\-]*$")
_VERSION_ALIAS = re.compile(r"^[vV]\d+$")


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
    try:
        return int(version)
    except ValueError:
        raise InvalidParameterValue(f"Parameter 'version' must be an integer, got '{version}'.") from None


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
