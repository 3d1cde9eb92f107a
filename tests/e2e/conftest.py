"""End-to-end fixtures: a real `mlflow server` (the oracle) and smr's local server, started once per session.

`backend` runs a test against each; `same_as_oracle` runs a scenario against the backend under test and, for smr,
asserts that the user saw the same thing as on the oracle.

SMR_E2E_ORACLE_ONLY=1 skips the smr half (for writing tests before the server exists). Without it, a missing or
broken local server makes every smr test fail.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import mlflow
import pytest
from mlflow import MlflowClient

from smr_local.aws import LOCAL_ACCESS_KEY_ID, LOCAL_REGION, LOCAL_SECRET_ACCESS_KEY
from tests.e2e.scenarios import ORACLE, SMR, Backend, Scope, differences_between
from tests.e2e.servers import MlflowServer, start_mlflow_server

ORACLE_ONLY_ENV = "SMR_E2E_ORACLE_ONLY"

# What every client (and the oracle) in this session runs with. No retries: a 5xx or a dropped connection must show as
# the failure it is, at once, instead of as minutes of backoff (and a retried POST could hide a duplicate write).
# Every client signs its requests with the local server's key (SigV4, as against API Gateway); the oracle ignores it.
CLIENT_ENVIRONMENT = {
    "MLFLOW_TRACKING_AUTH": "smr",
    "AWS_ACCESS_KEY_ID": LOCAL_ACCESS_KEY_ID,
    "AWS_SECRET_ACCESS_KEY": LOCAL_SECRET_ACCESS_KEY,
    "AWS_DEFAULT_REGION": LOCAL_REGION,
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "60",
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
}

Observe = Callable[[Callable[[Scope], Any]], Any]


def oracle_only() -> bool:
    return os.environ.get(ORACLE_ONLY_ENV, "") == "1"


@pytest.fixture(scope="session", autouse=True)
def client_environment() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in CLIENT_ENVIRONMENT.items():
            patch.setenv(name, value)
        yield


@pytest.fixture(scope="session")
def local_tracking_uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A sqlite tracking store for the clients. Built once: creating its schema takes seconds."""
    uri = f"sqlite:///{tmp_path_factory.mktemp('tracking') / 'mlflow.db'}"
    MlflowClient(tracking_uri=uri)
    return uri


@pytest.fixture(scope="session")
def oracle(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[MlflowServer]:
    """A real `mlflow server` with a sqlite store: what MLflow itself answers."""
    workdir = tmp_path_factory.mktemp("oracle")
    # No job runner: it forks a scheduler and worker pools that registry calls never use.
    env = {**os.environ, **CLIENT_ENVIRONMENT, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    # The tracking store's schema is built while the server runs its own migrations.
    with start_mlflow_server(workdir, env, before_waiting=lambda: request.getfixturevalue("local_tracking_uri")) as s:
        yield s


@pytest.fixture(scope="session")
def smr(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """smr's local server (`python -m smr_local`: the handlers behind an HTTP server, over embedded moto)."""
    if oracle_only():
        pytest.skip(f"{ORACLE_ONLY_ENV}=1: smr is not under test")
    try:
        from tests.support.server import run_local_server
    except ImportError as error:
        pytest.fail(f"smr's local server cannot be started: tests.support.server.run_local_server: {error}")
    with run_local_server(tmp_path_factory.mktemp("smr")) as server:
        yield server


def make_backend(name: str, request: pytest.FixtureRequest) -> Backend:
    tracking_uri: str = request.getfixturevalue("local_tracking_uri")
    if name == ORACLE:
        oracle_server: MlflowServer = request.getfixturevalue("oracle")
        return Backend(
            name=ORACLE,
            url=oracle_server.url,
            tracking_uri=tracking_uri,
            # MLflow's server resolves a `models:/<model_id>` source against its own tracking store, so the
            # workflow must log to it; its artifact root is a local directory the client writes to directly.
            workflow_tracking_uri=oracle_server.url,
            workflow_artifact_root=None,
            client_env={},
            client=MlflowClient(tracking_uri=tracking_uri, registry_uri=oracle_server.url),
        )
    server = request.getfixturevalue("smr")
    env: dict[str, str] = dict(server.env)
    bucket = env.get("SMR_BUCKET")
    return Backend(
        name=SMR,
        url=server.url,
        tracking_uri=tracking_uri,
        # smr stores a source as given; the client resolves it against its own (local) tracking store.
        workflow_tracking_uri=tracking_uri,
        # The artifacts go where a user of `make run` puts them: the bucket in the embedded moto.
        workflow_artifact_root=f"s3://{bucket}/e2e-artifacts" if bucket else None,
        client_env=env,
        client=MlflowClient(tracking_uri=tracking_uri, registry_uri=server.url),
    )


@pytest.fixture(params=[ORACLE, SMR])
def backend(request: pytest.FixtureRequest) -> Backend:
    """The registry under test: the oracle, then smr."""
    return make_backend(request.param, request)


@pytest.fixture
def smr_backend(request: pytest.FixtureRequest) -> Backend:
    return make_backend(SMR, request)


@pytest.fixture(scope="session")
def oracle_observations() -> dict[str, Any]:
    """What each test's scenario showed on the oracle, kept so the smr run of the same test does not redo it."""
    return {}


@pytest.fixture
def same_as_oracle(backend: Backend, request: pytest.FixtureRequest, oracle_observations: dict[str, Any]) -> Observe:
    """Run a scenario against the backend under test; for smr, compare with what the oracle showed for it.

    Returns the normalized observation, for the test's own explicit expectations (which the oracle run proves are
    MLflow's behaviour). A test calls it once; the oracle's observation is taken from the [oracle] run of the same
    test when that ran first, and made now otherwise.
    """
    key = f"{request.node.path}::{request.node.originalname}"

    def observe(scenario: Callable[[Scope], Any]) -> Any:
        if backend.name == ORACLE:
            oracle_observations[key] = Scope(backend).observe(scenario)
            return oracle_observations[key]
        if key not in oracle_observations:
            oracle_observations[key] = Scope(make_backend(ORACLE, request)).observe(scenario)
        seen = Scope(backend).observe(scenario)
        differing = differences_between(seen, oracle_observations[key])
        assert not differing, "smr != mlflow server:\n" + "\n".join(differing)
        return seen

    return observe


@pytest.fixture
def mlflow_globals() -> Iterator[None]:
    """Restore what mlflow's fluent API keeps in globals and MLFLOW_* variables, so a test cannot leak its URIs."""
    from mlflow.tracking import _model_registry, _tracking_service, fluent

    saved_env = {name: value for name, value in os.environ.items() if name.startswith(("MLFLOW_", "AWS_", "SMR_"))}
    tracking_uri = _tracking_service.utils._tracking_uri
    registry_uri = _model_registry.utils._registry_uri
    experiment_id = fluent._active_experiment_id
    try:
        yield
    finally:
        while mlflow.active_run() is not None:
            mlflow.end_run()
        _tracking_service.utils._tracking_uri = tracking_uri
        _model_registry.utils._registry_uri = registry_uri
        fluent._active_experiment_id = experiment_id
        for name in [name for name in os.environ if name.startswith(("MLFLOW_", "AWS_", "SMR_"))]:
            if name not in saved_env:
                del os.environ[name]
        os.environ.update(saved_env)
