"""The registry's rules, against the in-memory store (the contract suite keeps it honest against DynamoDB)."""

from __future__ import annotations

import itertools
import threading

import pytest

from registry_core.domain.entities import Caller, ModelState, ModelVersion, Stage
from registry_core.domain.errors import (
    InvalidParameterValue,
    ResourceAlreadyExists,
    ResourceDoesNotExist,
    TemporarilyUnavailable,
)
from registry_core.service.registry import RegistryService
from registry_core.store.memory import InMemoryRegistryStore

TESTER = Caller(principal="arn:aws:iam::1:user/tester")


class FailingOnce(InMemoryRegistryStore):
    """Fails the named batch operation once, as a Lambda timing out half way would."""

    def __init__(self, failing: str) -> None:
        super().__init__()
        self.failing = failing

    def _maybe_fail(self, operation: str) -> None:
        if self.failing == operation:
            self.failing = ""
            raise TimeoutError(f"injected failure in {operation}")

    def put_versions_in_batches(self, versions: list[ModelVersion]) -> None:
        self._maybe_fail("put_versions_in_batches")
        super().put_versions_in_batches(versions)

    def delete_versions_in_batches(self, name: str, versions: list[int]) -> None:
        self._maybe_fail("delete_versions_in_batches")
        super().delete_versions_in_batches(name, versions)


@pytest.fixture
def store() -> InMemoryRegistryStore:
    return InMemoryRegistryStore()


@pytest.fixture
def registry(store: InMemoryRegistryStore) -> RegistryService:
    ticks = itertools.count(1_700_000_000_000)
    return RegistryService(store, TESTER, clock=lambda: next(ticks))


def _model_with_versions(registry: RegistryService, name: str = "fraud", count: int = 3) -> None:
    registry.create_registered_model(name)
    for index in range(count):
        registry.create_model_version(name, f"s3://bucket/{name}/{index}", run_id=f"run-{index}")


def test_a_name_can_be_registered_once(registry: RegistryService) -> None:
    registry.create_registered_model("fraud")
    with pytest.raises(ResourceAlreadyExists, match=r"Registered Model \(name=fraud\) already exists"):
        registry.create_registered_model("fraud")


@pytest.mark.parametrize("bad_name", ["", "  ", "a/b", "a:b", "../x"])
def test_invalid_model_names_are_refused(registry: RegistryService, bad_name: str) -> None:
    with pytest.raises(InvalidParameterValue):
        registry.create_registered_model(bad_name)


def test_version_numbers_are_gapless_and_never_reused(registry: RegistryService) -> None:
    _model_with_versions(registry, count=3)
    registry.delete_model_version("fraud", 3)
    created = registry.create_model_version("fraud", "s3://bucket/again")
    assert created.version == 4
    with pytest.raises(ResourceDoesNotExist, match=r"version=3\) not found"):
        registry.get_model_version("fraud", 3)


def test_second_production_version_archives_the_first(registry: RegistryService) -> None:
    _model_with_versions(registry)
    registry.transition_model_version_stage("fraud", 1, "Production")
    registry.transition_model_version_stage("fraud", 3, "Staging")
    promoted = registry.transition_model_version_stage("fraud", 2, "production", archive_existing_versions=False)
    assert promoted.current_stage is Stage.PRODUCTION
    assert registry.get_model_version("fraud", 1).current_stage is Stage.ARCHIVED
    assert registry.get_model_version("fraud", 3).current_stage is Stage.STAGING


def test_stage_names_are_accepted_in_any_case_and_returned_canonical(registry: RegistryService) -> None:
    _model_with_versions(registry, count=1)
    assert registry.transition_model_version_stage("fraud", 1, "sTaGiNg").current_stage == "Staging"
    with pytest.raises(InvalidParameterValue, match="Invalid Model Version stage: Prod"):
        registry.transition_model_version_stage("fraud", 1, "Prod")


def test_archiving_existing_versions_needs_an_active_stage(registry: RegistryService) -> None:
    _model_with_versions(registry, count=1)
    with pytest.raises(InvalidParameterValue, match="not an Active stage"):
        registry.transition_model_version_stage("fraud", 1, "Archived", archive_existing_versions=True)


def test_latest_versions_follow_transitions_and_deletes(registry: RegistryService) -> None:
    _model_with_versions(registry, count=4)
    registry.transition_model_version_stage("fraud", 2, "Staging")
    latest = {v.current_stage: v.version for v in registry.get_latest_versions("fraud")}
    assert latest == {Stage.NONE: 4, Stage.STAGING: 2}
    # The newest None version leaves: the next newest None version takes its place.
    registry.delete_model_version("fraud", 4)
    latest = {v.current_stage: v.version for v in registry.get_latest_versions("fraud")}
    assert latest == {Stage.NONE: 3, Stage.STAGING: 2}
    assert [v.version for v in registry.get_latest_versions("fraud", ["staging"])] == [2]


def test_an_alias_points_at_one_version_and_moves(registry: RegistryService) -> None:
    _model_with_versions(registry)
    registry.set_registered_model_alias("fraud", "champion", "1")
    registry.set_registered_model_alias("fraud", "champion", 2)
    assert registry.get_model_version_by_alias("fraud", "champion").version == 2
    assert registry.get_model_version("fraud", 1).aliases == []
    assert registry.get_model_version("fraud", 2).aliases == ["champion"]
    assert registry.get_registered_model("fraud").aliases == {"champion": 2}


@pytest.mark.parametrize("reserved", ["latest", "LATEST", "v1", "V12"])
def test_reserved_alias_names_are_refused(registry: RegistryService, reserved: str) -> None:
    _model_with_versions(registry, count=1)
    with pytest.raises(InvalidParameterValue, match="reserved"):
        registry.set_registered_model_alias("fraud", reserved, 1)


def test_a_missing_alias_answers_as_mlflow_does(registry: RegistryService) -> None:
    _model_with_versions(registry, count=2)
    with pytest.raises(InvalidParameterValue, match="Registered model alias nope not found"):
        registry.get_model_version_by_alias("fraud", "nope")
    assert registry.get_model_version_by_alias("fraud", "latest").version == 2


def test_an_alias_cannot_point_at_a_missing_version(registry: RegistryService) -> None:
    _model_with_versions(registry, count=1)
    with pytest.raises(ResourceDoesNotExist):
        registry.set_registered_model_alias("fraud", "champion", 9)


def test_deleting_a_version_removes_its_aliases(registry: RegistryService) -> None:
    _model_with_versions(registry, count=2)
    registry.set_registered_model_alias("fraud", "champion", 2)
    registry.delete_model_version("fraud", 2)
    assert registry.get_registered_model("fraud").aliases == {}


def test_tags_on_a_version_show_in_the_models_latest_versions(registry: RegistryService) -> None:
    _model_with_versions(registry, count=1)
    registry.set_model_version_tag("fraud", 1, "validated", "true")
    latest = registry.get_registered_model("fraud").latest_versions()
    assert latest[0].tags == {"validated": "true"}
    registry.delete_model_version_tag("fraud", 1, "validated")
    assert registry.get_registered_model("fraud").latest_versions()[0].tags == {}


def test_rename_moves_every_version_and_frees_the_old_name(registry: RegistryService) -> None:
    _model_with_versions(registry, count=3)
    registry.set_registered_model_alias("fraud", "champion", 3)
    renamed = registry.rename_registered_model("fraud", "fraud-v2")
    assert renamed.name == "fraud-v2"
    assert [registry.get_model_version("fraud-v2", n).name for n in (1, 2, 3)] == ["fraud-v2"] * 3
    assert registry.get_model_version_by_alias("fraud-v2", "champion").version == 3
    with pytest.raises(ResourceDoesNotExist):
        registry.get_registered_model("fraud")
    with pytest.raises(ResourceDoesNotExist):
        registry.get_model_version("fraud", 1)
    # The old name is free again, with no version left behind.
    registry.create_registered_model("fraud")
    assert registry.create_model_version("fraud", "s3://x").version == 1


def test_rename_onto_an_existing_name_is_refused(registry: RegistryService) -> None:
    registry.create_registered_model("a")
    registry.create_registered_model("b")
    with pytest.raises(ResourceAlreadyExists):
        registry.rename_registered_model("a", "b")
    assert registry.get_registered_model("a").name == "a"


def test_an_interrupted_rename_is_invisible_and_completes_when_retried() -> None:
    store = FailingOnce("put_versions_in_batches")
    registry = RegistryService(store, TESTER)
    _model_with_versions(registry, count=2)
    with pytest.raises(TimeoutError):
        registry.rename_registered_model("fraud", "renamed")
    # Readers still see the whole old model, and not the new one; writers are asked to retry.
    assert registry.get_model_version("fraud", 2).name == "fraud"
    with pytest.raises(ResourceDoesNotExist):
        registry.get_registered_model("renamed")
    with pytest.raises(TemporarilyUnavailable):
        registry.create_model_version("fraud", "s3://late")
    registry.rename_registered_model("fraud", "renamed")
    assert registry.get_model_version("renamed", 2).name == "renamed"
    with pytest.raises(ResourceDoesNotExist):
        registry.get_registered_model("fraud")


def test_an_interrupted_delete_hides_the_model_and_completes_when_retried() -> None:
    store = FailingOnce("delete_versions_in_batches")
    registry = RegistryService(store, TESTER)
    _model_with_versions(registry, count=3)
    with pytest.raises(TimeoutError):
        registry.delete_registered_model("fraud")
    with pytest.raises(ResourceDoesNotExist):
        registry.get_registered_model("fraud")
    tombstone = store.get_model("fraud")
    assert tombstone is not None and tombstone.state is ModelState.DELETING
    registry.delete_registered_model("fraud")
    assert store.get_model("fraud") is None
    assert all(store.get_version("fraud", n) is None for n in (1, 2, 3))


def test_creating_a_name_whose_delete_was_interrupted_finishes_the_delete() -> None:
    store = FailingOnce("delete_versions_in_batches")
    registry = RegistryService(store, TESTER)
    _model_with_versions(registry, count=2)
    with pytest.raises(TimeoutError):
        registry.delete_registered_model("fraud")
    registry.create_registered_model("fraud")
    assert registry.get_latest_versions("fraud") == []
    assert store.get_version("fraud", 1) is None


def test_concurrent_creates_give_gapless_unique_versions(registry: RegistryService) -> None:
    registry.create_registered_model("busy")
    barrier = threading.Barrier(20)
    numbers: list[int] = []

    def create() -> None:
        barrier.wait()
        numbers.append(registry.create_model_version("busy", "s3://x").version)

    threads = [threading.Thread(target=create) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(numbers) == list(range(1, 21))


def test_concurrent_promotions_leave_one_production_version(registry: RegistryService) -> None:
    _model_with_versions(registry, "busy", count=20)
    barrier = threading.Barrier(20)

    def promote(version: int) -> None:
        barrier.wait()
        registry.transition_model_version_stage("busy", version, "Production")

    threads = [threading.Thread(target=promote, args=(n,)) for n in range(1, 21)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stages = [registry.get_model_version("busy", n).current_stage for n in range(1, 21)]
    assert stages.count(Stage.PRODUCTION) == 1
    assert stages.count(Stage.ARCHIVED) == 19
