"""Every registry operation of SmrClient against the local server, signed."""

from __future__ import annotations

import pytest
from conftest import make_client

from smr import (
    InvalidParameterValue,
    PermissionDenied,
    ResourceAlreadyExists,
    ResourceDoesNotExist,
    SmrClient,
    SmrError,
)
from tests.support.server import LocalServer


def test_a_model_is_created_read_updated_and_deleted(client: SmrClient, model_name: str) -> None:
    created = client.create_registered_model(model_name, tags={"team": "growth"}, description="first")
    assert created.name == model_name
    assert created.tags == {"team": "growth"}
    assert client.get_registered_model(model_name).description == "first"
    assert client.update_registered_model(model_name, "second").description == "second"
    client.delete_registered_model(model_name)
    with pytest.raises(ResourceDoesNotExist) as raised:
        client.get_registered_model(model_name)
    assert raised.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert raised.value.status == 404


def test_creating_a_taken_name_raises_resource_already_exists(client: SmrClient, model_name: str) -> None:
    client.create_registered_model(model_name)
    with pytest.raises(ResourceAlreadyExists) as raised:
        client.create_registered_model(model_name)
    assert raised.value.error_code == "RESOURCE_ALREADY_EXISTS"
    assert isinstance(raised.value, SmrError)


def test_an_invalid_name_raises_invalid_parameter_value(client: SmrClient) -> None:
    with pytest.raises(InvalidParameterValue) as raised:
        client.create_registered_model("")
    assert raised.value.status == 400


def test_rename_moves_the_model_and_its_versions(client: SmrClient, model_name: str) -> None:
    client.create_registered_model(model_name)
    client.create_model_version(model_name, "s3://bucket/a")
    renamed = client.rename_registered_model(model_name, model_name + "-new")
    assert renamed.name == model_name + "-new"
    assert client.get_model_version(model_name + "-new", 1).source == "s3://bucket/a"
    with pytest.raises(ResourceDoesNotExist):
        client.get_registered_model(model_name)


def test_model_tags_are_set_and_deleted(client: SmrClient, model_name: str) -> None:
    client.create_registered_model(model_name)
    client.set_registered_model_tag(model_name, "k", "v")
    assert client.get_registered_model(model_name).tags == {"k": "v"}
    client.delete_registered_model_tag(model_name, "k")
    assert client.get_registered_model(model_name).tags == {}


def test_versions_are_created_read_updated_tagged_and_deleted(client: SmrClient, model_name: str) -> None:
    client.create_registered_model(model_name)
    version = client.create_model_version(
        # A runs:/ source is recorded as given and READY at once (an s3:// one would be copied in first).
        model_name,
        "runs:/run-1/model",
        run_id="run-1",
        tags={"a": "1"},
        run_link="http://run",
        description="d",
    )
    assert (version.version, version.run_id, version.tags, version.status) == (1, "run-1", {"a": "1"}, "READY")
    assert version.user_id == "arn:aws:iam::123456789012:user/smr-local"
    assert client.get_model_version(model_name, "1").description == "d"
    assert client.update_model_version(model_name, 1, "new").description == "new"
    client.set_model_version_tag(model_name, 1, "b", "2")
    assert client.get_model_version(model_name, 1).tags == {"a": "1", "b": "2"}
    client.delete_model_version_tag(model_name, 1, "a")
    assert client.get_model_version(model_name, 1).tags == {"b": "2"}
    assert client.get_model_version_download_uri(model_name, 1) == "runs:/run-1/model"
    client.delete_model_version(model_name, 1)
    with pytest.raises(ResourceDoesNotExist):
        client.get_model_version(model_name, 1)


def test_stages_latest_versions_and_aliases(client: SmrClient, model_name: str) -> None:
    client.create_registered_model(model_name)
    for index in range(3):
        client.create_model_version(model_name, f"s3://bucket/v{index}")
    moved = client.transition_model_version_stage(model_name, 2, "production", archive_existing_versions=True)
    assert moved.current_stage == "Production"
    latest = {v.current_stage: v.version for v in client.get_latest_versions(model_name)}
    assert latest == {"None": 3, "Production": 2}
    assert [v.version for v in client.get_latest_versions(model_name, ["Production"])] == [2]
    client.set_registered_model_alias(model_name, "champion", 2)
    assert client.get_model_version_by_alias(model_name, "champion").version == 2
    assert client.get_registered_model(model_name).aliases == {"champion": 2}
    assert client.resolve_version(model_name, "@champion").version == 2
    assert client.resolve_version(model_name, "Production").version == 2
    assert client.resolve_version(model_name, "3").version == 3
    client.delete_registered_model_alias(model_name, "champion")
    with pytest.raises(InvalidParameterValue):
        client.get_model_version_by_alias(model_name, "champion")


def test_search_pages_and_iterators_walk_every_result(client: SmrClient, model_name: str) -> None:
    names = [f"{model_name}-{index:02d}" for index in range(7)]
    for name in names:
        client.create_registered_model(name)
    page = client.search_registered_models(f"name LIKE '{model_name}-%'", max_results=3, order_by=["name ASC"])
    assert [m.name for m in page] == names[:3]
    assert page.next_page_token
    second = client.search_registered_models(
        f"name LIKE '{model_name}-%'", max_results=3, order_by=["name ASC"], page_token=page.next_page_token
    )
    assert [m.name for m in second] == names[3:6]
    every = list(client.iter_registered_models(f"name LIKE '{model_name}-%'", order_by=["name ASC"], page_size=2))
    assert [m.name for m in every] == names

    for _ in range(5):
        client.create_model_version(names[0], "s3://bucket/x")
    versions = list(client.iter_model_versions(f"name = '{names[0]}'", order_by=["version_number ASC"], page_size=2))
    assert [v.version for v in versions] == [1, 2, 3, 4, 5]
    first = client.search_model_versions(f"name = '{names[0]}'", max_results=2)
    assert len(first) == 2 and first.next_page_token


def test_promote_if_promotes_only_when_the_metric_clears_the_threshold(client: SmrClient, model_name: str) -> None:
    client.create_registered_model(model_name)
    client.create_model_version(model_name, "s3://b/1", tags={"metric.accuracy": "0.90"})
    client.create_model_version(model_name, "s3://b/2", tags={"metric.accuracy": "0.97"})
    client.create_model_version(model_name, "s3://b/3")
    assert client.promote_if(model_name, 1, metric="accuracy", threshold=0.95) is False
    assert client.get_model_version(model_name, 1).current_stage == "None"
    assert client.promote_if(model_name, 3, metric="accuracy", threshold=0.95) is False  # no metric: no promotion
    assert client.promote_if(model_name, 2, metric="accuracy", threshold=0.95, alias="champion") is True
    assert client.get_model_version(model_name, 2).current_stage == "Production"
    assert client.get_model_version_by_alias(model_name, "champion").version == 2
    assert client.promote_if(model_name, 1, metric="accuracy", threshold=0.92, higher_is_better=False, stage="Staging")
    assert client.get_model_version(model_name, 1).current_stage == "Staging"


def test_promote_if_reads_model_metrics_before_tags() -> None:
    from smr import ModelVersion

    version = ModelVersion.model_validate(
        {
            "name": "m",
            "version": "1",
            "tags": [{"key": "metric.accuracy", "value": "0.1"}],
            "model_metrics": [{"key": "accuracy", "value": 0.99}],
        }
    )
    assert version.metric("accuracy") == 0.99
    assert version.metric("missing") is None


def test_a_metric_is_its_latest_step_as_the_servers_policy_reads_it() -> None:
    from smr import ModelVersion

    version = ModelVersion.model_validate(
        {
            "name": "m",
            "version": "1",
            "model_metrics": [
                {"key": "auc", "value": 0.95, "step": 3},
                {"key": "auc", "value": 0.5, "step": 1},
                {"key": "loss", "value": 0.2, "timestamp": 2},
                {"key": "loss", "value": 0.3, "timestamp": 1},
            ],
        }
    )
    assert (version.metric("auc"), version.metric("loss")) == (0.95, 0.2)


def test_an_unsigned_or_forged_client_gets_permission_denied(server: LocalServer) -> None:
    forged = make_client(server.url, "testing", "not-the-secret")
    with pytest.raises(PermissionDenied) as raised:
        forged.search_registered_models()
    assert raised.value.status == 403
    unknown = make_client(server.url, "AKIDNOBODY", "x")
    with pytest.raises(PermissionDenied, match="security token"):
        unknown.search_registered_models()


def test_the_endpoint_comes_from_smr_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMR_ENDPOINT", "https://abc.execute-api.eu-west-2.amazonaws.com/")
    client = SmrClient()
    assert client.endpoint == "https://abc.execute-api.eu-west-2.amazonaws.com"
    assert client.transport.region == "eu-west-2"


def test_without_an_endpoint_the_client_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SMR_ENDPOINT", raising=False)
    monkeypatch.delenv("MLFLOW_REGISTRY_URI", raising=False)
    with pytest.raises(InvalidParameterValue, match="SMR_ENDPOINT"):
        SmrClient()
