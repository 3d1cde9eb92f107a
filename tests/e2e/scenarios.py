"""Scenarios: the same client calls run against each backend, each run with names of its own.

A scenario is a function of a Scope. It makes its names, run ids and sources through the scope, and returns what the
user saw (views, error codes). Scope.observe normalizes that: the run's unique strings become labels, timestamps and
user ids become placeholders, so the oracle's and smr's observations can be compared with ==.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from tests.e2e.servers import wait_until
from tests.e2e.views import error_view

ORACLE = "oracle"
SMR = "smr"

TIMESTAMP_FIELDS = frozenset({"creation_timestamp", "last_updated_timestamp"})
# Optional text a version was created without. MLflow reads it back as "", a server that omits it gives the client
# None. Comparisons treat the two alike so that this one question fails one test only:
# test_unset_text_fields_read_back_as_empty_strings.
UNSET_TEXT_FIELDS = frozenset({"description", "run_id", "run_link"})
PREFIX_LABEL = "<p>"


@dataclass(frozen=True)
class Backend:
    """A registry under test, and a client of it that this test owns.

    tracking_uri is the tracking store the client is given (a sqlite file in tmp: registry calls never touch it).
    workflow_tracking_uri / workflow_artifact_root are where the sklearn workflow logs its runs and models.
    """

    name: str
    url: str
    tracking_uri: str
    workflow_tracking_uri: str
    workflow_artifact_root: str | None
    client_env: dict[str, str]
    client: MlflowClient

    def new_client(self) -> MlflowClient:
        """A client of its own, for a thread."""
        return MlflowClient(tracking_uri=self.tracking_uri, registry_uri=self.url)


class Scope:
    """One run of a scenario against one backend."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.client = backend.client
        self.prefix = f"e2e-{uuid.uuid4().hex[:12]}"
        self._labels: dict[str, str] = {}

    def name(self, label: str = "model") -> str:
        """A registered model name no other test or run uses."""
        return f"{self.prefix}-{label}"

    def run_id(self, label: str) -> str:
        """A run id (32 hex digits, as MLflow makes them) that normalizes to <run:label>."""
        run_id = uuid.uuid4().hex
        self._labels[run_id] = f"<run:{label}>"
        return run_id

    def source(self, label: str) -> str:
        """An artifact location. Remote on purpose: MLflow's server only accepts local paths inside a run it knows."""
        return f"s3://e2e-artifacts/{self.prefix}/{label}"

    def observe(self, scenario: Callable[[Scope], Any]) -> Any:
        return self.normalize(scenario(self))

    def normalize(self, value: Any, key: str | None = None) -> Any:
        if key in TIMESTAMP_FIELDS and isinstance(value, int) and value > 0:
            return "<timestamp>"
        if key == "user_id":
            return "<user>"
        if key in UNSET_TEXT_FIELDS and value is None:
            return ""
        if isinstance(value, str):
            for token, label in self._labels.items():
                value = value.replace(token, label)
            return value.replace(self.prefix, PREFIX_LABEL)
        if isinstance(value, dict):
            return {self.normalize(k): self.normalize(v, k if isinstance(k, str) else None) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self.normalize(item) for item in value)
        return value


def later(after: int | None, before: int | None) -> bool:
    """after is a timestamp strictly later than before (False when either is missing)."""
    return after is not None and before is not None and after > before


def differences_between(seen: Any, expected: Any, path: str = "") -> list[str]:
    """Every place where two observations differ, one line each, for an assertion message a person can read."""
    if isinstance(seen, dict) and isinstance(expected, dict):
        lines: list[str] = []
        for key in [*expected, *(key for key in seen if key not in expected)]:
            where = f"{path}[{key!r}]"
            if key not in seen:
                lines.append(f"{where}: missing (expected {expected[key]!r})")
            elif key not in expected:
                lines.append(f"{where}: unexpected {seen[key]!r}")
            else:
                lines.extend(differences_between(seen[key], expected[key], where))
        return lines
    if isinstance(seen, list) and isinstance(expected, list) and len(seen) == len(expected):
        return [
            line
            for i, (a, b) in enumerate(zip(seen, expected, strict=True))
            for line in differences_between(a, b, f"{path}[{i}]")
        ]
    return [] if seen == expected else [f"{path}: {seen!r} != {expected!r}"]


def error_of(call: Callable[[], object]) -> dict[str, Any]:
    """The error code a client call fails with, or a marker that it did not fail."""
    try:
        call()
    except MlflowException as error:
        return error_view(error)
    return {"type": "no error"}


def clock_passes(timestamp_ms: int | None) -> None:
    """Wait until the wall clock (which both local servers stamp with) is past timestamp_ms.

    Used where a test needs distinct last_updated_timestamps; both servers run on this machine.
    """
    assert timestamp_ms is not None, "the backend returned no timestamp"
    wait_until(lambda: True if time.time() * 1000 > timestamp_ms + 1 else None, timeout_s=5, interval_s=0.002)
