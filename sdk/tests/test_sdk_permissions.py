"""Per-model permissions end to end: signed requests from distinct IAM users against the local server."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import READER, WRITER, arn

from smr import InvalidParameterValue, PermissionDenied, SmrClient

OWNER_ARN = "arn:aws:iam::123456789012:user/smr-local"


@pytest.fixture
def owned(client: SmrClient, model_name: str) -> str:
    client.create_registered_model(model_name, tags={"t": "1"})
    client.create_model_version(model_name, "s3://b/1")
    client.create_model_version(model_name, "s3://b/2")
    client.set_registered_model_alias(model_name, "champion", 1)
    return model_name


def _state(client: SmrClient, name: str) -> object:
    model = client.get_registered_model(name)
    versions = sorted(client.iter_model_versions(f"name = '{name}'"), key=lambda v: v.version)
    return (
        model.tags,
        model.aliases,
        model.description,
        [(v.version, v.current_stage, v.tags, v.description) for v in versions],
    )


DENIED: dict[str, Callable[[SmrClient, str], object]] = {
    "transition": lambda c, n: c.transition_model_version_stage(n, 1, "Production"),
    "model tag": lambda c, n: c.set_registered_model_tag(n, "k", "v"),
    "version tag": lambda c, n: c.set_model_version_tag(n, 1, "k", "v"),
    "alias": lambda c, n: c.set_registered_model_alias(n, "champion", 2),
    "delete alias": lambda c, n: c.delete_registered_model_alias(n, "champion"),
    "delete version": lambda c, n: c.delete_model_version(n, 2),
    "delete model": lambda c, n: c.delete_registered_model(n),
    "rename": lambda c, n: c.rename_registered_model(n, n + "-x"),
    "new version": lambda c, n: c.create_model_version(n, "s3://b/3"),
    "grant": lambda c, n: c.set_permission(n, arn(READER), "MANAGE"),
}


@pytest.mark.parametrize("operation", list(DENIED))
def test_a_read_only_principal_is_denied_and_nothing_changes(
    client: SmrClient, reader: SmrClient, owned: str, operation: str
) -> None:
    before = _state(client, owned)
    with pytest.raises(PermissionDenied) as raised:
        DENIED[operation](reader, owned)
    assert raised.value.status == 403
    assert raised.value.error_code == "PERMISSION_DENIED"
    assert _state(client, owned) == before


def test_the_creator_holds_manage_and_readers_may_read(client: SmrClient, reader: SmrClient, owned: str) -> None:
    assert client.get_permissions(owned).permissions == {OWNER_ARN: "MANAGE"}
    assert reader.get_registered_model(owned).name == owned
    assert reader.get_model_version_by_alias(owned, "champion").version == 1


def test_a_grant_lets_a_writer_edit_and_a_revoke_stops_it(client: SmrClient, writer: SmrClient, owned: str) -> None:
    client.set_permission(owned, arn(WRITER), "EDIT")
    writer.transition_model_version_stage(owned, 1, "Staging")
    with pytest.raises(PermissionDenied):
        writer.delete_model_version(owned, 1)  # EDIT is not MANAGE
    client.delete_permission(owned, arn(WRITER))
    with pytest.raises(PermissionDenied):
        writer.set_registered_model_tag(owned, "k", "v")


def test_a_private_model_is_invisible_to_others_even_in_searches(
    client: SmrClient, reader: SmrClient, owned: str
) -> None:
    assert client.set_private(owned).private is True
    with pytest.raises(PermissionDenied):
        reader.get_registered_model(owned)
    assert list(reader.iter_registered_models(f"name = '{owned}'")) == []
    assert list(reader.iter_model_versions(f"name = '{owned}'")) == []
    assert [m.name for m in client.iter_registered_models(f"name = '{owned}'")] == [owned]


def test_an_admin_principal_may_manage_any_model(admin: SmrClient, client: SmrClient, owned: str) -> None:
    admin.set_permission(owned, arn(READER), "READ")
    assert client.get_permissions(owned).permissions == {OWNER_ARN: "MANAGE", arn(READER): "READ"}
    admin.delete_registered_model(owned)
    assert [m.name for m in client.iter_registered_models(f"name = '{owned}'")] == []


def test_the_last_manager_stays(client: SmrClient, owned: str) -> None:
    with pytest.raises(InvalidParameterValue):
        client.delete_permission(owned, OWNER_ARN)
