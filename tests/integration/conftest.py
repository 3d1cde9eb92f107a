"""moto-backed fixtures: the table is built from template.yaml's own definition, so tests and stack cannot drift."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from registry_core.store.dynamodb import DynamoDbRegistryStore
from smr_local import moto_patches
from smr_local.template import create_table

# Every write in these tests is a transaction: without the patches each costs O(all history) (see moto_patches).
moto_patches.install()

TABLE_NAME = "smr-registry-test"


def reset_wiring() -> None:
    """Forget the settings, stores and AWS clients the handlers built (imported late: wiring reads the settings)."""
    from registry_core import wiring

    wiring.clear_caches()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for variable in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        yield


@pytest.fixture
def dynamodb_client(aws: None) -> Any:
    client = boto3.client("dynamodb", region_name="us-east-1")
    create_table(client, TABLE_NAME)
    return client


@pytest.fixture
def dynamodb_store(dynamodb_client: Any) -> DynamoDbRegistryStore:
    return DynamoDbRegistryStore(TABLE_NAME, client=dynamodb_client)
