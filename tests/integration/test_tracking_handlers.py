"""The tracking handlers, fed API Gateway v2.0 events built from the samples in events/, against moto."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

from .conftest import TABLE_NAME, reset_wiring
from .test_handlers import LambdaContext, _load_handler, sample_event

BUCKET = "smr-artifacts-test"
Call = Callable[..., tuple[int, dict[str, Any]]]


@pytest.fixture
def call(dynamodb_client: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Call]:
    monkeypatch.setenv("SMR_TABLE_NAME", TABLE_NAME)
    monkeypatch.setenv("SMR_BUCKET_NAME", BUCKET)
    reset_wiring()

    def invoke(operation: str, path: dict[str, str] | None = None, **fields: Any) -> tuple[int, dict[str, Any]]:
        """The operation's sample event with its parameters replaced by `fields` (and `path` parameters)."""
        event = copy.deepcopy(sample_event(operation))
        if event["requestContext"]["http"]["method"] == "GET":
            event["rawQueryString"] = urlencode(fields, doseq=True)
            event["queryStringParameters"] = {key: str(value) for key, value in fields.items()}
        else:
            event["body"] = json.dumps(fields)
        if path is not None:
            event["pathParameters"] = path
        response = _load_handler(operation).handler(event, LambdaContext())
        return response["statusCode"], json.loads(response["body"])

    yield invoke
    reset_wiring()


def _ok(result: tuple[int, dict[str, Any]]) -> dict[str, Any]:
    status, body = result
    assert status == 200, body
    return body


def _new_run(call: Call, experiment: str = "exp") -> tuple[str, str]:
    experiment_id = _ok(call("create_experiment", name=experiment))["experiment_id"]
    run = _ok(call("create_run", experiment_id=experiment_id, start_time=1000, tags=[]))["run"]
    return experiment_id, run["info"]["run_id"]


def test_every_sample_event_is_accepted_by_its_handler_shape(call: Call) -> None:
    # The samples name resources that do not exist: each answers an MLflow error, never a 500 or a parse error.
    for operation in (
        "get_experiment",
        "get_run",
        "log_metric",
        "get_logged_model",
        "finalize_logged_model",
        "delete_logged_model_tag",
        "get_metric_history",
    ):
        event = sample_event(operation)
        response = _load_handler(operation).handler(event, LambdaContext())
        assert response["statusCode"] == 404, (operation, response["body"])
        assert json.loads(response["body"])["error_code"] == "RESOURCE_DOES_NOT_EXIST"


def test_an_experiment_is_created_found_by_name_renamed_and_deleted(call: Call) -> None:
    _ok(call("get_experiment", experiment_id="0"))  # MLflow's Default exists before anything else
    experiment_id = _ok(call("create_experiment", name="fraud", tags=[{"key": "team", "value": "risk"}]))[
        "experiment_id"
    ]
    assert experiment_id == "1"
    experiment = _ok(call("get_experiment", experiment_id=experiment_id))["experiment"]
    assert experiment["artifact_location"] == f"s3://{BUCKET}/mlruns/1"
    assert experiment["tags"] == [{"key": "team", "value": "risk"}]
    assert _ok(call("get_experiment_by_name", experiment_name="fraud"))["experiment"]["experiment_id"] == "1"

    status, body = call("create_experiment", name="fraud")
    assert (status, body["error_code"]) == (400, "RESOURCE_ALREADY_EXISTS")

    _ok(call("update_experiment", experiment_id="1", new_name="fraud-v2"))
    assert call("get_experiment_by_name", experiment_name="fraud")[0] == 404
    assert _ok(call("get_experiment_by_name", experiment_name="fraud-v2"))["experiment"]["experiment_id"] == "1"
    # The old name is free again (ids are unique and increasing; a refused create may use one up)
    assert int(_ok(call("create_experiment", name="fraud"))["experiment_id"]) > 1

    _ok(call("delete_experiment", experiment_id="1"))
    assert _ok(call("get_experiment", experiment_id="1"))["experiment"]["lifecycle_stage"] == "deleted"
    status, body = call("create_experiment", name="fraud-v2")
    assert status == 400 and "deleted state" in body["message"]
    names = [e["name"] for e in _ok(call("search_experiments", max_results=10))["experiments"]]
    assert names == ["fraud", "Default"]  # newest first; the deleted one is left out
    deleted = _ok(call("search_experiments", max_results=10, view_type="DELETED_ONLY"))["experiments"]
    assert [e["name"] for e in deleted] == ["fraud-v2"]


def test_the_default_experiment_exists_without_being_created(call: Call) -> None:
    experiment = _ok(call("get_experiment", experiment_id="0"))["experiment"]
    assert experiment["name"] == "Default"
    assert experiment["artifact_location"] == f"s3://{BUCKET}/mlruns/0"
    assert _ok(call("get_experiment_by_name", experiment_name="Default"))["experiment"]["experiment_id"] == "0"
    run = _ok(call("create_run", tags=[]))["run"]
    assert run["info"]["experiment_id"] == "0"
    status, body = call("delete_experiment", experiment_id="0")
    assert (status, body["error_code"]) == (400, "INVALID_PARAMETER_VALUE")


def test_a_run_collects_params_tags_and_the_latest_metric(call: Call) -> None:
    experiment_id, run_id = _new_run(call)
    _ok(call("log_parameter", run_id=run_id, key="C", value="1.0"))
    _ok(call("log_parameter", run_id=run_id, key="C", value="1.0"))  # the same value again is fine
    status, body = call("log_parameter", run_id=run_id, key="C", value="2.0")
    assert (status, body["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
    assert "Changing param values is not allowed" in body["message"]

    repeated = [{"key": "D", "value": "1"}, {"key": "D", "value": "1"}]
    status, body = call("log_batch", run_id=run_id, params=repeated)
    assert (status, body["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
    assert "Duplicate parameter keys" in body["message"]

    _ok(call("set_tag", run_id=run_id, key="team", value="risk"))
    _ok(call("set_tag", run_id=run_id, key="gone", value="soon"))
    _ok(call("delete_tag", run_id=run_id, key="gone"))
    assert call("delete_tag", run_id=run_id, key="gone")[0] == 404

    # Logged out of order: the latest is the greatest (step, timestamp), not the last one logged
    _ok(call("log_metric", run_id=run_id, key="acc", value=0.7, timestamp=10, step=2))
    _ok(call("log_metric", run_id=run_id, key="acc", value=0.9, timestamp=5, step=3))
    _ok(call("log_metric", run_id=run_id, key="acc", value=0.1, timestamp=99, step=1))
    _ok(
        call(
            "log_batch",
            run_id=run_id,
            metrics=[{"key": "loss", "value": "NaN", "timestamp": 1, "step": 0}],
            params=[{"key": "penalty", "value": "l2"}],
            tags=[{"key": "stage", "value": "train"}],
        )
    )

    run = _ok(call("get_run", run_id=run_id))["run"]
    assert run["info"]["artifact_uri"] == f"s3://{BUCKET}/mlruns/{experiment_id}/{run_id}/artifacts"
    assert sorted((p["key"], p["value"]) for p in run["data"]["params"]) == [("C", "1.0"), ("penalty", "l2")]
    tags = {t["key"]: t["value"] for t in run["data"]["tags"]}
    assert tags["team"] == "risk" and tags["stage"] == "train" and "gone" not in tags
    metrics = {m["key"]: m for m in run["data"]["metrics"]}
    assert (metrics["acc"]["value"], metrics["acc"]["step"]) == (0.9, 3)
    assert metrics["loss"]["value"] == "NaN"

    _ok(call("update_run", run_id=run_id, status="FINISHED", end_time=2000))
    info = _ok(call("get_run", run_id=run_id))["run"]["info"]
    assert (info["status"], info["end_time"]) == ("FINISHED", 2000)

    # run_uuid is still accepted, as MLflow's server accepts it
    assert _ok(call("get_run", run_uuid=run_id))["run"]["info"]["run_id"] == run_id


def test_metric_history_pages_in_timestamp_order(call: Call) -> None:
    _, run_id = _new_run(call)
    metrics = [{"key": "loss", "value": float(i), "timestamp": 1000 - i, "step": i} for i in range(250)]
    _ok(call("log_batch", run_id=run_id, metrics=metrics))
    _ok(call("log_batch", run_id=run_id, metrics=metrics[:10]))  # a retried batch adds nothing

    seen: list[int] = []
    token: str | None = None
    pages = 0
    while True:
        fields: dict[str, Any] = {"run_id": run_id, "metric_key": "loss", "max_results": 100}
        if token:
            fields["page_token"] = token
        page = _ok(call("get_metric_history", **fields))
        pages += 1
        seen.extend(m["timestamp"] for m in page["metrics"])
        token = page.get("next_page_token")
        if not token:
            break
    assert pages == 3
    assert seen == sorted(1000 - i for i in range(250))
    everything = _ok(call("get_metric_history", run_id=run_id, metric_key="loss"))
    assert len(everything["metrics"]) == 250 and "next_page_token" not in everything
    assert call("get_metric_history", run_id=run_id, metric_key="loss", max_results=0)[0] == 400


def test_metric_steps_and_timestamps_must_fit_in_int64(call: Call) -> None:
    _, run_id = _new_run(call)
    status, body = call("log_metric", run_id=run_id, key="a", value=1.0, timestamp=1, step=2**63)
    assert (status, body["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
    _ok(call("log_metric", run_id=run_id, key="a", value=1.0, timestamp=1, step=-(2**63)))
    _ok(call("log_metric", run_id=run_id, key="a", value=2.0, timestamp=1, step=2**63 - 1))
    history = _ok(call("get_metric_history", run_id=run_id, metric_key="a"))["metrics"]
    assert [m["step"] for m in history] == [-(2**63), 2**63 - 1]


def test_writes_to_a_deleted_run_are_refused(call: Call) -> None:
    _, run_id = _new_run(call)
    _ok(call("delete_run", run_id=run_id))
    status, body = call("log_metric", run_id=run_id, key="a", value=1.0, timestamp=1, step=0)
    assert (status, body["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
    assert _ok(call("get_run", run_id=run_id))["run"]["info"]["lifecycle_stage"] == "deleted"


def test_search_runs_filters_and_orders_like_mlflow(call: Call) -> None:
    experiment_id = _ok(call("create_experiment", name="search"))["experiment_id"]
    ids = []
    for index, (accuracy, model) in enumerate([(0.7, "lr"), (0.9, "rf"), (0.8, "lr")]):
        run_id = _ok(call("create_run", experiment_id=experiment_id, start_time=index, run_name=f"r{index}", tags=[]))[
            "run"
        ]["info"]["run_id"]
        _ok(call("log_metric", run_id=run_id, key="acc", value=accuracy, timestamp=1, step=0))
        _ok(call("log_parameter", run_id=run_id, key="model", value=model))
        ids.append(run_id)

    def names(**fields: Any) -> list[str]:
        runs = _ok(call("search_runs", experiment_ids=[experiment_id], **fields))["runs"]
        return [run["info"]["run_name"] for run in runs]

    assert names() == ["r2", "r1", "r0"]  # newest first
    assert names(filter="metrics.acc > 0.75", order_by=["metrics.acc ASC"]) == ["r2", "r1"]
    assert names(filter="params.model = 'lr'", order_by=["attributes.run_name"]) == ["r0", "r2"]
    assert names(filter=f"attributes.run_id IN ('{ids[0]}', '{ids[1]}')") == ["r1", "r0"]
    assert names(filter="tags.mlflow.runName LIKE 'r%' and metrics.acc < 0.8") == ["r0"]
    page = _ok(call("search_runs", experiment_ids=[experiment_id], max_results=2))
    assert len(page["runs"]) == 2
    rest = _ok(call("search_runs", experiment_ids=[experiment_id], max_results=2, page_token=page["next_page_token"]))
    assert [run["info"]["run_name"] for run in rest["runs"]] == ["r0"] and "next_page_token" not in rest
    status, body = call("search_runs", experiment_ids=[experiment_id], filter="metrics.acc = 'x'")
    assert (status, body["error_code"]) == (400, "INVALID_PARAMETER_VALUE")


def test_a_logged_model_is_created_tagged_finalized_and_backs_a_model_version(call: Call) -> None:
    experiment_id, run_id = _new_run(call)
    model = _ok(call("create_logged_model", experiment_id=experiment_id, name="modelo", source_run_id=run_id))["model"][
        "info"
    ]
    model_id = model["model_id"]
    assert model_id.startswith("m-")
    assert model["status"] == "LOGGED_MODEL_PENDING"
    location = f"s3://{BUCKET}/mlruns/{experiment_id}/models/{model_id}/artifacts"
    assert model["artifact_uri"] == location

    path = {"model_id": model_id}
    _ok(call("set_logged_model_tags", path=path, tags=[{"key": "flavor", "value": "sklearn"}]))
    _ok(call("set_logged_model_tags", path=path, tags=[{"key": "tmp", "value": "x"}]))
    _ok(call("delete_logged_model_tag", path={**path, "tag_key": "tmp"}))
    _ok(call("finalize_logged_model", path=path, status="LOGGED_MODEL_READY"))
    _ok(call("log_outputs", run_id=run_id, models=[{"model_id": model_id, "step": 0}]))
    _ok(
        call(
            "log_inputs",
            run_id=run_id,
            datasets=[{"dataset": {"name": "d", "digest": "1", "source_type": "local", "source": "{}"}, "tags": []}],
        )
    )

    got = _ok(call("get_logged_model", path=path))["model"]["info"]
    assert got["status"] == "LOGGED_MODEL_READY"
    assert got["tags"] == [{"key": "flavor", "value": "sklearn"}]
    run = _ok(call("get_run", run_id=run_id))["run"]
    assert run["outputs"]["model_outputs"] == [{"model_id": model_id, "step": 0}]
    assert run["inputs"]["dataset_inputs"][0]["dataset"]["name"] == "d"
    found = _ok(call("search_logged_models", experiment_ids=[experiment_id]))["models"]
    assert [m["info"]["model_id"] for m in found] == [model_id]
    status, body = call("search_logged_models", experiment_ids=[experiment_id], filter="name = 'modelo'")
    assert (status, body["error_code"]) == (400, "INVALID_PARAMETER_VALUE")  # refused, never silently ignored

    # Registering models:/<model_id> records where the files are, so any machine can download them
    _ok(call("create_registered_model", name="fraud"))
    version = _ok(call("create_model_version", name="fraud", source=f"models:/{model_id}", model_id=model_id))[
        "model_version"
    ]
    assert version["run_id"] == run_id
    uri = _ok(call("get_model_version_download_uri", name="fraud", version=version["version"]))
    assert uri["artifact_uri"] == location
    # A source smr does not track is left as it is
    other = _ok(call("create_model_version", name="fraud", source="models:/m-unknown"))["model_version"]
    assert _ok(call("get_model_version_download_uri", name="fraud", version=other["version"]))["artifact_uri"] == (
        "models:/m-unknown"
    )

    _ok(call("delete_logged_model", path=path))
    assert call("get_logged_model", path=path)[0] == 404
