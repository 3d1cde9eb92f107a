"""The product's reference example, end to end: the stock mlflow client logs, registers and loads a model through
smr alone (tracking and registry), and a second machine (a process with none of the first one's files) loads it.

The local server runs as a subprocess; each client runs as a subprocess too, with a fresh temp dir as its cwd,
HOME and TMPDIR, and only the environment `make run` prints plus MLFLOW_TRACKING_URI.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.server import LocalServer, run_local_server, start_local_server

pytestmark = pytest.mark.e2e

MODEL_NAME = "smr-e2e-logreg"
API = "/api/2.0/mlflow"
CLIENT_TIMEOUT_S = 240

# Made-up data, the same in every process (fixed seed): two informative features out of three.
DATA = """
import numpy as np
rng = np.random.default_rng(7)
X = rng.normal(size=(80, 3))
y = (X[:, 0] - 0.5 * X[:, 1] > 0).astype(int)
"""

TRAIN_AND_REGISTER = DATA + textwrap.dedent(
    """
    import json, sys
    import mlflow
    from mlflow import MlflowClient
    from sklearn.linear_model import LogisticRegression

    NAME = sys.argv[1]
    mlflow.set_experiment("smr-e2e-example")
    with mlflow.start_run() as run:
        mlflow.log_param("C", 0.5)
        model = LogisticRegression(C=0.5).fit(X, y)
        mlflow.log_metric("accuracy", float(model.score(X, y)))
        info = mlflow.sklearn.log_model(model, name="modelo", registered_model_name=NAME)
    client = MlflowClient()
    version = info.registered_model_version
    client.update_model_version(NAME, version, description="logistic regression on made-up data")
    client.transition_model_version_stage(NAME, version, "Staging")
    loaded = mlflow.pyfunc.load_model(f"models:/{NAME}/staging")
    print(json.dumps({
        "run_id": run.info.run_id,
        "model_id": info.model_id,
        "version": str(version),
        "predictions": [int(p) for p in loaded.predict(X[:20])],
        "expected": [int(p) for p in model.predict(X[:20])],
    }))
    """
)

LOAD_PRODUCTION = DATA + textwrap.dedent(
    """
    import json, sys
    import mlflow

    loaded = mlflow.pyfunc.load_model(f"models:/{sys.argv[1]}/production")
    print(json.dumps({"predictions": [int(p) for p in loaded.predict(X[:20])]}))
    """
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    with run_local_server(tmp_path_factory.mktemp("smr-data")) as running:
        yield running


def _client_env(server: LocalServer, home: Path) -> dict[str, str]:
    base = {key: value for key, value in os.environ.items() if key in ("PATH", "LANG", "LC_ALL")}
    return {
        **server.client_environment(base),
        "MLFLOW_TRACKING_URI": server.url,
        "HOME": str(home),
        "TMPDIR": str(home),
        "PYTHONNOUSERSITE": "1",
    }


def _run_client(server: LocalServer, workdir: Path, script: str, *args: str) -> dict[str, Any]:
    workdir.mkdir(parents=True)
    (workdir / "client.py").write_text(script)
    completed = subprocess.run(
        [sys.executable, "client.py", *args],
        cwd=workdir,
        env=_client_env(server, workdir),
        capture_output=True,
        text=True,
        timeout=CLIENT_TIMEOUT_S,
        check=False,
    )
    assert completed.returncode == 0, f"{completed.stderr}\n--- server\n{server.output()[-4000:]}"
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def _call(server: LocalServer, method: str, path: str, **payload: Any) -> dict[str, Any]:
    if method == "GET":
        response = requests.get(server.url + API + path, params=payload, timeout=30, auth=server.auth())
    else:
        response = requests.request(method, server.url + API + path, json=payload, timeout=30, auth=server.auth())
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_reference_example_logs_registers_and_loads_the_model_from_another_machine(
    server: LocalServer, tmp_path: Path
) -> None:
    # Given the example, run by a client that can reach only smr and its S3
    first = _run_client(server, tmp_path / "trainer", TRAIN_AND_REGISTER, MODEL_NAME)
    assert first["predictions"] == first["expected"]

    # Then smr tracked the run and the logged model, and the version points at the logged model's files in S3
    run = _call(server, "GET", "/runs/get", run_id=first["run_id"])["run"]
    assert run["info"]["status"] == "FINISHED"
    assert {"key": "C", "value": "0.5"} in run["data"]["params"]
    assert [metric["key"] for metric in run["data"]["metrics"]] == ["accuracy"]
    assert run["outputs"]["model_outputs"][0]["model_id"] == first["model_id"]
    logged = _call(server, "GET", f"/logged-models/{first['model_id']}")["model"]["info"]
    assert logged["status"] == "LOGGED_MODEL_READY"
    bucket = server.env["SMR_BUCKET"]
    assert logged["artifact_uri"].startswith(f"s3://{bucket}/mlruns/")
    uri = _call(server, "GET", "/model-versions/get-download-uri", name=MODEL_NAME, version=first["version"])
    assert uri["artifact_uri"] == logged["artifact_uri"]
    version = _call(server, "GET", "/model-versions/get", name=MODEL_NAME, version=first["version"])
    assert version["model_version"]["current_stage"] == "Staging"
    assert version["model_version"]["description"] == "logistic regression on made-up data"

    # When the version goes to Production and the first machine's files are gone
    _call(
        server,
        "POST",
        "/model-versions/transition-stage",
        name=MODEL_NAME,
        version=first["version"],
        stage="Production",
        archive_existing_versions=False,
    )
    shutil.rmtree(tmp_path / "trainer")

    # Then a second machine, with a different cwd and temp dir, loads it and predicts the same
    second = _run_client(server, tmp_path / "consumer", LOAD_PRODUCTION, MODEL_NAME)
    assert second["predictions"] == first["expected"]


@pytest.fixture
def quiet_server(tmp_path: Path) -> Iterator[LocalServer]:
    """A server of its own: 10,000 points grow its table, and every other test's server stays small."""
    running = start_local_server(tmp_path / "smr-data")
    try:
        yield running
    finally:
        running.stop(signal.SIGKILL)  # a throwaway data dir: nothing to stop cleanly for


def test_a_metric_history_of_10000_points_pages_in_order(quiet_server: LocalServer) -> None:
    from mlflow import MlflowClient

    server = quiet_server
    experiment_id = _call(server, "POST", "/experiments/create", name="smr-e2e-history")["experiment_id"]
    run_id = _call(server, "POST", "/runs/create", experiment_id=experiment_id, start_time=1)["run"]["info"]["run_id"]
    total = 10_000
    for start in range(0, total, 1000):
        metrics = [
            {"key": "loss", "value": 1.0 / (step + 1), "timestamp": 1_000_000 + step, "step": step}
            for step in range(start, start + 1000)
        ]
        _call(server, "POST", "/runs/log-batch", run_id=run_id, metrics=metrics)

    # Paged by hand: 3,000 a page, in timestamp order, the last page without a token
    steps: list[int] = []
    token: str | None = None
    pages = 0
    while True:
        query: dict[str, Any] = {"run_id": run_id, "metric_key": "loss", "max_results": 3000}
        if token:
            query["page_token"] = token
        page = _call(server, "GET", "/metrics/get-history", **query)
        pages += 1
        steps.extend(int(metric.get("step", 0)) for metric in page["metrics"])
        token = page.get("next_page_token")
        if not token:
            break
    assert pages == 4
    assert steps == list(range(total))

    # And through the stock client, which pages on its own
    history = MlflowClient(tracking_uri=server.url).get_metric_history(run_id, "loss")
    assert [metric.step for metric in history] == list(range(total))
    latest = _call(server, "GET", "/runs/get", run_id=run_id)["run"]["data"]["metrics"]
    assert latest == [
        {"key": "loss", "value": 1.0 / total, "timestamp": 1_000_000 + total - 1, "step": total - 1, "run_id": run_id}
    ]


def test_100_concurrent_log_metric_calls_on_one_run_lose_nothing(server: LocalServer) -> None:
    experiment_id = _call(server, "POST", "/experiments/create", name="smr-e2e-concurrency")["experiment_id"]
    run_id = _call(server, "POST", "/runs/create", experiment_id=experiment_id)["run"]["info"]["run_id"]

    def log(step: int) -> None:
        _call(
            server,
            "POST",
            "/runs/log-metric",
            run_id=run_id,
            key="throughput",
            value=float(step),
            timestamp=5_000 + (step * 7919) % 100,
            step=step,
        )

    with ThreadPoolExecutor(max_workers=25) as pool:
        list(pool.map(log, range(100)))

    history = _call(server, "GET", "/metrics/get-history", run_id=run_id, metric_key="throughput")["metrics"]
    assert sorted(int(metric.get("step", 0)) for metric in history) == list(range(100))
    latest = _call(server, "GET", "/runs/get", run_id=run_id)["run"]["data"]["metrics"]
    assert [(metric["key"], metric["step"], metric["value"]) for metric in latest] == [("throughput", 99, 99.0)]


def test_concurrent_params_tags_and_metrics_on_one_run_all_land(server: LocalServer) -> None:
    experiment_id = _call(server, "POST", "/experiments/create", name="smr-e2e-mixed")["experiment_id"]
    run_id = _call(server, "POST", "/runs/create", experiment_id=experiment_id)["run"]["info"]["run_id"]

    def write(index: int) -> None:
        kind = index % 3
        if kind == 0:
            _call(server, "POST", "/runs/log-parameter", run_id=run_id, key=f"p{index}", value=str(index))
        elif kind == 1:
            _call(server, "POST", "/runs/set-tag", run_id=run_id, key=f"t{index}", value=str(index))
        else:
            _call(server, "POST", "/runs/log-metric", run_id=run_id, key=f"m{index}", value=index, timestamp=1, step=0)

    with ThreadPoolExecutor(max_workers=25) as pool:
        list(pool.map(write, range(90)))

    data = _call(server, "GET", "/runs/get", run_id=run_id)["run"]["data"]
    assert {p["key"] for p in data["params"]} == {f"p{i}" for i in range(0, 90, 3)}
    assert {t["key"] for t in data["tags"]} >= {f"t{i}" for i in range(1, 90, 3)}
    assert {m["key"] for m in data["metrics"]} == {f"m{i}" for i in range(2, 90, 3)}
