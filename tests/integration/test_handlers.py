"""Every handler, fed the sample API Gateway v2.0 events in events/, against the DynamoDB store on moto."""

from __future__ import annotations

import copy
import importlib.util
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from registry_core.config import settings

from .conftest import TABLE_NAME, reset_wiring

REPO = Path(__file__).resolve().parents[2]
EVENTS = REPO / "events"
FUNCTIONS = REPO / "functions"
MODEL = "fraud-detector"

Invoke = Callable[..., tuple[int, dict[str, Any]]]


def _load_handler(operation: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"smr_test_fn_{operation}", FUNCTIONS / operation / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sample_event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
    return event


class LambdaContext:
    function_name = "smr-test"
    aws_request_id = "test-request"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:smr-test"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 10_000


@pytest.fixture
def invoke(dynamodb_client: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    monkeypatch.setenv("SMR_TABLE_NAME", TABLE_NAME)
    reset_wiring()

    def call(operation: str, event: dict[str, Any] | None = None, **body_changes: Any) -> tuple[int, dict[str, Any]]:
        event = copy.deepcopy(event or sample_event(operation))
        if body_changes:
            body = json.loads(event.get("body") or "{}")
            body.update(body_changes)
            event["body"] = json.dumps(body)
        response = _load_handler(operation).handler(event, LambdaContext())
        assert response["headers"]["Content-Type"] == "application/json"
        return response["statusCode"], json.loads(response["body"])

    yield call
    reset_wiring()


# Issue 3's functions: tests/integration/test_artifact_handlers.py feeds them their sample events.
ARTIFACT_OPERATIONS = {
    "create_upload",
    "complete_upload",
    "get_model_version_download_urls",
    "get_upload",
    "list_uploads",
    "register_uploads",
    "copy_model_version_artifacts",
}


def test_every_operation_has_a_sample_event_and_a_handler() -> None:
    # MLflow's 21 registry operations and smr's permission operations: the first two tables of docs/design.md.
    design = (REPO / "docs" / "design.md").read_text(encoding="utf-8")
    tables = design.split("## Operations", 1)[1].split("## Extension operations", 1)[0]
    tables += design.split("## Extension operations", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| ([a-z_]+) +\|", tables, flags=re.MULTILINE)) - {"operation"}
    assert len(listed) == 21 + 4
    operations = {path.name for path in FUNCTIONS.iterdir() if (path / "app.py").exists()}
    assert listed <= operations
    assert listed <= {path.stem for path in EVENTS.glob("*.json")}


def test_the_sample_events_walk_the_whole_registry_workflow(invoke: Invoke) -> None:
    status, body = invoke("create_registered_model")
    assert status == 200
    assert body["registered_model"]["name"] == MODEL
    assert body["registered_model"]["tags"] == [{"key": "team", "value": "risk"}]

    status, body = invoke("create_model_version")
    assert status == 200
    version = body["model_version"]
    assert (version["version"], version["current_stage"], version["status"]) == ("1", "None", "READY")
    assert version["user_id"] == "arn:aws:iam::123456789012:user/data-scientist"
    assert version["run_id"] == "0f1e2d3c4b5a"

    assert invoke("update_registered_model")[1]["registered_model"]["description"] == "Gradient-boosted fraud model"
    assert invoke("get_registered_model")[1]["registered_model"]["latest_versions"][0]["version"] == "1"
    assert invoke("update_model_version")[1]["model_version"]["description"] == "AUC 0.97 on holdout"
    assert invoke("transition_model_version_stage")[1]["model_version"]["current_stage"] == "Production"
    assert invoke("set_registered_model_tag") == (200, {})
    assert invoke("set_model_version_tag") == (200, {})
    assert invoke("set_registered_model_alias") == (200, {})

    status, body = invoke("get_model_version_by_alias")
    assert status == 200
    assert body["model_version"]["aliases"] == ["champion"]
    assert body["model_version"]["tags"] == [
        {"key": "framework", "value": "sklearn"},
        {"key": "validated", "value": "true"},
    ]

    status, body = invoke("get_latest_versions")
    assert [v["current_stage"] for v in body["model_versions"]] == ["Production"]
    status, body = invoke("get_latest_versions", sample_event("get_latest_versions_get"))
    assert [v["current_stage"] for v in body["model_versions"]] == ["Production"]

    assert invoke("get_model_version")[1]["model_version"]["version"] == "1"
    assert invoke("get_model_version_download_uri")[1]["artifact_uri"].startswith("s3://")
    assert [m["name"] for m in invoke("search_registered_models")[1]["registered_models"]] == [MODEL]
    assert [v["version"] for v in invoke("search_model_versions")[1]["model_versions"]] == ["1"]

    assert invoke("delete_model_version_tag") == (200, {})
    assert invoke("delete_registered_model_tag") == (200, {})
    assert invoke("delete_registered_model_alias") == (200, {})
    assert invoke("delete_model_version") == (200, {})
    assert invoke("rename_registered_model")[1]["registered_model"]["name"] == "fraud-detector-v2"
    assert invoke("delete_registered_model", name="fraud-detector-v2") == (200, {})
    status, body = invoke("get_registered_model")
    assert status == 404


def test_errors_have_mlflows_shape_and_status(invoke: Invoke) -> None:
    invoke("create_registered_model")
    assert invoke("create_registered_model") == (
        400,
        {"error_code": "RESOURCE_ALREADY_EXISTS", "message": f"Registered Model (name={MODEL}) already exists."},
    )
    status, body = invoke("get_model_version")
    assert (status, body["error_code"]) == (404, "RESOURCE_DOES_NOT_EXIST")
    # The stage is checked before the version is looked up, as MLflow does.
    status, body = invoke("transition_model_version_stage", stage="Prod")
    assert (status, body["error_code"]) == (400, "INVALID_PARAMETER_VALUE")


def test_a_missing_required_field_is_a_400_naming_it(invoke: Invoke) -> None:
    event = sample_event("create_model_version")
    event["body"] = json.dumps({"name": MODEL})
    assert invoke("create_model_version", event) == (
        400,
        {"error_code": "INVALID_PARAMETER_VALUE", "message": "Missing value for required parameter 'source'."},
    )


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        (json.dumps({"name": 12}), "Invalid value 12 for parameter 'name'"),
        (json.dumps({"name": MODEL, "tags": [{"key": "k"}]}), "Missing value for required parameter 'tags.0.value'"),
    ],
)
def test_malformed_bodies_are_client_errors(invoke: Invoke, body: str, fragment: str) -> None:
    event = sample_event("create_registered_model")
    event["body"] = body
    status, answer = invoke("create_registered_model", event)
    assert status == 400
    assert answer["error_code"] == "INVALID_PARAMETER_VALUE"
    assert fragment in answer["message"]


def test_get_reads_lists_from_repeated_query_keys(invoke: Invoke) -> None:
    invoke("create_registered_model")
    invoke("create_model_version")
    invoke("create_model_version")
    invoke("transition_model_version_stage", version="2", stage="Staging")
    status, body = invoke("get_latest_versions", sample_event("get_latest_versions_get"))
    assert status == 200
    assert [v["version"] for v in body["model_versions"]] == ["2"]


def test_an_unexpected_failure_is_a_generic_500_with_no_details(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_: Any, **__: Any) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr("registry_core.store.dynamodb.DynamoDbRegistryStore.get_model", explode)
    status, body = invoke("get_registered_model")
    assert status == 500
    assert body["error_code"] == "INTERNAL_ERROR"
    assert "secret" not in body["message"]


def test_the_permission_events_grant_and_hide_and_a_stranger_is_refused(invoke: Invoke) -> None:
    invoke("create_registered_model")
    status, body = invoke("get_model_permissions")
    assert (status, body["permissions"]) == (200, {"arn:aws:iam::123456789012:user/data-scientist": "MANAGE"})
    status, body = invoke("set_model_permission")
    assert body["permissions"]["arn:aws:iam::123456789012:role/fraud-reviewers"] == "EDIT"
    assert invoke("set_model_private")[1]["private"] is True
    assert "arn:aws:iam::123456789012:role/fraud-reviewers" not in invoke("delete_model_permission")[1]["permissions"]

    stranger = sample_event("set_registered_model_tag")
    stranger["requestContext"]["authorizer"]["iam"]["userArn"] = "arn:aws:iam::123456789012:user/stranger"
    status, body = invoke("set_registered_model_tag", stranger)
    assert (status, body["error_code"]) == (403, "PERMISSION_DENIED")
    status, body = invoke("get_registered_model", _as_stranger(sample_event("get_registered_model")))
    assert status == 403  # private
    assert [m["name"] for m in invoke("search_registered_models")[1]["registered_models"]] == [MODEL]
    status, body = invoke("search_registered_models", _as_stranger(sample_event("search_registered_models")))
    assert (status, body.get("registered_models", [])) == (200, [])


def _as_stranger(event: dict[str, Any]) -> dict[str, Any]:
    event["requestContext"]["authorizer"]["iam"]["userArn"] = "arn:aws:iam::123456789012:user/stranger"
    return event


def test_admin_principals_from_the_configuration_hold_every_permission(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoke("create_registered_model")
    monkeypatch.setenv("SMR_ADMIN_PRINCIPALS", "arn:aws:iam::123456789012:role/admin, other")
    settings.cache_clear()
    event = sample_event("set_model_private")
    event["requestContext"]["authorizer"]["iam"]["userArn"] = "arn:aws:iam::123456789012:role/admin"
    assert invoke("set_model_private", event)[0] == 200
    assert invoke("set_model_private", _as_stranger(sample_event("set_model_private")))[0] == 403
