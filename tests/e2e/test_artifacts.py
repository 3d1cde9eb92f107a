"""The stock mlflow client and plain S3 uploads against `make run`: registry-owned artifacts end to end."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from tests.support.server import LocalServer, run_local_server

pytestmark = pytest.mark.e2e

API = "/api/2.0/mlflow"
READY_TIMEOUT_S = 30.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    with run_local_server(tmp_path_factory.mktemp("smr-e2e-artifacts")) as running:
        yield running


@pytest.fixture
def client_env(server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The shell of a user who pasted the server's export lines."""
    for name, value in server.env.items():
        monkeypatch.setenv(name, value)
    return server.env


def _version(server: LocalServer, name: str, version: int) -> dict[str, Any] | None:
    response = requests.get(
        f"{server.url}{API}/model-versions/get",
        params={"name": name, "version": version},
        timeout=10,
        auth=server.auth(),
    )
    if response.status_code == 404:
        return None
    response.raise_for_status()
    found: dict[str, Any] = response.json()["model_version"]
    return found


def _wait_until_ready(server: LocalServer, name: str, version: int) -> dict[str, Any]:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        found = _version(server, name, version)
        if found is not None and found["status"] != "PENDING_REGISTRATION":
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{name} version {version} not registered within {READY_TIMEOUT_S} s: {found}")
        time.sleep(0.2)


def test_an_mlflow_model_logged_to_s3_is_copied_in_and_loads_back_from_smr(
    server: LocalServer, client_env: dict[str, str], tmp_path: Path
) -> None:
    import mlflow
    import numpy as np
    from mlflow import MlflowClient
    from sklearn.linear_model import LinearRegression

    bucket = client_env["SMR_BUCKET"]
    tracking_uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(server.url)
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=server.url)
    experiment_id = client.create_experiment("e2e-artifacts", artifact_location=f"s3://{bucket}/mlflow/e2e-artifacts")
    features = np.arange(20, dtype=float).reshape(10, 2)
    target = features @ np.array([2.0, -1.0]) + 3.0
    with mlflow.start_run(experiment_id=experiment_id):
        info = mlflow.sklearn.log_model(LinearRegression().fit(features, target), name="model")
    source = client.get_logged_model(info.model_id).artifact_location
    assert source.startswith(f"s3://{bucket}/mlflow/")

    # register_model waits for READY (it polls get-model-version), as it does against MLflow's own server.
    registered = mlflow.register_model(source, "e2e-regressor")
    assert registered.version == "1"
    version = client.get_model_version("e2e-regressor", "1")
    assert version.status == "READY"
    # Registered from a bare s3:// source with no run id: MLflow stores and returns "" for it, and so does smr.
    assert version.run_id == ""
    download_uri = client.get_model_version_download_uri("e2e-regressor", "1")
    assert download_uri.startswith(f"s3://{bucket}/models/") and download_uri.endswith("/1/files")

    # What loads comes from smr's copy: delete the original to prove it.
    s3 = boto3.client("s3")
    original_prefix = source.removeprefix(f"s3://{bucket}/")
    for item in s3.list_objects_v2(Bucket=bucket, Prefix=original_prefix).get("Contents", []):
        s3.delete_object(Bucket=bucket, Key=item["Key"])
    loaded = mlflow.pyfunc.load_model("models:/e2e-regressor/1")
    np.testing.assert_allclose(loaded.predict(features), target, rtol=1e-6)


def test_a_folder_put_under_incoming_registers_a_version_within_seconds(
    server: LocalServer, client_env: dict[str, str]
) -> None:
    # What `aws s3 cp --recursive ./model s3://$SMR_BUCKET/incoming/uploaded-model/2026-11-26/` does.
    s3 = boto3.client("s3")
    bucket = client_env["SMR_BUCKET"]
    prefix = "incoming/uploaded-model/2026-11-26/"
    s3.put_object(Bucket=bucket, Key=prefix + "model.pkl", Body=b"\x80weights")
    s3.put_object(Bucket=bucket, Key=prefix + "MLmodel", Body=b"flavors: {}\n")
    s3.put_object(
        Bucket=bucket,
        Key=prefix + "smr.json",
        Body=json.dumps({"description": "from S3", "tags": {"source": "s3-cp"}, "aliases": ["fresh"]}),
    )
    started = time.monotonic()
    version = _wait_until_ready(server, "uploaded-model", 1)
    assert time.monotonic() - started < 10
    assert (version["status"], version["description"], version["aliases"]) == ("READY", "from S3", ["fresh"])

    urls = requests.get(
        f"{server.url}/api/2.0/smr/model-versions/download-urls",
        params={"name": "uploaded-model", "version": "1"},
        timeout=10,
        auth=server.auth(),
    ).json()
    files = {entry["path"]: requests.get(entry["url"], timeout=10).content for entry in urls["files"]}
    assert files == {"MLmodel": b"flavors: {}\n", "model.pkl": b"\x80weights"}

    # A second write of smr.json into the same folder does not make a second version.
    s3.put_object(Bucket=bucket, Key=prefix + "smr.json", Body=b"{}")
    time.sleep(2)
    assert _version(server, "uploaded-model", 2) is None
    uploads = requests.get(
        f"{server.url}/api/2.0/smr/uploads/list", params={"name": "uploaded-model"}, timeout=10, auth=server.auth()
    ).json()["uploads"]
    assert [(u["upload_id"], u["state"], u["version"]) for u in uploads] == [("2026-11-26", "REGISTERED", "1")]


def test_a_bad_smr_json_is_a_failed_upload_a_user_can_read(server: LocalServer, client_env: dict[str, str]) -> None:
    s3 = boto3.client("s3")
    bucket = client_env["SMR_BUCKET"]
    s3.put_object(Bucket=bucket, Key="incoming/broken-model/u1/model.pkl", Body=b"w")
    s3.put_object(Bucket=bucket, Key="incoming/broken-model/u1/smr.json", Body=b'{"stage": "Prod"}')
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        response = requests.get(
            f"{server.url}/api/2.0/smr/uploads/get",
            params={"name": "broken-model", "upload_id": "u1"},
            timeout=10,
            auth=server.auth(),
        )
        if response.status_code == 200:
            break
        assert time.monotonic() < deadline, response.text
        time.sleep(0.2)
    upload = response.json()["upload"]
    assert upload["state"] == "FAILED" and "Invalid Model Version stage: Prod" in upload["reason"]
    assert (
        requests.get(
            f"{server.url}{API}/registered-models/get", params={"name": "broken-model"}, timeout=10, auth=server.auth()
        ).status_code
        == 404
    )


def test_a_folder_dropped_for_a_model_the_local_user_created_registers(
    server: LocalServer, client_env: dict[str, str]
) -> None:
    # `make run` drops act as the local user, who owns (MANAGE) the models it creates: no grant is needed.
    created = requests.post(
        f"{server.url}/api/2.0/mlflow/registered-models/create",
        json={"name": "made-first"},
        timeout=10,
        auth=server.auth(),
    )
    assert created.status_code == 200, created.text
    s3 = boto3.client("s3")
    prefix = "incoming/made-first/u1/"
    s3.put_object(Bucket=client_env["SMR_BUCKET"], Key=prefix + "MLmodel", Body=b"flavors: {}\n")
    assert _wait_until_ready(server, "made-first", 1)["status"] == "READY"
    permissions = requests.get(
        f"{server.url}/api/2.0/smr/permissions/get", params={"name": "made-first"}, timeout=10, auth=server.auth()
    ).json()
    assert list(permissions["permissions"].values()) == ["MANAGE"]
