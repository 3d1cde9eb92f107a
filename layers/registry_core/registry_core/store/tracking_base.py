"""The tracking store's contract: reads, and writes that are each atomic and conditional where a rule needs it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from registry_core.domain.tracking import Experiment, LoggedModel, Metric, Run


class NameTaken(Exception):
    """An experiment name is reserved by another experiment (live or deleted)."""


class AlreadyExists(Exception):
    """The item to create exists already."""


class NotFound(Exception):
    """The item to change does not exist."""


class ParamConflict(Exception):
    """A param was logged before with another value (MLflow's params are write-once)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class TrackingStore(ABC):
    # -- experiments ---------------------------------------------------------------------------------------
    @abstractmethod
    def next_experiment_id(self) -> str:
        """A new experiment id (a counter, as MLflow's SQL ids are). One round trip."""

    @abstractmethod
    def create_experiment(self, experiment: Experiment) -> None:
        """Reserve the name and put the experiment, atomically; NameTaken or AlreadyExists otherwise."""

    @abstractmethod
    def get_experiment(self, experiment_id: str) -> Experiment | None:
        """One round trip."""

    @abstractmethod
    def get_experiment_by_name(self, name: str) -> Experiment | None:
        """The experiment holding a name (live or deleted)."""

    @abstractmethod
    def list_experiments(self) -> list[Experiment]:
        """Every experiment, by name (index queries, never a scan)."""

    @abstractmethod
    def rename_experiment(self, experiment: Experiment, new_name: str, now: int) -> None:
        """Move the name reservation and rename, atomically; NameTaken if the new name is reserved."""

    @abstractmethod
    def update_experiment(self, experiment_id: str, changes: dict[str, Any]) -> None:
        """Set attributes of an existing experiment; NotFound if it does not exist."""

    # -- runs ----------------------------------------------------------------------------------------------
    @abstractmethod
    def create_run(self, run: Run) -> None: ...

    @abstractmethod
    def get_run(self, run_id: str) -> Run | None:
        """One round trip."""

    @abstractmethod
    def update_run(self, run_id: str, changes: dict[str, Any]) -> Run:
        """Set top-level attributes of an existing run and return it as it is now; NotFound if it does not exist."""

    @abstractmethod
    def log_run_values(
        self,
        run_id: str,
        params: dict[str, str] | None = None,
        tags: dict[str, str] | None = None,
        delete_tags: list[str] | None = None,
    ) -> None:
        """Set params (write-once: ParamConflict) and tags, delete tags; one conditional update of the run item."""

    @abstractmethod
    def add_metric_points(self, run_id: str, metrics: list[Metric]) -> None:
        """Put each point as its own item (idempotent), then raise each key's latest value if these are newer."""

    @abstractmethod
    def append_to_run(self, run_id: str, attribute: str, values: list[dict[str, Any]] | list[str]) -> None:
        """Append to a list attribute of an existing run (inputs, outputs)."""

    @abstractmethod
    def list_runs(self, experiment_id: str) -> list[Run]:
        """Every run of an experiment (index query pages)."""

    @abstractmethod
    def metric_history(
        self, run_id: str, key: str, start_after: str | None, limit: int
    ) -> tuple[list[Metric], str | None]:
        """Up to `limit` points of a metric after the position `start_after`, and the position to resume from."""

    # -- logged models ---------------------------------------------------------------------------------------
    @abstractmethod
    def create_logged_model(self, model: LoggedModel) -> None: ...

    @abstractmethod
    def get_logged_model(self, model_id: str) -> LoggedModel | None:
        """One round trip."""

    @abstractmethod
    def update_logged_model(
        self,
        model_id: str,
        changes: dict[str, Any],
        set_tags: dict[str, str] | None = None,
        delete_tags: list[str] | None = None,
    ) -> LoggedModel:
        """Set attributes and tags of an existing logged model and return it; NotFound if it does not exist."""

    @abstractmethod
    def list_logged_models(self, experiment_id: str) -> list[LoggedModel]:
        """Every logged model of an experiment (index query pages)."""
