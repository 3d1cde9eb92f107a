"""The tracking rules MLflow's client relies on: experiments, runs, metrics and logged models.

Writes are single conditional DynamoDB updates of one item (params are write-once, the latest metric only moves
forward), and every metric point is its own item, so concurrent writers to one run never lose each other's data.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from registry_core.domain.entities import Caller
from registry_core.domain.errors import InvalidParameterValue, ResourceAlreadyExists, ResourceDoesNotExist
from registry_core.domain.limits import (
    MAX_ENTITY_KEY_LENGTH,
    MAX_EXPERIMENT_NAME_LENGTH,
    MAX_METRICS_PER_BATCH,
    MAX_PARAM_VAL_LENGTH,
    MAX_PARAMS_TAGS_PER_BATCH,
    MAX_TAG_VAL_LENGTH,
    METRIC_HISTORY_MAX_PAGE,
    SEARCH_EXPERIMENTS_MAX_RESULTS_THRESHOLD,
    SEARCH_LOGGED_MODELS_MAX_RESULTS_DEFAULT,
    SEARCH_RUNS_MAX_RESULTS_THRESHOLD,
)
from registry_core.domain.tracking import (
    DEFAULT_EXPERIMENT_ID,
    DEFAULT_EXPERIMENT_NAME,
    DatasetInput,
    Experiment,
    LifecycleStage,
    LoggedModel,
    LoggedModelStatus,
    Metric,
    ModelOutput,
    Run,
    RunStatus,
    new_logged_model_id,
    new_run_id,
)
from registry_core.domain.validation import invalid_value, missing_value
from registry_core.search.runs import parse_run_filter, parse_run_order_by, run_matches, run_sort_key
from registry_core.service import page_tokens
from registry_core.store.base import ItemTooLarge
from registry_core.store.tracking_base import AlreadyExists, NameTaken, NotFound, ParamConflict, TrackingStore

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
RUN_NAME_TAG = "mlflow.runName"
USER_TAG = "mlflow.user"
ARTIFACTS_FOLDER = "artifacts"
MODELS_FOLDER = "models"

_NAME = re.compile(r"^[/\w.\- :]*$")


def _now_ms() -> int:
    return int(time.time() * 1000)


def _validate_key(kind: str, key: str, path: str = "key") -> str:
    if key is None or key == "":
        raise InvalidParameterValue(missing_value(path))
    if not _NAME.match(key):
        raise InvalidParameterValue(
            invalid_value(
                path,
                key,
                "Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ),"
                " colon(:) and slashes (/).",
            )
        )
    import posixpath

    norm = posixpath.normpath(key)
    if norm != key or norm == "." or norm.startswith("..") or norm.startswith("/"):
        raise InvalidParameterValue(
            invalid_value(
                path,
                key,
                "Names may be treated as files in certain cases, and must not resolve to other names when treated"
                f" as such. This name would resolve to {norm!r}",
            )
        )
    if len(key) > MAX_ENTITY_KEY_LENGTH:
        raise InvalidParameterValue(f"{kind} '{key[:50]}...' had length {len(key)}, which exceeded length limit of 250")
    return key


def _validate_value(kind: str, value: str, limit: int) -> str:
    if len(value) > limit:
        raise InvalidParameterValue(f"{kind} value '{value[:50]}...' had length {len(value)}, exceeding {limit}")
    return value


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_page_token: str | None


def _offset_page(items: list[Any], token: str | None, max_results: int, query: str) -> Page:
    """One page of an ordered window; `query` is the page_tokens fingerprint of the search."""
    offset = page_tokens.decode(token, query).offset
    page = items[offset : offset + max_results]
    following = offset + max_results
    return Page(page, page_tokens.encode(query, offset=following) if following < len(items) else None)


def _experiment_not_found(experiment_id: str) -> ResourceDoesNotExist:
    return ResourceDoesNotExist(f"No Experiment with id={experiment_id} exists")


def _run_not_found(run_id: str) -> ResourceDoesNotExist:
    return ResourceDoesNotExist(f"Run with id={run_id} not found")


def _logged_model_not_found(model_id: str) -> ResourceDoesNotExist:
    return ResourceDoesNotExist(f"Logged model with ID '{model_id}' not found.")


class TrackingService:
    def __init__(
        self,
        store: TrackingStore,
        artifact_root: str,
        caller: Caller,
        *,
        clock: Callable[[], int] = _now_ms,
    ) -> None:
        self._store = store
        self._artifact_root = artifact_root.rstrip("/")
        self._caller = caller
        self._clock = clock

    # -- experiments ---------------------------------------------------------------------------------------

    def _default_experiment(self) -> Experiment | None:
        """MLflow's experiment "0" ("Default"), created the first time anyone needs it (idempotently)."""
        now = self._clock()
        default = Experiment(
            experiment_id=DEFAULT_EXPERIMENT_ID,
            name=DEFAULT_EXPERIMENT_NAME,
            artifact_location=f"{self._artifact_root}/{DEFAULT_EXPERIMENT_ID}",
            creation_time=now,
            last_update_time=now,
        )
        # Someone else may have made it, or the name "Default" may belong to another experiment: both are fine.
        with contextlib.suppress(NameTaken, AlreadyExists):
            self._store.create_experiment(default)
        return self._store.get_experiment(DEFAULT_EXPERIMENT_ID)

    def create_experiment(
        self, name: str, artifact_location: str | None = None, tags: dict[str, str] | None = None
    ) -> str:
        if not name:
            raise InvalidParameterValue(f"Invalid experiment name: '{name}'")
        if len(name) > MAX_EXPERIMENT_NAME_LENGTH:
            raise InvalidParameterValue(
                f"Experiment name exceeds the maximum length of {MAX_EXPERIMENT_NAME_LENGTH} characters"
            )
        for key, value in (tags or {}).items():
            _validate_key("Tag key", key)
            _validate_value("Tag", value, MAX_TAG_VAL_LENGTH)
        if name == DEFAULT_EXPERIMENT_NAME:
            self._default_experiment()
        experiment_id = self._store.next_experiment_id()
        now = self._clock()
        experiment = Experiment(
            experiment_id=experiment_id,
            name=name,
            artifact_location=artifact_location or f"{self._artifact_root}/{experiment_id}",
            creation_time=now,
            last_update_time=now,
            tags=dict(tags or {}),
        )
        try:
            self._store.create_experiment(experiment)
        except NameTaken:
            existing = self._store.get_experiment_by_name(name)
            if existing is not None and existing.lifecycle_stage is LifecycleStage.DELETED:
                raise ResourceAlreadyExists(
                    f"Experiment {name!r} already exists in deleted state. You can restore the experiment, or"
                    " permanently delete the experiment to create a new one."
                ) from None
            raise ResourceAlreadyExists(f"Experiment(name={name}) already exists.") from None
        return experiment_id

    def get_experiment(self, experiment_id: str) -> Experiment:
        experiment = self._store.get_experiment(experiment_id)
        if experiment is None and experiment_id == DEFAULT_EXPERIMENT_ID:
            experiment = self._default_experiment()
        if experiment is None:
            raise _experiment_not_found(experiment_id)
        return experiment

    def get_experiment_by_name(self, name: str) -> Experiment:
        experiment = self._store.get_experiment_by_name(name)
        if experiment is None and name == DEFAULT_EXPERIMENT_NAME:
            default = self._default_experiment()
            experiment = default if default is not None and default.name == name else None
        if experiment is None:
            raise ResourceDoesNotExist(f"Could not find experiment with name '{name}'")
        return experiment

    def search_experiments(
        self, view_type: str, max_results: int, filter_string: str | None, order_by: list[str], page_token: str | None
    ) -> Page:
        from registry_core.search.runs import experiment_sort_key, parse_experiment_filter, parse_experiment_order_by

        if max_results > SEARCH_EXPERIMENTS_MAX_RESULTS_THRESHOLD:
            raise InvalidParameterValue(
                f"Invalid value {max_results} for parameter 'max_results' supplied. It must be at most"
                f" {SEARCH_EXPERIMENTS_MAX_RESULTS_THRESHOLD}"
            )
        clauses = parse_experiment_filter(filter_string)
        ordering = parse_experiment_order_by(order_by)
        if self._store.get_experiment(DEFAULT_EXPERIMENT_ID) is None:
            self._default_experiment()
        stages = _stages_of_view(view_type)
        found = [e for e in self._store.list_experiments() if e.lifecycle_stage in stages]
        found = [e for e in found if run_matches(_experiment_view(e), clauses)]
        found.sort(key=lambda e: experiment_sort_key(_experiment_view(e), ordering))
        query = page_tokens.query_fingerprint("experiments/search", sorted(stages), filter_string or "", order_by)
        return _offset_page(found, page_token, max_results, query)

    def update_experiment(self, experiment_id: str, new_name: str) -> None:
        if not new_name:
            raise InvalidParameterValue(missing_value("new_name"))
        experiment = self.get_experiment(experiment_id)
        if experiment.lifecycle_stage is not LifecycleStage.ACTIVE:
            raise InvalidParameterValue("Cannot rename a non-active experiment.")
        if experiment.name == new_name:
            return
        try:
            self._store.rename_experiment(experiment, new_name, self._clock())
        except NameTaken:
            raise ResourceAlreadyExists(f"Experiment(name={new_name}) already exists.") from None

    def delete_experiment(self, experiment_id: str) -> None:
        self.get_experiment(experiment_id)
        if experiment_id == DEFAULT_EXPERIMENT_ID:
            raise InvalidParameterValue("Cannot delete the default experiment '0'. This is an internally reserved ID.")
        self._store.update_experiment(
            experiment_id, {"lifecycle_stage": str(LifecycleStage.DELETED), "last_update_time": self._clock()}
        )

    def _active_experiment(self, experiment_id: str) -> Experiment:
        experiment = self.get_experiment(experiment_id)
        if experiment.lifecycle_stage is not LifecycleStage.ACTIVE:
            raise InvalidParameterValue(
                f"The experiment {experiment_id} must be in the 'active' state. "
                f"Current state is {experiment.lifecycle_stage}."
            )
        return experiment

    # -- runs ----------------------------------------------------------------------------------------------

    def create_run(
        self,
        experiment_id: str | None,
        user_id: str | None,
        start_time: int | None,
        tags: dict[str, str],
        run_name: str | None,
    ) -> Run:
        experiment = self._active_experiment(experiment_id or DEFAULT_EXPERIMENT_ID)
        for key, value in tags.items():
            _validate_key("Tag key", key)
            _validate_value("Tag", value, MAX_TAG_VAL_LENGTH)
        tagged_name = tags.get(RUN_NAME_TAG)
        if run_name and tagged_name and run_name != tagged_name:
            raise InvalidParameterValue(
                f"Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values"
                f" (run_name='{run_name}', mlflow.runName='{tagged_name}')."
            )
        run_name = run_name or tagged_name or _random_run_name()
        run_id = new_run_id()
        run = Run(
            run_id=run_id,
            experiment_id=experiment.experiment_id,
            run_name=run_name,
            user_id=user_id or "",
            start_time=start_time if start_time is not None else self._clock(),
            artifact_uri=f"{experiment.artifact_location.rstrip('/')}/{run_id}/{ARTIFACTS_FOLDER}",
            tags={**tags, RUN_NAME_TAG: run_name},
        )
        self._store.create_run(run)
        return run

    def get_run(self, run_id: str) -> Run:
        run = self._store.get_run(run_id)
        if run is None:
            raise _run_not_found(run_id)
        return run

    def _active_run(self, run_id: str) -> Run:
        run = self.get_run(run_id)
        if run.lifecycle_stage is not LifecycleStage.ACTIVE:
            raise InvalidParameterValue(
                f"The run {run_id} must be in the 'active' state. Current state is {run.lifecycle_stage}."
            )
        return run

    def update_run(self, run_id: str, status: str | None, end_time: int | None, run_name: str | None) -> Run:
        self._active_run(run_id)
        changes: dict[str, Any] = {}
        if status:
            try:
                changes["status"] = str(RunStatus(status))
            except ValueError:
                raise InvalidParameterValue(invalid_value("status", status)) from None
        if end_time is not None:
            changes["end_time"] = end_time
        if run_name:
            changes["run_name"] = run_name
        if run_name:
            self._store.log_run_values(run_id, tags={RUN_NAME_TAG: run_name})
        try:
            return self._store.update_run(run_id, changes) if changes else self.get_run(run_id)
        except NotFound:
            raise _run_not_found(run_id) from None

    def delete_run(self, run_id: str) -> None:
        self.get_run(run_id)
        self._store.update_run(run_id, {"lifecycle_stage": str(LifecycleStage.DELETED), "deleted_time": self._clock()})

    def log_batch(
        self,
        run_id: str,
        metrics: list[Metric],
        params: dict[str, str],
        tags: dict[str, str],
        param_keys: list[str] | None = None,
    ) -> None:
        """`param_keys`: the param keys as the request listed them, repeats included (a dict would hide them)."""
        if len(metrics) > MAX_METRICS_PER_BATCH:
            raise InvalidParameterValue(
                f"A batch logging request can contain at most {MAX_METRICS_PER_BATCH} metrics. "
                f"Got {len(metrics)} metrics. Please split up metrics across multiple requests and try again."
            )
        listed = param_keys if param_keys is not None else list(params)
        duplicates = sorted({key for key in listed if listed.count(key) > 1})
        if duplicates:
            raise InvalidParameterValue(
                f"Duplicate parameter keys have been submitted: {duplicates}. Please ensure the request contains only"
                " one param value per param key."
            )
        if len(listed) > MAX_PARAMS_TAGS_PER_BATCH or len(tags) > MAX_PARAMS_TAGS_PER_BATCH:
            raise InvalidParameterValue(
                f"A batch logging request can contain at most {MAX_PARAMS_TAGS_PER_BATCH} params and tags each."
            )
        for metric in metrics:
            _validate_key("Metric name", metric.key, "metrics.key")
            for name, number in (("timestamp", metric.timestamp), ("step", metric.step)):
                # The history's sort key encodes both as signed 64-bit integers, MLflow's BIGINT columns.
                if not INT64_MIN <= number <= INT64_MAX:
                    raise InvalidParameterValue(invalid_value(f"metrics.{name}", number, "out of the int64 range"))
        for key, value in params.items():
            _validate_key("Param key", key)
            _validate_value("Param", value, MAX_PARAM_VAL_LENGTH)
        for key, value in tags.items():
            _validate_key("Tag key", key)
            _validate_value("Tag", value, MAX_TAG_VAL_LENGTH)
        run = self._active_run(run_id)
        for key, value in params.items():
            if key in run.params and run.params[key] != value:
                raise _param_conflict(run_id, key, run.params[key], value)
        if params or tags:
            try:
                self._store.log_run_values(run_id, params=params, tags=tags)
            except ItemTooLarge as error:
                raise _run_too_large(run_id, error) from None
            except ParamConflict as conflict:
                current = self.get_run(run_id).params.get(conflict.key, "")
                raise _param_conflict(run_id, conflict.key, current, params[conflict.key]) from None
            except NotFound:
                raise _run_not_found(run_id) from None
        if metrics:
            self._store.add_metric_points(run_id, [m.model_copy(update={"run_id": run_id}) for m in metrics])

    def log_metric(self, run_id: str, metric: Metric) -> None:
        self.log_batch(run_id, [metric], {}, {})

    def log_param(self, run_id: str, key: str, value: str) -> None:
        self.log_batch(run_id, [], {key: value}, {})

    def set_tag(self, run_id: str, key: str, value: str) -> None:
        self.log_batch(run_id, [], {}, {key: value})
        if key == RUN_NAME_TAG:
            self._store.update_run(run_id, {"run_name": value})

    def delete_tag(self, run_id: str, key: str) -> None:
        run = self._active_run(run_id)
        if key not in run.tags:
            raise ResourceDoesNotExist(f"No tag with name: {key} in run with id {run_id}")
        self._store.log_run_values(run_id, delete_tags=[key])

    def log_inputs(self, run_id: str, datasets: list[DatasetInput], model_ids: list[str]) -> None:
        self._active_run(run_id)
        if datasets:
            self._store.append_to_run(
                run_id,
                "dataset_inputs",
                [d.model_dump(mode="json", exclude_none=True, by_alias=True) for d in datasets],
            )
        if model_ids:
            self._store.append_to_run(run_id, "model_inputs", model_ids)

    def log_outputs(self, run_id: str, models: list[ModelOutput]) -> None:
        self._active_run(run_id)
        if models:
            self._store.append_to_run(run_id, "model_outputs", [m.model_dump(mode="json") for m in models])

    def get_metric_history(self, run_id: str, key: str, max_results: int | None, page_token: str | None) -> Page:
        if max_results is not None and max_results <= 0:
            raise InvalidParameterValue(
                f"Invalid value {max_results} for parameter 'max_results' supplied. It must be a positive integer."
            )
        self.get_run(run_id)
        query = page_tokens.query_fingerprint("metrics/get-history", run_id, key)
        start = page_tokens.decode(page_token, query).string_key()
        limit = min(max_results or METRIC_HISTORY_MAX_PAGE, METRIC_HISTORY_MAX_PAGE)
        points, resume = self._store.metric_history(run_id, key, start, limit)
        return Page(points, page_tokens.encode(query, key=resume) if resume else None)

    def search_runs(
        self,
        experiment_ids: list[str],
        filter_string: str | None,
        run_view_type: str,
        max_results: int,
        order_by: list[str],
        page_token: str | None,
    ) -> Page:
        if max_results > SEARCH_RUNS_MAX_RESULTS_THRESHOLD:
            raise InvalidParameterValue(
                "Invalid value for request parameter max_results. It must be at most "
                f"{SEARCH_RUNS_MAX_RESULTS_THRESHOLD}, but got value {max_results}"
            )
        clauses = parse_run_filter(filter_string)
        ordering = parse_run_order_by(order_by)
        stages = _stages_of_view(run_view_type)
        runs: list[Run] = []
        for experiment_id in dict.fromkeys(experiment_ids):
            runs.extend(run for run in self._store.list_runs(experiment_id) if run.lifecycle_stage in stages)
        views = [(run, run_view(run)) for run in runs]
        matching = [(run, view) for run, view in views if run_matches(view, clauses)]
        matching.sort(key=lambda pair: run_sort_key(pair[1], ordering))
        query = page_tokens.query_fingerprint(
            "runs/search", list(dict.fromkeys(experiment_ids)), filter_string or "", sorted(stages), order_by
        )
        return _offset_page([run for run, _ in matching], page_token, max_results, query)

    # -- logged models ---------------------------------------------------------------------------------------

    def create_logged_model(
        self,
        experiment_id: str,
        name: str | None,
        model_type: str | None,
        source_run_id: str | None,
        params: dict[str, str],
        tags: dict[str, str],
    ) -> LoggedModel:
        experiment = self._active_experiment(experiment_id)
        if name is not None:
            _validate_key("Logged model name", name, "name")
        model_id = new_logged_model_id()
        now = self._clock()
        model = LoggedModel(
            model_id=model_id,
            experiment_id=experiment.experiment_id,
            name=name or _random_run_name(),
            artifact_location=(
                f"{experiment.artifact_location.rstrip('/')}/{MODELS_FOLDER}/{model_id}/{ARTIFACTS_FOLDER}"
            ),
            creation_timestamp_ms=now,
            last_updated_timestamp_ms=now,
            model_type=model_type or None,
            source_run_id=source_run_id or None,
            params=dict(params),
            tags=dict(tags),
        )
        self._store.create_logged_model(model)
        return model

    def get_logged_model(self, model_id: str) -> LoggedModel:
        model = self._store.get_logged_model(model_id)
        if model is None or model.lifecycle_stage is not LifecycleStage.ACTIVE:
            raise _logged_model_not_found(model_id)
        return model

    def _update_logged_model(
        self,
        model_id: str,
        changes: dict[str, Any],
        set_tags: dict[str, str] | None = None,
        delete_tags: list[str] | None = None,
    ) -> LoggedModel:
        self.get_logged_model(model_id)
        try:
            return self._store.update_logged_model(
                model_id, {**changes, "last_updated_timestamp_ms": self._clock()}, set_tags, delete_tags
            )
        except NotFound:
            raise _logged_model_not_found(model_id) from None

    def finalize_logged_model(self, model_id: str, status: str) -> LoggedModel:
        try:
            final = LoggedModelStatus(status)
        except ValueError:
            raise InvalidParameterValue(invalid_value("status", status)) from None
        return self._update_logged_model(model_id, {"status": str(final)})

    def set_logged_model_tags(self, model_id: str, tags: dict[str, str]) -> None:
        for key, value in tags.items():
            _validate_key("Tag key", key)
            _validate_value("Tag", value, MAX_TAG_VAL_LENGTH)
        self._update_logged_model(model_id, {}, set_tags=tags)

    def delete_logged_model_tag(self, model_id: str, key: str) -> None:
        model = self.get_logged_model(model_id)
        if key not in model.tags:
            raise ResourceDoesNotExist(f"No tag with key {key!r} found for model with ID {model_id!r}.")
        self._update_logged_model(model_id, {}, delete_tags=[key])

    def delete_logged_model(self, model_id: str) -> None:
        self._update_logged_model(model_id, {"lifecycle_stage": str(LifecycleStage.DELETED)})

    def search_logged_models(
        self,
        experiment_ids: list[str],
        max_results: int | None,
        page_token: str | None,
        filter_string: str | None = None,
    ) -> Page:
        if filter_string and filter_string.strip():
            # Refused rather than ignored: an ignored filter would answer models the caller did not ask for.
            raise InvalidParameterValue("smr does not support filters in logged-models/search yet.")
        models: list[LoggedModel] = []
        for experiment_id in dict.fromkeys(experiment_ids):
            models.extend(
                m for m in self._store.list_logged_models(experiment_id) if m.lifecycle_stage is LifecycleStage.ACTIVE
            )
        # MLflow's default order: newest first.
        models.sort(key=lambda m: (-m.creation_timestamp_ms, m.model_id))
        query = page_tokens.query_fingerprint("logged-models/search", list(dict.fromkeys(experiment_ids)))
        return _offset_page(models, page_token, max_results or SEARCH_LOGGED_MODELS_MAX_RESULTS_DEFAULT, query)

    def logged_model_location(self, model_id: str) -> tuple[str, str | None] | None:
        """Where a logged model's files are, and the run that logged it; None if smr does not know the model."""
        model = self._store.get_logged_model(model_id)
        return (model.artifact_location, model.source_run_id) if model else None


def _run_too_large(run_id: str, error: Exception) -> InvalidParameterValue:
    return InvalidParameterValue(
        f"Run {run_id}'s params and tags would exceed what one run can store (DynamoDB's 400 KB item): {error}"
    )


def _param_conflict(run_id: str, key: str, old: str, new: str) -> InvalidParameterValue:
    return InvalidParameterValue(
        f"Changing param values is not allowed. Param with key='{key}' was already logged with value='{old}' for"
        f" run ID='{run_id}'. Attempted logging new value '{new}'."
    )


def _stages_of_view(view_type: str | None) -> set[LifecycleStage]:
    view = (view_type or "ACTIVE_ONLY").upper()
    if view == "ACTIVE_ONLY":
        return {LifecycleStage.ACTIVE}
    if view == "DELETED_ONLY":
        return {LifecycleStage.DELETED}
    if view == "ALL":
        return {LifecycleStage.ACTIVE, LifecycleStage.DELETED}
    raise InvalidParameterValue(invalid_value("view_type", view_type))


def _experiment_view(experiment: Experiment) -> dict[str, Any]:
    return {
        "attributes": {
            "name": experiment.name,
            "creation_time": experiment.creation_time,
            "last_update_time": experiment.last_update_time,
            "experiment_id": experiment.experiment_id,
        },
        "tags": experiment.tags,
    }


def run_view(run: Run) -> dict[str, Any]:
    return {
        "attributes": {
            "run_id": run.run_id,
            "run_name": run.run_name,
            "status": str(run.status),
            "user_id": run.user_id,
            "start_time": run.start_time,
            "end_time": run.end_time,
            "artifact_uri": run.artifact_uri,
            "lifecycle_stage": str(run.lifecycle_stage),
            "experiment_id": run.experiment_id,
        },
        "metrics": {key: m.value for key, m in run.metrics.items()},
        "params": run.params,
        "tags": run.tags,
        "datasets": run.dataset_inputs,
    }


_ADJECTIVES = ("agreeable", "bold", "calm", "daring", "eager", "gentle", "honest", "lively", "quiet", "witty")
_NOUNS = ("ant", "bee", "cat", "doe", "eel", "fox", "gnu", "hen", "owl", "yak")


def _random_run_name() -> str:
    import random

    return f"{random.choice(_ADJECTIVES)}-{random.choice(_NOUNS)}-{random.randint(0, 999)}"
