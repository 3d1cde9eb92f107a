"""The OpenAPI document: generated from template.yaml and the request models, checked in, and served."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from scripts import openapi
from smr_local.template import http_routes, load_template

from .conftest import reset_wiring
from .test_handlers import Invoke, invoke, sample_event

__all__ = ["invoke"]


@pytest.fixture(autouse=True)
def _configured(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The generator imports every handler (for its request model), and a handler reads the settings on import."""
    monkeypatch.setenv("SMR_TABLE_NAME", "smr-openapi-test")
    reset_wiring()
    yield
    reset_wiring()


def test_the_checked_in_document_is_what_the_generator_makes() -> None:
    # A new route, or a changed request model, must come with `python scripts/openapi.py` (run it, then commit).
    assert openapi.DOCUMENT_PATH.read_text(encoding="utf-8") == openapi.render(openapi.build_document())


def test_every_route_of_the_template_is_documented_once() -> None:
    document: dict[str, Any] = json.loads(openapi.DOCUMENT_PATH.read_text(encoding="utf-8"))
    documented = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    api_routes = {
        (route.method, route.path)
        for route in http_routes(load_template())
        if route.path.startswith(openapi.API_PREFIX)
    }
    assert documented == api_routes
    operation_ids = [operation["operationId"] for item in document["paths"].values() for operation in item.values()]
    assert len(operation_ids) == len(set(operation_ids))


def test_a_get_route_takes_its_fields_from_the_query_and_a_post_from_its_body() -> None:
    paths = openapi.build_document()["paths"]
    get = paths["/api/2.0/mlflow/model-versions/get"]["get"]
    assert {(p["name"], p["in"], p["required"]) for p in get["parameters"]} == {
        ("name", "query", True),
        ("version", "query", True),
    }
    create = paths["/api/2.0/mlflow/registered-models/create"]["post"]
    body = create["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["name"] and "tags" in body["properties"]
    # Path parameters are parameters, not body fields.
    update = paths["/api/2.0/mlflow/webhooks/{webhook_id}"]["patch"]
    assert [p["name"] for p in update["parameters"]] == ["webhook_id"]
    assert "webhook_id" not in update["requestBody"]["content"]["application/json"]["schema"]["properties"]


def test_the_document_is_served_at_its_route(invoke: Invoke) -> None:
    status, body = invoke("get_openapi", sample_event("get_openapi"))
    assert status == 200
    assert body["openapi"] == "3.1.0"
    assert "/api/2.0/smr/openapi.json" in body["paths"]
