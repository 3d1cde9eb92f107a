"""Per-model permissions (READ < EDIT < MANAGE), checked by the service right after it reads the model."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from registry_core.domain.entities import Caller
from registry_core.domain.errors import InvalidParameterValue, PermissionDenied, ResourceDoesNotExist
from registry_core.domain.permissions import PermissionLevel, effective_level
from registry_core.service.history import HistoryService
from registry_core.service.permissions import PermissionService
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
    owner = as_(store, OWNER)
    owner.registry.create_registered_model("m", tags={"t": "1"})
    owner.registry.create_model_version("m", "s3://b/1")
    owner.registry.create_model_version("m", "s3://b/2")
    owner.registry.set_registered_model_alias("m", "champion", 1)
    owner.registry.set_model_version_tag("m", 1, "k", "old")
    owner.permissions.set_permission("m", EDITOR.principal, "EDIT")
    return store


@dataclass
class Acting:
    """The registry's operations and its permission operations, acting for one principal."""

    registry: RegistryService
    permissions: PermissionService


def as_(store: InMemoryRegistryStore, caller: Caller) -> Acting:
    return Acting(RegistryService(store, caller), PermissionService(store, caller))


def test_the_creator_holds_manage(store: InMemoryRegistryStore) -> None:
    model = as_(store, OWNER).permissions.get_permissions("m")
    assert model.permissions == {OWNER.principal: "MANAGE", EDITOR.principal: "EDIT"}
    assert effective_level(model, OWNER) is PermissionLevel.MANAGE
    assert effective_level(model, READER) is PermissionLevel.READ
    assert effective_level(model, ADMIN) is PermissionLevel.MANAGE


WRITES: dict[str, Callable[[Acting], object]] = {
    "update": lambda s: s.registry.update_registered_model("m", "x"),
    "set model tag": lambda s: s.registry.set_registered_model_tag("m", "k", "v"),
    "delete model tag": lambda s: s.registry.delete_registered_model_tag("m", "t"),
    "set alias": lambda s: s.registry.set_registered_model_alias("m", "a", 2),
    "delete alias": lambda s: s.registry.delete_registered_model_alias("m", "champion"),
    "create version": lambda s: s.registry.create_model_version("m", "s3://b/3"),
    "update version": lambda s: s.registry.update_model_version("m", 1, "x"),
    "set version tag": lambda s: s.registry.set_model_version_tag("m", 1, "k", "v"),
    "delete version tag": lambda s: s.registry.delete_model_version_tag("m", 1, "k"),
    "transition": lambda s: s.registry.transition_model_version_stage("m", 1, "Production"),
}
MANAGES: dict[str, Callable[[Acting], object]] = {
    "delete version": lambda s: s.registry.delete_model_version("m", 2),
    "delete model": lambda s: s.registry.delete_registered_model("m"),
    "rename": lambda s: s.registry.rename_registered_model("m", "m2"),
    "set permission": lambda s: s.permissions.set_permission("m", READER.principal, "MANAGE"),
    "delete permission": lambda s: s.permissions.delete_permission("m", EDITOR.principal),
    "set private": lambda s: s.permissions.set_private("m", True),
}


def _snapshot(store: InMemoryRegistryStore) -> object:
    service = RegistryService(store, ADMIN)
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
    before = _snapshot(store)
    WRITES[operation](as_(store, EDITOR))
    assert _snapshot(store) != before


@pytest.mark.parametrize("operation", list(MANAGES))
def test_an_editor_may_not_manage(store: InMemoryRegistryStore, operation: str) -> None:
    with pytest.raises(PermissionDenied):
        MANAGES[operation](as_(store, EDITOR))


@pytest.mark.parametrize("operation", list(MANAGES))
def test_an_admin_may_manage_any_model(store: InMemoryRegistryStore, operation: str) -> None:
    before = _stored_model(store)
    MANAGES[operation](as_(store, ADMIN))
    assert _stored_model(store) != before


def _stored_model(store: InMemoryRegistryStore) -> object:
    """The model item as stored (permissions, privacy, stages included), or None once it is gone."""
    model = store.get_model("m")
    return model.model_dump() if model is not None and model.visible else None


def test_everyone_may_read_a_public_model(store: InMemoryRegistryStore) -> None:
    reader = as_(store, READER)
    assert reader.registry.get_registered_model("m").name == "m"
    assert reader.registry.get_model_version("m", 1).version == 1
    assert reader.registry.get_model_version_by_alias("m", "champion").version == 1
    assert len(reader.registry.get_latest_versions("m")) == 1


def test_a_private_model_is_hidden_from_principals_without_a_permission(store: InMemoryRegistryStore) -> None:
    as_(store, OWNER).permissions.set_private("m", True)
    reader = as_(store, READER)
    with pytest.raises(PermissionDenied):
        reader.registry.get_registered_model("m")
    with pytest.raises(PermissionDenied):
        reader.registry.get_model_version("m", 1)
    assert as_(store, EDITOR).registry.get_registered_model("m").private is True
    assert SearchService(store, caller=READER).search_registered_models().items == []
    assert SearchService(store, caller=READER).search_model_versions("name = 'm'").items == []
    assert [m.name for m in SearchService(store, caller=EDITOR).search_registered_models().items] == ["m"]
    assert len(SearchService(store, caller=ADMIN).search_model_versions().items) == 2


def test_granting_and_revoking_a_permission(store: InMemoryRegistryStore) -> None:
    owner = as_(store, OWNER)
    owner.permissions.set_permission("m", READER.principal, "edit")
    as_(store, READER).registry.set_registered_model_tag("m", "k", "v")
    owner.permissions.delete_permission("m", READER.principal)
    with pytest.raises(PermissionDenied):
        as_(store, READER).registry.set_registered_model_tag("m", "k", "w")


def test_the_last_manage_holder_cannot_be_removed(store: InMemoryRegistryStore) -> None:
    with pytest.raises(InvalidParameterValue, match="at least one principal with MANAGE"):
        as_(store, OWNER).permissions.delete_permission("m", OWNER.principal)
    with pytest.raises(InvalidParameterValue):
        as_(store, OWNER).permissions.set_permission("m", OWNER.principal, "READ")


def test_an_unknown_level_is_invalid(store: InMemoryRegistryStore) -> None:
    with pytest.raises(InvalidParameterValue):
        as_(store, OWNER).permissions.set_permission("m", READER.principal, "OWNER")


def test_permissions_follow_a_rename(store: InMemoryRegistryStore) -> None:
    as_(store, OWNER).registry.rename_registered_model("m", "m2")
    assert as_(store, OWNER).permissions.get_permissions("m2").permissions[EDITOR.principal] == "EDIT"
    with pytest.raises(ResourceDoesNotExist):
        as_(store, OWNER).permissions.get_permissions("m")


def test_a_model_without_recorded_permissions_stays_open() -> None:
    store = InMemoryRegistryStore()
    RegistryService(store, Caller.system()).create_registered_model("legacy")
    as_(store, READER).registry.set_registered_model_tag("legacy", "k", "v")
    assert RegistryService(store, Caller.system()).get_registered_model("legacy").tags == {"k": "v"}


def test_the_history_of_a_private_model_needs_a_permission(store: InMemoryRegistryStore) -> None:
    as_(store, OWNER).permissions.set_private("m", True)
    with pytest.raises(PermissionDenied):
        HistoryService(store, READER).model_history("m")
    with pytest.raises(PermissionDenied):
        HistoryService(store, READER).alias_at("m", "champion", 2**62)
    assert HistoryService(store, EDITOR).model_history("m").records


def test_no_service_acts_without_a_caller(store: InMemoryRegistryStore) -> None:
    for service in (RegistryService, PermissionService, SearchService, HistoryService):
        with pytest.raises(TypeError):
            service(store)  # type: ignore[call-arg]


def test_smr_itself_may_act_on_any_model_and_is_recorded_as_no_principal(store: InMemoryRegistryStore) -> None:
    as_(store, OWNER).permissions.set_private("m", True)
    system = RegistryService(store, Caller.system())
    version = system.create_model_version("m", "s3://b/3")
    assert version.user_id is None
    (record,) = [r for r in HistoryService(store, OWNER).version_history("m", 3).records]
    assert record.principal == ""
    system.create_registered_model("auto")
    assert PermissionService(store, Caller.system()).get_permissions("auto").permissions == {}
