"""Tracking entity <-> DynamoDB item mapping (the layout is in docs/tracking.md)."""

from __future__ import annotations

from typing import Any

from registry_core.domain.tracking import Experiment, LoggedModel, Metric, Run
from registry_core.store import keys
from registry_core.store.items import deserialize, serialize

EXPERIMENT_KIND = "experiment"
RUN_KIND = "run"
METRIC_KIND = "metric"
LOGGED_MODEL_KIND = "logged_model"
_KEY_ATTRIBUTES = ("pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk", "kind")


def _strip(item: dict[str, Any]) -> dict[str, Any]:
    document = deserialize(item)
    for attribute in _KEY_ATTRIBUTES:
        document.pop(attribute, None)
    return document


def experiment_to_item(experiment: Experiment) -> dict[str, Any]:
    document = experiment.model_dump(mode="json", exclude_none=True)
    document.update(keys.experiment_key(experiment.experiment_id))
    document.update(keys.experiment_index_keys(experiment.name))
    document["kind"] = EXPERIMENT_KIND
    return serialize(document)


def experiment_from_item(item: dict[str, Any]) -> Experiment:
    return Experiment.model_validate(_strip(item))


def metric_document(metric: Metric) -> dict[str, Any]:
    """A metric as a map: the value as text (DynamoDB numbers have no NaN or infinity), plus its sortable order."""
    document = metric.model_dump(mode="json", exclude_none=True)
    document["value"] = repr(float(metric.value))
    document["o"] = keys.latest_metric_order(metric.step, metric.timestamp, metric.value)
    return document


def metric_from_document(document: dict[str, Any]) -> Metric:
    fields = {key: value for key, value in document.items() if key != "o"}
    fields["value"] = float(fields["value"])
    return Metric.model_validate(fields)


def metric_point_item(run_id: str, metric: Metric) -> dict[str, Any]:
    document = metric_document(metric)
    document.update(keys.metric_point_key(run_id, metric.key, metric.timestamp, metric.step, metric.value))
    document["kind"] = METRIC_KIND
    return serialize(document)


def metric_point_from_item(item: dict[str, Any]) -> Metric:
    return metric_from_document(_strip(item))


def run_to_item(run: Run) -> dict[str, Any]:
    document = run.model_dump(mode="json", exclude_none=True, exclude={"metrics"}, by_alias=True)
    document["metrics"] = {key: metric_document(metric) for key, metric in run.metrics.items()}
    document.update(keys.run_key(run.run_id))
    document.update(keys.run_index_keys(run.experiment_id, run.start_time, run.run_id))
    document["kind"] = RUN_KIND
    return serialize(document)


def run_from_item(item: dict[str, Any]) -> Run:
    document = _strip(item)
    metrics = document.pop("metrics", {}) or {}
    run = Run.model_validate(document)
    run.metrics = {key: metric_from_document(value) for key, value in metrics.items()}
    return run


def logged_model_to_item(model: LoggedModel) -> dict[str, Any]:
    document = model.model_dump(mode="json", exclude_none=True)
    document.update(keys.logged_model_key(model.model_id))
    document.update(keys.logged_model_index_keys(model.experiment_id, model.creation_timestamp_ms, model.model_id))
    document["kind"] = LOGGED_MODEL_KIND
    return serialize(document)


def logged_model_from_item(item: dict[str, Any]) -> LoggedModel:
    return LoggedModel.model_validate(_strip(item))
