"""Tracking entities -> MLflow's JSON shapes (proto field names, empty fields omitted)."""

from __future__ import annotations

import math
from typing import Any

from registry_core.domain.tracking import Experiment, LoggedModel, Metric, Run


def _compact(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if value is not None and value not in ([], {})}


def _tags(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"key": key, "value": value} for key, value in tags.items()]


def _number(value: float) -> float | str:
    # Protobuf's JSON spells the non-finite doubles as strings.
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def experiment_json(experiment: Experiment) -> dict[str, Any]:
    return _compact(
        {
            "experiment_id": experiment.experiment_id,
            "name": experiment.name,
            "artifact_location": experiment.artifact_location,
            "lifecycle_stage": str(experiment.lifecycle_stage),
            "last_update_time": experiment.last_update_time,
            "creation_time": experiment.creation_time,
            "tags": _tags(experiment.tags),
        }
    )


def metric_json(metric: Metric) -> dict[str, Any]:
    return _compact(
        {
            "key": metric.key,
            "value": _number(metric.value),
            "timestamp": metric.timestamp,
            "step": metric.step,
            "dataset_name": metric.dataset_name,
            "dataset_digest": metric.dataset_digest,
            "model_id": metric.model_id,
            "run_id": metric.run_id,
        }
    )


def run_json(run: Run) -> dict[str, Any]:
    return {
        "info": _compact(
            {
                "run_id": run.run_id,
                "run_uuid": run.run_id,
                "run_name": run.run_name,
                "experiment_id": run.experiment_id,
                "user_id": run.user_id,
                "status": str(run.status),
                "start_time": run.start_time,
                "end_time": run.end_time,
                "artifact_uri": run.artifact_uri,
                "lifecycle_stage": str(run.lifecycle_stage),
            }
        ),
        "data": _compact(
            {
                "metrics": [metric_json(metric) for metric in run.metrics.values()],
                "params": _tags(run.params),
                "tags": _tags(run.tags),
            }
        ),
        "inputs": _compact(
            {
                "dataset_inputs": [
                    _compact(
                        {
                            "tags": _tags(d.tags),
                            "dataset": d.dataset.model_dump(mode="json", exclude_none=True, by_alias=True),
                        }
                    )
                    for d in run.dataset_inputs
                ],
                "model_inputs": [{"model_id": model_id} for model_id in run.model_inputs],
            }
        ),
        "outputs": _compact({"model_outputs": [o.model_dump(mode="json") for o in run.model_outputs]}),
    }


def logged_model_json(model: LoggedModel) -> dict[str, Any]:
    return {
        "info": _compact(
            {
                "model_id": model.model_id,
                "experiment_id": model.experiment_id,
                "name": model.name,
                "creation_timestamp_ms": model.creation_timestamp_ms,
                "last_updated_timestamp_ms": model.last_updated_timestamp_ms,
                "artifact_uri": model.artifact_location,
                "status": str(model.status),
                "model_type": model.model_type,
                "source_run_id": model.source_run_id,
                "status_message": model.status_message,
                "tags": _tags(model.tags),
            }
        ),
        "data": _compact({"params": _tags(model.params)}),
    }
