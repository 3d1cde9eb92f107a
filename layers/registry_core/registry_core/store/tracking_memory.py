"""An in-memory tracking store, held to the DynamoDB store's contract by test_tracking_store_contract.py."""

from __future__ import annotations

import math
import threading
from typing import Any

from registry_core.domain.errors import InvalidParameterValue
from registry_core.domain.tracking import Experiment, LoggedModel, Metric, Run
from registry_core.store.tracking_base import AlreadyExists, NameTaken, NotFound, ParamConflict, TrackingStore

# Metric orders, written from MLflow's rules rather than from the DynamoDB keys (so the contract suite compares two
# implementations): history by timestamp, step, value; the latest value by step, timestamp, value. Values order as
# numbers, -0.0 before 0.0, NaN after everything.
ValueOrder = tuple[int, float, float]
PointOrder = tuple[int, int, ValueOrder]


def _value_order(value: float) -> ValueOrder:
    return (1, 0.0, 0.0) if math.isnan(value) else (0, value, math.copysign(1.0, value))


def _history_order(metric: Metric) -> PointOrder:
    return (metric.timestamp, metric.step, _value_order(metric.value))


def _latest_order(metric: Metric) -> PointOrder:
    return (metric.step, metric.timestamp, _value_order(metric.value))


def _position_text(order: PointOrder) -> str:
    timestamp, step, (nan, value, sign) = order
    return f"{timestamp}:{step}:{nan}:{value.hex()}:{sign.hex()}"


def _position_of(text: str | None) -> PointOrder | None:
    """A position this store handed out; a string it did not is refused like a bad page token."""
    if text is None:
        return None
    try:
        timestamp, step, nan, value, sign = text.split(":")
        return (int(timestamp), int(step), (int(nan), float.fromhex(value), float.fromhex(sign)))
    except ValueError:
        raise InvalidParameterValue("Invalid page token: it does not resume this query.") from None


class InMemoryTrackingStore(TrackingStore):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counter = 0
        self._experiments: dict[str, Experiment] = {}
        self._names: dict[str, str] = {}
        self._runs: dict[str, Run] = {}
        # run id -> (metric key, history order) -> point; a point logged twice is one point, as in the table
        self._points: dict[str, dict[tuple[str, PointOrder], Metric]] = {}
        self._models: dict[str, LoggedModel] = {}

    # -- experiments ---------------------------------------------------------------------------------------

    def next_experiment_id(self) -> str:
        with self._lock:
            self._counter += 1
            return str(self._counter)

    def create_experiment(self, experiment: Experiment) -> None:
        with self._lock:
            if experiment.name in self._names:
                raise NameTaken(experiment.name)
            if experiment.experiment_id in self._experiments:
                raise AlreadyExists(experiment.experiment_id)
            self._names[experiment.name] = experiment.experiment_id
            self._experiments[experiment.experiment_id] = experiment.model_copy(deep=True)

    def get_experiment(self, experiment_id: str) -> Experiment | None:
        found = self._experiments.get(experiment_id)
        return found.model_copy(deep=True) if found else None

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        experiment_id = self._names.get(name)
        return self.get_experiment(experiment_id) if experiment_id is not None else None

    def list_experiments(self) -> list[Experiment]:
        return [e.model_copy(deep=True) for e in sorted(self._experiments.values(), key=lambda e: e.name)]

    def rename_experiment(self, experiment: Experiment, new_name: str, now: int) -> None:
        with self._lock:
            current = self._experiments.get(experiment.experiment_id)
            if new_name in self._names or current is None or current.name != experiment.name:
                raise NameTaken(new_name)
            del self._names[experiment.name]
            self._names[new_name] = experiment.experiment_id
            current.name = new_name
            current.last_update_time = now

    def update_experiment(self, experiment_id: str, changes: dict[str, Any]) -> None:
        with self._lock:
            current = self._experiments.get(experiment_id)
            if current is None:
                raise NotFound(experiment_id)
            self._experiments[experiment_id] = current.model_validate({**current.model_dump(), **changes})

    # -- runs ----------------------------------------------------------------------------------------------

    def create_run(self, run: Run) -> None:
        with self._lock:
            if run.run_id in self._runs:
                raise AlreadyExists(run.run_id)
            self._runs[run.run_id] = run.model_copy(deep=True)

    def get_run(self, run_id: str) -> Run | None:
        found = self._runs.get(run_id)
        return found.model_copy(deep=True) if found else None

    def _existing_run(self, run_id: str) -> Run:
        run = self._runs.get(run_id)
        if run is None:
            raise NotFound(run_id)
        return run

    def update_run(self, run_id: str, changes: dict[str, Any]) -> Run:
        with self._lock:
            current = self._existing_run(run_id)
            updated = current.model_validate({**current.model_dump(), **changes})
            self._runs[run_id] = updated
            return updated.model_copy(deep=True)

    def log_run_values(
        self,
        run_id: str,
        params: dict[str, str] | None = None,
        tags: dict[str, str] | None = None,
        delete_tags: list[str] | None = None,
    ) -> None:
        with self._lock:
            run = self._existing_run(run_id)
            for key, value in (params or {}).items():
                if key in run.params and run.params[key] != value:
                    raise ParamConflict(key)
            run.params.update(params or {})
            run.tags.update(tags or {})
            for key in delete_tags or []:
                run.tags.pop(key, None)

    def add_metric_points(self, run_id: str, metrics: list[Metric]) -> None:
        with self._lock:
            points = self._points.setdefault(run_id, {})
            for metric in metrics:
                points[(metric.key, _history_order(metric))] = metric.model_copy()
            run = self._runs.get(run_id)
            if run is None:
                return
            for metric in metrics:
                latest = run.metrics.get(metric.key)
                if latest is None or _latest_order(latest) < _latest_order(metric):
                    run.metrics[metric.key] = metric.model_copy()

    def append_to_run(self, run_id: str, attribute: str, values: list[dict[str, Any]] | list[str]) -> None:
        with self._lock:
            current = self._existing_run(run_id)
            document = current.model_dump(by_alias=True)
            document[attribute] = [*document.get(attribute, []), *values]
            self._runs[run_id] = Run.model_validate(document)

    def list_runs(self, experiment_id: str) -> list[Run]:
        runs = [run for run in self._runs.values() if run.experiment_id == experiment_id]
        return [run.model_copy(deep=True) for run in sorted(runs, key=lambda r: (r.start_time, r.run_id))]

    def metric_history(
        self, run_id: str, key: str, start_after: str | None, limit: int
    ) -> tuple[list[Metric], str | None]:
        after = _position_of(start_after)
        ordered = sorted(
            (order, point)
            for (metric_key, order), point in self._points.get(run_id, {}).items()
            if metric_key == key and (after is None or order > after)
        )
        page = ordered[:limit]
        resume = _position_text(page[-1][0]) if len(ordered) > limit else None
        return [point.model_copy() for _, point in page], resume

    # -- logged models ---------------------------------------------------------------------------------------

    def create_logged_model(self, model: LoggedModel) -> None:
        with self._lock:
            if model.model_id in self._models:
                raise AlreadyExists(model.model_id)
            self._models[model.model_id] = model.model_copy(deep=True)

    def get_logged_model(self, model_id: str) -> LoggedModel | None:
        found = self._models.get(model_id)
        return found.model_copy(deep=True) if found else None

    def update_logged_model(
        self,
        model_id: str,
        changes: dict[str, Any],
        set_tags: dict[str, str] | None = None,
        delete_tags: list[str] | None = None,
    ) -> LoggedModel:
        with self._lock:
            current = self._models.get(model_id)
            if current is None:
                raise NotFound(model_id)
            updated = current.model_validate({**current.model_dump(), **changes})
            updated.tags.update(set_tags or {})
            for key in delete_tags or []:
                updated.tags.pop(key, None)
            self._models[model_id] = updated
            return updated.model_copy(deep=True)

    def list_logged_models(self, experiment_id: str) -> list[LoggedModel]:
        models = [m for m in self._models.values() if m.experiment_id == experiment_id]
        return [m.model_copy(deep=True) for m in sorted(models, key=lambda m: (m.creation_timestamp_ms, m.model_id))]
