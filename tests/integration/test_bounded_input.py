"""Unbounded input answered 400 in MLflow's shape at once (issue 10), through the handlers and the DynamoDB store."""

from __future__ import annotations

import time
from typing import Any

import pytest

from registry_core.domain.entities import ModelVersion, RegisteredModel
from registry_core.domain.errors import InvalidParameterValue
from registry_core.domain.governance import ModelMetric
from registry_core.store.base import Write
from registry_core.store.dynamodb import DynamoDbRegistryStore

from .test_handlers import Invoke, invoke, sample_event

__all__ = ["invoke"]


def _assert_refused(response: tuple[int, dict[str, Any]]) -> str:
    status, body = response
    assert status == 400, body
    assert body["error_code"] == "INVALID_PARAMETER_VALUE"
    message: str = body["message"]
    return message


def test_a_name_with_a_lone_surrogate_is_refused_at_once(invoke: Invoke) -> None:
    event = sample_event("create_registered_model")
    event["body"] = '{"name": "x\\ud800y"}'
    started = time.monotonic()
    assert "UTF-8" in _assert_refused(invoke("create_registered_model", event))
    assert time.monotonic() - started < 5  # it was retried as a write conflict for 38 s


def test_a_body_nested_100000_levels_is_a_400(invoke: Invoke) -> None:
    event = sample_event("create_registered_model")
    event["body"] = '{"name": "m", "tags": ' + "[" * 100_000 + "]" * 100_000 + "}"
    assert "nests deeper" in _assert_refused(invoke("create_registered_model", event))


@pytest.mark.parametrize("step", ["1" * 40, "true", '"1_0"'])
def test_a_metric_step_beyond_int64_is_refused(invoke: Invoke, step: str) -> None:
    event = sample_event("log_metric")
    event["body"] = event["body"].replace('"step": 0', f'"step": {step}')
    assert "step" in _assert_refused(invoke("log_metric", event))


@pytest.mark.parametrize("version", ["1_0", "%D9%A3", "%2B1", "%201%20"])
def test_a_version_that_is_not_a_digit_string_is_refused(invoke: Invoke, version: str) -> None:
    invoke("create_registered_model")
    invoke("create_model_version")
    event = sample_event("get_model_version")
    event["rawQueryString"] = f"name=fraud-detector&version={version}"
    assert "must be an integer" in _assert_refused(invoke("get_model_version", event))


def test_json_true_is_not_a_version(invoke: Invoke) -> None:
    invoke("create_registered_model")
    invoke("create_model_version")
    assert "must be an integer" in _assert_refused(invoke("update_model_version", version=True))


@pytest.mark.parametrize("metrics", ['{"auc": NaN}', '{"auc": Infinity}', '{"auc": 1e200}'])
def test_a_metric_dynamodb_cannot_keep_is_refused_by_upload_completion(invoke: Invoke, metrics: str) -> None:
    event = sample_event("complete_upload")
    event["body"] = event["body"][:-1] + f', "model_metrics": {metrics}}}'
    assert "model_metrics" in _assert_refused(invoke("complete_upload", event))


def test_the_store_refuses_a_number_beyond_dynamodbs_range_before_writing(
    dynamodb_store: DynamoDbRegistryStore,
) -> None:
    # Given a value that slipped past validation (built without it): moto would keep it and fail to read it back.
    model = RegisteredModel(name="m", creation_timestamp=1, last_updated_timestamp=1, next_version=2)
    version = ModelVersion(name="m", version=1, creation_timestamp=1, last_updated_timestamp=1)
    version.model_metrics = [ModelMetric.model_construct(key="auc", value=1e200)]
    with pytest.raises(InvalidParameterValue, match="cannot store"):
        dynamodb_store.commit(Write(put_models=[(model, None)], new_versions=[version]))
    assert dynamodb_store.get_model("m") is None


def test_a_key_dynamodb_refuses_is_answered_at_once_not_retried_as_a_conflict(invoke: Invoke) -> None:
    # DynamoDB refuses a partition key over 2,048 bytes inside the transaction (a permanent ValidationException).
    started = time.monotonic()
    _assert_refused(invoke("create_registered_model", name="m" * 3000))
    assert time.monotonic() - started < 5


def test_an_empty_experiment_name_is_not_found_as_in_mlflow(invoke: Invoke) -> None:
    event = sample_event("get_experiment_by_name")
    event["rawQueryString"] = "experiment_name="
    status, body = invoke("get_experiment_by_name", event)
    assert (status, body["error_code"]) == (404, "RESOURCE_DOES_NOT_EXIST")
