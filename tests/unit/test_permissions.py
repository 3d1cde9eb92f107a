"""Per-model permissions (READ < EDIT < MANAGE), checked by the service right after it reads the model."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from registry_core.domain.entities import Caller
from registry_core.domain.errors import InvalidParameterValue, PermissionDenied, ResourceDoesNotExist
from registry_core.domain.governance import ModelMetric, PromotionPolicy
from registry_core.domain.permissions import PermissionLevel, effective_level
from registry_core.service.registry import RegistryService
from registry_core.service.search import SearchService
from registry_core.store.memory import InMemoryRegistryStore

OWNER = Caller(principal="arn:aws:iam::1:user/owner")
READER = Caller(principal="arn:aws:iam::1:user/reader")
EDITOR = Caller(principal="arn:aws:iam::1:user/editor")
ADMIN = Caller(principal="arn:aws:iam::1:role/admin", admin=True)


@pytest.fixture
def store() -> InMemoryRegistryStore:
    store = InMemoryRegistryStore()
    owner = RegistryService(store, caller=OWNER)
    owner.create_registered_model("m", tags={"t": "1"})
    owner.create_model_version("m", "s3://b/1")
    owner.create_model_version("m", "s3://b/2")
    owner.set_registered_model_alias("m", "champion", 1)
    owner.set_permission("m", EDITOR.principal, "EDIT")
    return store


def as_(store: InMemoryRegistryStore, caller: Caller) -> RegistryService:
    return RegistryService(store, caller=caller)


def test_the_creator_holds_manage(store: InMemoryRegistryStore) -> None:
    model = as_(store, OWNER).get_permissions("m")
    assert model.permissions == {OWNER.principal: "MANAGE", EDITOR.principal: "EDIT"}
    assert effective_level(model, OWNER) is PermissionLevel.MANAGE
    assert effective_level(model, READER) is PermissionLevel.READ
    assert effective_level(model, ADMIN) is PermissionLevel.MANAGE


WRITES: dict[str, Callable[[RegistryService], object]] = {
    "update": lambda s: s.update_registered_model("m", "x"),
    "set model tag": lambda s: s.set_registered_model_tag("m", "k", "v"),
    "delete model tag": lambda s: s.delete_registered_model_tag("m", "t"),
    "set alias": lambda s: s.set_registered_model_alias("m", "a", 2),
    "delete alias": lambda s: s.delete_registered_model_alias("m", "champion"),
    "create version": lambda s: s.create_model_version("m", "s3://b/3"),
    "update version": lambda s: s.update_model_version("m", 1, "x"),
    "set version tag": lambda s: s.set_model_version_tag("m", 1, "k", "v"),
    "delete version tag": lambda s: s.delete_model_version_tag("m", 1, "k"),
    "transition": lambda s: s.transition_model_version_stage("m", 1, "Production"),
    "record metrics": lambda s: s.set_model_version_metrics("m", 2, [ModelMetric(key="fresh", value=1.0)]),
}
MANAGES: dict[str, Callable[[RegistryService], object]] = {
    "delete version": lambda s: s.delete_model_version("m", 2),
    "delete model": lambda s: s.delete_registered_model("m"),
    "rename": lambda s: s.rename_registered_model("m", "m2"),
    "set permission": lambda s: s.set_permission("m", READER.principal, "MANAGE"),
    "delete permission": lambda s: s.delete_permission("m", EDITOR.principal),
    "set private": lambda s: s.set_private("m", True),
    "set promotion policy": lambda s: s.set_promotion_policy("m", PromotionPolicy()),
}


READS: dict[str, Callable[[RegistryService], object]] = {
    "get": lambda s: s.get_registered_model("m"),
    "get version": lambda s: s.get_model_version("m", 1),
    "by alias": lambda s: s.get_model_version_by_alias("m", "champion"),
    "latest": lambda s: s.get_latest_versions("m"),
    "download uri": lambda s: s.get_model_version_download_uri("m", 1),
    "permissions": lambda s: s.get_permissions("m"),
    "policy": lambda s: s.get_promotion_policy("m"),
}


def _snapshot(store: InMemoryRegistryStore) -> object:
    service = RegistryService(store, caller=Caller.system())
    model = service.get_registered_model("m")
    return (model.model_dump(), [service.get_model_version("m", n).model_dump() for n in sorted(model.stages)])


@pytest.mark.parametrize("operation", [*WRITES, *MANAGES])
def test_a_read_only_principal_can_change_nothing(store: InMemoryRegistryStore, operation: str) -> None:
    before = _snapshot(store)
    with pytest.raises(PermissionDenied):
        {**WRITES, **MANAGES}[operation](as_(store, READER))
    assert _snapshot(store) == before


@pytest.mark.parametrize("operation", list(WRITES))
def test_an_editor_may_edit(store: InMemoryRegistryStore, operation: str) -> None:
    WRITES[operation](as_(store, EDITOR))


@pytest.mark.parametrize("operation", list(MANAGES))
def test_an_editor_may_not_manage(store: InMemoryRegistryStore, operation: str) -> None:
    with pytest.raises(PermissionDenied):
        MANAGES[operation](as_(store, EDITOR))


@pytest.mark.parametrize("operation", list(MANAGES))
def test_an_admin_may_manage_any_model(store: InMemoryRegistryStore, operation: str) -> None:
    MANAGES[operation](as_(store, ADMIN))


def test_everyone_may_read_a_public_model(store: InMemoryRegistryStore) -> None:
    reader = as_(store, READER)
    assert reader.get_registered_model("m").name == "m"
    assert reader.get_model_version("m", 1).version == 1
    assert reader.get_model_version_by_alias("m", "champion").version == 1
    assert len(reader.get_latest_versions("m")) == 1


def test_a_private_model_is_hidden_from_principals_without_a_permission(store: InMemoryRegistryStore) -> None:
    as_(store, OWNER).set_private("m", True)
    reader = as_(store, READER)
    with pytest.raises(ResourceDoesNotExist) as missing:
        reader.get_registered_model("nothing-by-this-name")
    for operation in [*READS.values(), *WRITES.values(), *MANAGES.values()]:
        # Every operation answers exactly what a missing model answers: not even its existence shows.
        with pytest.raises(ResourceDoesNotExist) as hidden:
            operation(reader)
        assert hidden.value.message == missing.value.message.replace("nothing-by-this-name", "m")
    assert as_(store, EDITOR).get_registered_model("m").private is True
    assert SearchService(store, caller=READER).search_registered_models().items == []
    assert SearchService(store, caller=READER).search_model_versions("name = 'm'").items == []
    assert [m.name for m in SearchService(store, caller=EDITOR).search_registered_models().items] == ["m"]
    assert len(SearchService(store, caller=ADMIN).search_model_versions().items) == 2


def test_granting_and_revoking_a_permission(store: InMemoryRegistryStore) -> None:
    owner = as_(store, OWNER)
    owner.set_permission("m", READER.principal, "edit")
    as_(store, READER).set_registered_model_tag("m", "k", "v")
    owner.delete_permission("m", READER.principal)
    with pytest.raises(PermissionDenied):
        as_(store, READER).set_registered_model_tag("m", "k", "w")


def test_the_last_manage_holder_cannot_be_removed(store: InMemoryRegistryStore) -> None:
    with pytest.raises(InvalidParameterValue, match="at least one principal with MANAGE"):
        as_(store, OWNER).delete_permission("m", OWNER.principal)
    with pytest.raises(InvalidParameterValue):
        as_(store, OWNER).set_permission("m", OWNER.principal, "READ")


def test_an_unknown_level_is_invalid(store: InMemoryRegistryStore) -> None:
    with pytest.raises(InvalidParameterValue):
        as_(store, OWNER).set_permission("m", READER.principal, "OWNER")


def test_permissions_follow_a_rename(store: InMemoryRegistryStore) -> None:
    as_(store, OWNER).rename_registered_model("m", "m2")
    assert as_(store, OWNER).get_permissions("m2").permissions[EDITOR.principal] == "EDIT"
    with pytest.raises(ResourceDoesNotExist):
        as_(store, OWNER).get_permissions("m")


def _legacy_model(store: InMemoryRegistryStore) -> None:
    """A model written before permissions existed: no permission recorded at all."""
    RegistryService(store, caller=Caller.system()).create_registered_model("legacy")
    assert store.get_model("legacy").permissions == {}  # type: ignore[union-attr]


def test_a_model_without_an_owner_stays_open_to_edit_but_only_admins_manage_it() -> None:
    store = InMemoryRegistryStore()
    _legacy_model(store)
    as_(store, READER).set_registered_model_tag("legacy", "k", "v")
    for take_over in (
        lambda s: s.set_permission("legacy", READER.principal, "MANAGE"),
        lambda s: s.set_private("legacy", True),
        lambda s: s.set_promotion_policy("legacy", PromotionPolicy()),
        lambda s: s.delete_registered_model("legacy"),
    ):
        with pytest.raises(PermissionDenied):
            take_over(as_(store, READER))
    as_(store, ADMIN).set_permission("legacy", OWNER.principal, "MANAGE")
    assert as_(store, OWNER).get_permissions("legacy").permissions == {OWNER.principal: "MANAGE"}


def test_an_absent_caller_may_do_nothing(store: InMemoryRegistryStore) -> None:
    nobody = RegistryService(store)
    assert effective_level(store.get_model("m"), None) is None  # type: ignore[arg-type]
    for operation in READS.values():
        with pytest.raises(ResourceDoesNotExist):
            operation(nobody)
    with pytest.raises(PermissionDenied):
        nobody.create_registered_model("unowned")
    assert store.get_model("unowned") is None
