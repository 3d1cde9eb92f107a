"""Tracking rules over the in-memory fake: default experiment, run names, and model versions from logged models."""

from __future__ import annotations

import pytest

from registry_core.domain.entities import Caller
from registry_core.domain.errors import InvalidParameterValue, ResourceAlreadyExists
from registry_core.service.registry import RegistryService
from registry_core.service.tracking import TrackingService
from registry_core.store.memory import InMemoryRegistryStore
from registry_core.store.tracking_memory import InMemoryTrackingStore

ROOT = "s3://bucket/mlruns"
TESTER = Caller(principal="arn:aws:iam::1:user/tester")


@pytest.fixture
def tracking() -> TrackingService:
    return TrackingService(InMemoryTrackingStore(), ROOT, TESTER, clock=lambda: 1000)


def test_a_run_without_experiment_goes_to_the_default_one_made_on_demand(tracking: TrackingService) -> None:
    run = tracking.create_run(None, "me", None, {}, None)
    assert run.experiment_id == "0"
    assert tracking.get_experiment("0").artifact_location == f"{ROOT}/0"
    assert run.artifact_uri == f"{ROOT}/0/{run.run_id}/artifacts"
    assert run.tags["mlflow.runName"] == run.run_name and run.run_name
    with pytest.raises(ResourceAlreadyExists):
        tracking.create_experiment("Default")


def test_run_name_and_its_tag_must_agree(tracking: TrackingService) -> None:
    with pytest.raises(InvalidParameterValue):
        tracking.create_run("0", "me", 1, {"mlflow.runName": "a"}, "b")
    run = tracking.create_run("0", "me", 1, {}, "a")
    tracking.set_tag(run.run_id, "mlflow.runName", "renamed")
    assert tracking.get_run(run.run_id).run_name == "renamed"


def test_a_version_from_a_tracked_logged_model_records_its_files(tracking: TrackingService) -> None:
    experiment_id = tracking.create_experiment("e")
    run = tracking.create_run(experiment_id, "me", 1, {}, None)
    logged = tracking.create_logged_model(experiment_id, "modelo", None, run.run_id, {}, {})
    registry = RegistryService(
        InMemoryRegistryStore(), TESTER, clock=lambda: 1000, logged_model_location=tracking.logged_model_location
    )
    registry.create_registered_model("m")

    version = registry.create_model_version("m", f"models:/{logged.model_id}", model_id=logged.model_id)
    assert version.storage_location == f"{ROOT}/{experiment_id}/models/{logged.model_id}/artifacts"
    assert version.run_id == run.run_id
    assert registry.get_model_version_download_uri("m", version.version) == version.storage_location

    # models:/<name>/<version> (a registered model) and unknown ids are left alone
    nested = registry.create_model_version("m", "models:/m/1")
    unknown = registry.create_model_version("m", "models:/m-nope")
    assert (nested.storage_location, unknown.storage_location) == (None, None)
    # A model_id that disagrees with the source does not borrow the other model's files
    odd = registry.create_model_version("m", f"models:/{logged.model_id}", model_id="m-other")
    assert odd.storage_location is None
