"""One tracking contract, two stores: the in-memory fake must behave as the DynamoDB store does."""

from __future__ import annotations

import math

import pytest

from registry_core.domain.tracking import Experiment, LoggedModel, Metric, Run
from registry_core.store.tracking_base import AlreadyExists, NameTaken, NotFound, ParamConflict, TrackingStore
from registry_core.store.tracking_dynamodb import DynamoDbTrackingStore
from registry_core.store.tracking_memory import InMemoryTrackingStore

from .conftest import TABLE_NAME


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: pytest.FixtureRequest) -> TrackingStore:
    if request.param == "memory":
        return InMemoryTrackingStore()
    return DynamoDbTrackingStore(TABLE_NAME, client=request.getfixturevalue("dynamodb_client"))


def _experiment(experiment_id: str, name: str) -> Experiment:
    return Experiment(
        experiment_id=experiment_id,
        name=name,
        artifact_location=f"s3://b/{experiment_id}",
        creation_time=1,
        last_update_time=1,
    )


def _run(run_id: str, experiment_id: str = "1", start: int = 1) -> Run:
    return Run(run_id=run_id, experiment_id=experiment_id, start_time=start, artifact_uri=f"s3://b/{run_id}")


def test_experiment_ids_increase_and_names_are_unique(store: TrackingStore) -> None:
    first, second = store.next_experiment_id(), store.next_experiment_id()
    assert int(second) > int(first)
    store.create_experiment(_experiment(first, "a"))
    with pytest.raises(NameTaken):
        store.create_experiment(_experiment(second, "a"))
    with pytest.raises((AlreadyExists, NameTaken)):
        store.create_experiment(_experiment(first, "b"))
    found = store.get_experiment_by_name("a")
    assert found is not None and found.experiment_id == first
    assert store.get_experiment_by_name("b") is None


def test_renaming_moves_the_name(store: TrackingStore) -> None:
    store.create_experiment(_experiment("1", "a"))
    store.create_experiment(_experiment("2", "b"))
    experiment = store.get_experiment("1")
    assert experiment is not None
    with pytest.raises(NameTaken):
        store.rename_experiment(experiment, "b", 5)
    store.rename_experiment(experiment, "c", 5)
    assert store.get_experiment_by_name("a") is None
    renamed = store.get_experiment_by_name("c")
    assert renamed is not None and (renamed.experiment_id, renamed.last_update_time) == ("1", 5)
    assert [e.name for e in store.list_experiments()] == ["b", "c"]
    with pytest.raises(NotFound):
        store.update_experiment("9", {"lifecycle_stage": "deleted"})


def test_params_are_write_once_and_tags_change_in_place(store: TrackingStore) -> None:
    store.create_run(_run("r"))
    store.log_run_values("r", params={"C": "1"}, tags={"a": "1", "b": "2"})
    store.log_run_values("r", params={"C": "1"})
    with pytest.raises(ParamConflict):
        store.log_run_values("r", params={"C": "2", "D": "3"})
    store.log_run_values("r", tags={"a": "x"}, delete_tags=["b"])
    run = store.get_run("r")
    assert run is not None
    assert run.params == {"C": "1"}  # the refused change left nothing behind, D included
    assert run.tags == {"a": "x"}
    with pytest.raises(NotFound):
        store.log_run_values("missing", tags={"a": "1"})


def test_the_latest_metric_only_moves_forward_and_history_pages_in_order(store: TrackingStore) -> None:
    store.create_run(_run("r"))
    points = [Metric(key="m", value=float(i), timestamp=100 - i, step=i % 7) for i in range(30)]
    store.add_metric_points("r", points[15:])
    store.add_metric_points("r", points[:15])
    store.add_metric_points("r", [points[0]])  # a retried point is the same point
    store.add_metric_points("r", [Metric(key="n", value=math.nan, timestamp=1, step=0)])
    run = store.get_run("r")
    assert run is not None
    latest = max(points, key=lambda p: (p.step, p.timestamp, p.value))
    assert (run.metrics["m"].step, run.metrics["m"].timestamp) == (latest.step, latest.timestamp)
    assert math.isnan(run.metrics["n"].value)

    seen: list[int] = []
    resume: str | None = None
    while True:
        page, resume = store.metric_history("r", "m", resume, 8)
        seen.extend(point.timestamp for point in page)
        if resume is None:
            break
    assert seen == sorted(p.timestamp for p in points)


def test_runs_and_logged_models_list_by_experiment(store: TrackingStore) -> None:
    store.create_run(_run("r2", start=2))
    store.create_run(_run("r1", start=1))
    store.create_run(_run("x", experiment_id="2"))
    assert [run.run_id for run in store.list_runs("1")] == ["r1", "r2"]
    store.append_to_run("r1", "model_outputs", [{"model_id": "m-1", "step": 0}])
    run = store.update_run("r1", {"status": "FINISHED", "end_time": 9})
    assert (run.status, run.end_time, run.model_outputs[0].model_id) == ("FINISHED", 9, "m-1")
    with pytest.raises(NotFound):
        store.update_run("missing", {"status": "FINISHED"})

    model = LoggedModel(
        model_id="m-1",
        experiment_id="1",
        name="modelo",
        artifact_location="s3://b/m",
        creation_timestamp_ms=1,
        last_updated_timestamp_ms=1,
    )
    store.create_logged_model(model)
    updated = store.update_logged_model("m-1", {"status": "LOGGED_MODEL_READY"}, set_tags={"a": "1", "b": "2"})
    updated = store.update_logged_model("m-1", {}, delete_tags=["b"])
    assert (updated.status, updated.tags) == ("LOGGED_MODEL_READY", {"a": "1"})
    assert [m.model_id for m in store.list_logged_models("1")] == ["m-1"]
    with pytest.raises(NotFound):
        store.update_logged_model("m-2", {"status": "LOGGED_MODEL_READY"})
