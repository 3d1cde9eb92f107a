"""Our attribute-value codec must write exactly what boto3's serializer writes, and read back what it wrote."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

import pytest
from boto3.dynamodb.types import TypeSerializer

from registry_core.store.attribute_values import from_attribute, to_attribute

SAMPLES: list[Any] = [
    "text",
    "",
    "é✓ unicode",
    0,
    -7,
    1_795_715_592_330,
    True,
    False,
    None,
    {"a": 1, "nested": {"b": [1, "two", None]}},
    [],
    {},
    ["x", {"y": False}],
]


@pytest.mark.parametrize("value", SAMPLES, ids=repr)
def test_writes_what_boto3_writes_and_reads_it_back(value: Any) -> None:
    assert to_attribute(value) == cast(dict[str, Any], TypeSerializer().serialize(value))
    assert from_attribute(to_attribute(value)) == value


@pytest.mark.parametrize("value", [0.95, 1.0, -2.5e-10, 1e100, 0.1 + 0.2])
def test_floats_keep_their_exact_value_and_type(value: float) -> None:
    attribute = to_attribute(value)
    assert attribute == cast(dict[str, Any], TypeSerializer().serialize(Decimal(repr(value))))
    read = from_attribute(attribute)
    assert isinstance(read, float) and read == value


def test_unsupported_types_are_refused() -> None:
    with pytest.raises(TypeError):
        to_attribute({1, 2})
