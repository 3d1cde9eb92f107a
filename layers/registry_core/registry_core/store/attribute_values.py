"""Python values <-> DynamoDB attribute values (the low-level client's wire format).

boto3's TypeSerializer does the same, but importing it imports all of boto3 and s3transfer (~100 ms of every cold
start). The registry stores only strings, integers, floats, booleans, None, maps and lists, so this module covers
exactly those; tests/unit/test_attribute_values.py checks it against boto3's serializer.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from registry_core.domain.errors import InvalidParameterValue
from registry_core.domain.limits import (
    DYNAMODB_NUMBER_MAX_DIGITS,
    DYNAMODB_NUMBER_MAX_MAGNITUDE,
    DYNAMODB_NUMBER_MIN_MAGNITUDE,
)


def to_attribute(value: Any) -> dict[str, Any]:
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, int):
        return {"N": _number_text(Decimal(value))}
    if isinstance(value, float | Decimal):
        # repr of a float is its shortest exact decimal form; DynamoDB numbers are decimals.
        return {"N": _number_text(Decimal(repr(value)) if isinstance(value, float) else value)}
    if isinstance(value, dict):
        return {"M": {str(key): to_attribute(item) for key, item in value.items()}}
    if isinstance(value, list | tuple):
        return {"L": [to_attribute(item) for item in value]}
    raise TypeError(f"cannot store a {type(value).__name__} in DynamoDB")


def _number_text(number: Decimal) -> str:
    # DynamoDB refuses what does not fit; moto (behind `make run`) keeps it and then cannot read it back. Refusing
    # here makes both behave as DynamoDB does, before anything is written.
    significant = "".join(map(str, number.as_tuple().digits)).strip("0") if number.is_finite() else ""
    digits = len(significant)
    magnitude = abs(number)
    if (
        not number.is_finite()
        or digits > DYNAMODB_NUMBER_MAX_DIGITS
        or (magnitude and not DYNAMODB_NUMBER_MIN_MAGNITUDE <= magnitude <= DYNAMODB_NUMBER_MAX_MAGNITUDE)
    ):
        raise InvalidParameterValue(f"The request holds a number the registry cannot store: {str(number)[:50]}.")
    return str(number)


def from_attribute(attribute: dict[str, Any]) -> Any:
    ((kind, value),) = attribute.items()
    if kind == "S":
        return value
    if kind == "N":
        # Integers were written without a point or exponent; anything else was a float.
        return int(value) if value.lstrip("-").isdigit() else float(value)
    if kind == "BOOL":
        return value
    if kind == "NULL":
        return None
    if kind == "M":
        return {key: from_attribute(item) for key, item in value.items()}
    if kind == "L":
        return [from_attribute(item) for item in value]
    raise TypeError(f"unexpected DynamoDB attribute type {kind}")


def to_item(document: dict[str, Any]) -> dict[str, Any]:
    return {key: to_attribute(value) for key, value in document.items()}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {key: from_attribute(value) for key, value in item.items()}
