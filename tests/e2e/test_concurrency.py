"""smr's invariants under concurrent clients: one version per stage, gapless version numbers, one version per alias.

smr only: the oracle's sqlite store serializes writers, so it says nothing about smr's optimistic concurrency. Each
thread has its own MlflowClient and they start together at a barrier, so the writes really race.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest
from mlflow import MlflowClient

from tests.e2e.scenarios import Backend, Scope
from tests.e2e.views import stages_of

pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore::FutureWarning")]

THREADS = 20
BARRIER_TIMEOUT_S = 60
T = TypeVar("T")


def race(backend: Backend, calls: list[Callable[[MlflowClient], T]]) -> list[T | Exception]:
    """Run each call in a thread of its own, with a client of its own, all released at once. Keeps the order."""
    barrier = threading.Barrier(len(calls), timeout=BARRIER_TIMEOUT_S)

    def run(call: Callable[[MlflowClient], T]) -> T | Exception:
        client = backend.new_client()
        barrier.wait()
        try:
            return call(client)
        except Exception as error:  # collected: the test reports every failed call, not the first
            return error

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def failures(outcomes: Sequence[object]) -> list[str]:
    return [f"call {index}: {outcome!r}" for index, outcome in enumerate(outcomes) if isinstance(outcome, Exception)]


def test_concurrent_promotions_leave_exactly_one_version_in_production(smr_backend: Backend) -> None:
    s = Scope(smr_backend)
    name = s.name()
    s.client.create_registered_model(name)
    versions = [s.client.create_model_version(name, s.source(str(index))).version for index in range(THREADS)]

    def promote(version: str) -> Callable[[MlflowClient], str]:
        return lambda client: client.transition_model_version_stage(name, version, "Production").current_stage

    outcomes = race(smr_backend, [promote(version) for version in versions])

    assert not failures(outcomes), "\n".join(failures(outcomes))
    assert outcomes == ["Production"] * THREADS
    stages = stages_of(s.client.search_model_versions(f"name = '{name}'"))
    in_production = [version for version, stage in stages.items() if stage == "Production"]
    assert len(in_production) == 1, stages
    assert {version: stage for version, stage in stages.items() if version not in in_production} == dict.fromkeys(
        set(versions) - set(in_production), "Archived"
    )
    assert [v.version for v in s.client.get_latest_versions(name, ["Production"])] == in_production


def test_concurrent_creates_number_versions_without_gaps_or_duplicates(smr_backend: Backend) -> None:
    s = Scope(smr_backend)
    name = s.name()
    s.client.create_registered_model(name)

    def create(index: int) -> Callable[[MlflowClient], str]:
        return lambda client: client.create_model_version(name, s.source(str(index)), tags={"i": str(index)}).version

    outcomes = race(smr_backend, [create(index) for index in range(THREADS)])

    assert not failures(outcomes), "\n".join(failures(outcomes))
    expected = [str(number) for number in range(1, THREADS + 1)]
    assert sorted(outcomes, key=lambda version: int(str(version))) == expected
    stored = s.client.search_model_versions(f"name = '{name}'", order_by=["version_number ASC"])
    assert [v.version for v in stored] == expected
    # Each number went to exactly one caller, and the version holds that caller's source.
    by_source = {v.source: v.version for v in stored}
    assert {by_source[s.source(str(index))] for index in range(THREADS)} == set(expected)
    assert all(by_source[s.source(str(index))] == outcomes[index] for index in range(THREADS))


def test_concurrent_alias_moves_leave_the_alias_on_one_version(smr_backend: Backend) -> None:
    s = Scope(smr_backend)
    name = s.name()
    s.client.create_registered_model(name)
    versions = [s.client.create_model_version(name, s.source(str(index))).version for index in range(THREADS)]

    def point(version: str) -> Callable[[MlflowClient], None]:
        return lambda client: client.set_registered_model_alias(name, "champion", version)

    outcomes = race(smr_backend, [point(version) for version in versions])

    assert not failures(outcomes), "\n".join(failures(outcomes))
    target = s.client.get_registered_model(name).aliases["champion"]
    assert s.client.get_model_version_by_alias(name, "champion").version == target
    holders = [version for version in versions if "champion" in s.client.get_model_version(name, version).aliases]
    assert holders == [target]
