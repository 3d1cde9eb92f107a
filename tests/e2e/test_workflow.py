"""The whole user workflow with scikit-learn: log and register, promote, alias, load back by every kind of URI.

mlflow 3's log_model registers the source `models:/<model_id>`. smr stores it as given and the client resolves it
against its own tracking store; MLflow's server resolves it against the server's tracking store, which is why the
oracle's workflow logs to the oracle (Backend.workflow_tracking_uri).
"""

from __future__ import annotations

import os
import uuid

import mlflow
import mlflow.pyfunc
import mlflow.sklearn
import numpy as np
import pytest
from mlflow import MlflowClient
from sklearn.linear_model import LogisticRegression

from tests.e2e.differences import run_id_of_logged_model_version
from tests.e2e.scenarios import Backend

pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore::FutureWarning")]


def made_up_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    features = rng.normal(size=(40, 3))
    labels = (features @ np.array([1.5, -2.0, 0.5]) > 0).astype(int)
    return features, labels


@pytest.fixture
def workflow_backend(backend: Backend, mlflow_globals: None) -> Backend:
    """The backend, with mlflow's globals pointed at it the way a user's session would be (restored afterwards)."""
    # The exports `make run` prints (S3 endpoint and credentials for the artifacts); mlflow_globals undoes them.
    os.environ.update(backend.client_env)
    mlflow.set_tracking_uri(backend.workflow_tracking_uri)
    mlflow.set_registry_uri(backend.url)
    experiment_name = f"e2e-workflow-{uuid.uuid4().hex[:12]}"
    artifact_location = (
        f"{backend.workflow_artifact_root}/{experiment_name}" if backend.workflow_artifact_root else None
    )
    experiment_id = MlflowClient().create_experiment(experiment_name, artifact_location=artifact_location)
    mlflow.set_experiment(experiment_id=experiment_id)
    return backend


def test_log_register_promote_alias_and_load(workflow_backend: Backend) -> None:
    name = f"e2e-workflow-{uuid.uuid4().hex[:12]}"
    features, labels = made_up_data()
    model = LogisticRegression().fit(features, labels)
    expected = model.predict(features)

    with mlflow.start_run() as run:
        # Declared requirements: inferring them (a `uv export`, then an import capture) takes seconds and is not
        # what this test is about.
        logged = mlflow.sklearn.log_model(
            model, name="model", registered_model_name=name, pip_requirements=["scikit-learn"]
        )
    assert str(logged.registered_model_version) == "1"

    client = MlflowClient()
    assert client.get_model_version(name, "1").source == f"models:/{logged.model_id}"

    client.transition_model_version_stage(name, "1", "Staging")
    from_staging = mlflow.pyfunc.load_model(f"models:/{name}/staging")
    np.testing.assert_array_equal(from_staging.predict(features), expected)

    client.transition_model_version_stage(name, "1", "Production")
    client.set_registered_model_alias(name, "champion", "1")
    assert client.get_model_version_by_alias(name, "champion").current_stage == "Production"

    from_alias = mlflow.pyfunc.load_model(f"models:/{name}@champion")
    from_version = mlflow.pyfunc.load_model(f"models:/{name}/1")
    from_production = mlflow.pyfunc.load_model(f"models:/{name}/Production")
    np.testing.assert_array_equal(from_alias.predict(features), expected)
    np.testing.assert_array_equal(from_version.predict(features), expected)
    np.testing.assert_array_equal(from_production.predict(features), expected)
    np.testing.assert_array_equal(mlflow.sklearn.load_model(f"models:/{name}@champion").predict(features), expected)

    # Last, as it is the one step that needs more than what the client sent: log_model registers with model_id and
    # no run_id, and MLflow's server fills the run in from the logged model in its tracking store (difference (c)).
    expected_run_id = run_id_of_logged_model_version(workflow_backend.name, run.info.run_id)
    assert client.get_model_version(name, "1").run_id == expected_run_id
    if expected_run_id:
        assert [v.version for v in client.search_model_versions(f"run_id = '{run.info.run_id}'")] == ["1"]


def test_register_a_model_logged_by_a_run(workflow_backend: Backend) -> None:
    """mlflow.register_model("runs:/<run>/model"): the client finds the logged model and sends its run id itself."""
    name = f"e2e-workflow-{uuid.uuid4().hex[:12]}"
    features, labels = made_up_data()
    model = LogisticRegression().fit(features, labels)
    with mlflow.start_run() as run:
        logged = mlflow.sklearn.log_model(model, name="model", pip_requirements=["scikit-learn"])

    registered = mlflow.register_model(f"runs:/{run.info.run_id}/model", name)

    assert registered.version == "1"
    assert registered.source == f"models:/{logged.model_id}"
    assert registered.run_id == run.info.run_id
    client = MlflowClient()
    assert [v.version for v in client.search_model_versions(f"run_id = '{run.info.run_id}'")] == ["1"]
    loaded = mlflow.pyfunc.load_model(f"models:/{name}/1")
    np.testing.assert_array_equal(loaded.predict(features), model.predict(features))
