"""The wire protocol under the client, with plain `requests`: methods, parameters, statuses and error bodies.

GET takes query parameters (a list as the same key repeated); POST, PATCH and DELETE take a JSON body. Success is
200 with a JSON object; an error is a JSON object with at least error_code and message.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from smr_local.aws import LOCAL_ACCESS_KEY_ID, LOCAL_REGION, LOCAL_SECRET_ACCESS_KEY
from tests.e2e.conftest import Observe
from tests.e2e.scenarios import Scope
from tests.support.sigv4_auth import BotocoreSigV4

pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore::FutureWarning")]

API = "/api/2.0/mlflow"
TIMEOUT_S = 30
# Signed as the local server's key, as a caller of API Gateway must be (the oracle ignores the signature).
# botocore's signer: it signs repeated query keys as API Gateway checks them (see tests/support/sigv4_auth.py).
SIGNED = BotocoreSigV4(LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_ACCESS_KEY, LOCAL_REGION)
SEND: dict[str, Any] = {"timeout": TIMEOUT_S, "auth": SIGNED}


def exchange(s: Scope, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    """One request, reduced to what the protocol promises: the status, and the body's shape or error code."""
    response = requests.request(method, s.backend.url + API + path, **SEND, **kwargs)
    body = response.json()
    seen: dict[str, Any] = {"status": response.status_code, "json object": isinstance(body, dict)}
    if response.status_code == 200:
        seen["keys"] = sorted(body)
    else:
        seen["error_code"] = body.get("error_code")
        seen["has message"] = isinstance(body.get("message"), str) and bool(body["message"])
    return seen


def ok(*keys: str) -> dict[str, Any]:
    return {"status": 200, "json object": True, "keys": sorted(keys)}


def failed(status: int, error_code: str) -> dict[str, Any]:
    return {"status": status, "json object": True, "error_code": error_code, "has message": True}


def test_registered_model_calls(same_as_oracle: Observe) -> None:
    def scenario(s: Scope) -> dict[str, Any]:
        name = s.name()
        return {
            "create": exchange(s, "POST", "/registered-models/create", json={"name": name, "description": "d"}),
            "create again": exchange(s, "POST", "/registered-models/create", json={"name": name}),
            "get": exchange(s, "GET", "/registered-models/get", params={"name": name}),
            "get missing": exchange(s, "GET", "/registered-models/get", params={"name": s.name("missing")}),
            "update": exchange(s, "PATCH", "/registered-models/update", json={"name": name, "description": "e"}),
            "set tag": exchange(s, "POST", "/registered-models/set-tag", json={"name": name, "key": "k", "value": "v"}),
            "delete tag": exchange(s, "DELETE", "/registered-models/delete-tag", json={"name": name, "key": "k"}),
            "search": exchange(
                s, "GET", "/registered-models/search", params={"filter": f"name = '{name}'", "max_results": 5}
            ),
            "search, max_results too large": exchange(
                s, "GET", "/registered-models/search", params={"max_results": 1001}
            ),
            "search, bad filter": exchange(s, "GET", "/registered-models/search", params={"filter": "name ~ 'x'"}),
            "rename": exchange(
                s, "POST", "/registered-models/rename", json={"name": name, "new_name": s.name("renamed")}
            ),
            "delete": exchange(s, "DELETE", "/registered-models/delete", json={"name": s.name("renamed")}),
            "delete missing": exchange(s, "DELETE", "/registered-models/delete", json={"name": s.name("renamed")}),
        }

    assert same_as_oracle(scenario) == {
        "create": ok("registered_model"),
        "create again": failed(400, "RESOURCE_ALREADY_EXISTS"),
        "get": ok("registered_model"),
        "get missing": failed(404, "RESOURCE_DOES_NOT_EXIST"),
        "update": ok("registered_model"),
        "set tag": ok(),
        "delete tag": ok(),
        "search": ok("registered_models"),
        "search, max_results too large": failed(400, "INVALID_PARAMETER_VALUE"),
        "search, bad filter": failed(400, "INVALID_PARAMETER_VALUE"),
        "rename": ok("registered_model"),
        "delete": ok(),
        "delete missing": failed(404, "RESOURCE_DOES_NOT_EXIST"),
    }


def test_model_version_calls(same_as_oracle: Observe) -> None:
    def scenario(s: Scope) -> dict[str, Any]:
        name = s.name()
        exchange(s, "POST", "/registered-models/create", json={"name": name})
        version = {"name": name, "version": "1"}
        return {
            "create": exchange(s, "POST", "/model-versions/create", json={"name": name, "source": s.source("1")}),
            "get": exchange(s, "GET", "/model-versions/get", params=version),
            "get missing": exchange(s, "GET", "/model-versions/get", params={"name": name, "version": "9"}),
            "update": exchange(s, "PATCH", "/model-versions/update", json={**version, "description": "d"}),
            "set tag": exchange(s, "POST", "/model-versions/set-tag", json={**version, "key": "k", "value": "v"}),
            "delete tag": exchange(s, "DELETE", "/model-versions/delete-tag", json={**version, "key": "k"}),
            "download uri": exchange(s, "GET", "/model-versions/get-download-uri", params=version),
            "transition": exchange(
                s,
                "POST",
                "/model-versions/transition-stage",
                json={**version, "stage": "staging", "archive_existing_versions": False},
            ),
            "transition, bad stage": exchange(
                s,
                "POST",
                "/model-versions/transition-stage",
                json={**version, "stage": "Prod", "archive_existing_versions": False},
            ),
            "search": exchange(
                s, "GET", "/model-versions/search", params={"filter": f"name = '{name}'", "max_results": 5}
            ),
            "search, bad filter": exchange(s, "GET", "/model-versions/search", params={"filter": "stage = 'x'"}),
            "delete": exchange(s, "DELETE", "/model-versions/delete", json=version),
            "delete missing": exchange(s, "DELETE", "/model-versions/delete", json=version),
        }

    assert same_as_oracle(scenario) == {
        "create": ok("model_version"),
        "get": ok("model_version"),
        "get missing": failed(404, "RESOURCE_DOES_NOT_EXIST"),
        "update": ok("model_version"),
        "set tag": ok(),
        "delete tag": ok(),
        "download uri": ok("artifact_uri"),
        "transition": ok("model_version"),
        "transition, bad stage": failed(400, "INVALID_PARAMETER_VALUE"),
        "search": ok("model_versions"),
        "search, bad filter": failed(400, "INVALID_PARAMETER_VALUE"),
        "delete": ok(),
        "delete missing": failed(404, "RESOURCE_DOES_NOT_EXIST"),
    }


def test_alias_calls(same_as_oracle: Observe) -> None:
    def scenario(s: Scope) -> dict[str, Any]:
        name = s.name()
        exchange(s, "POST", "/registered-models/create", json={"name": name})
        exchange(s, "POST", "/model-versions/create", json={"name": name, "source": s.source("1")})
        alias = {"name": name, "alias": "champion"}
        return {
            "set": exchange(s, "POST", "/registered-models/alias", json={**alias, "version": "1"}),
            "reserved": exchange(s, "POST", "/registered-models/alias", json={**alias, "alias": "v2", "version": "1"}),
            "get": exchange(s, "GET", "/registered-models/alias", params=alias),
            "delete": exchange(s, "DELETE", "/registered-models/alias", json=alias),
        }

    assert same_as_oracle(scenario) == {
        "set": ok(),
        "reserved": failed(400, "INVALID_PARAMETER_VALUE"),
        "get": ok("model_version"),
        "delete": ok(),
    }


def test_get_latest_versions_takes_repeated_query_keys_and_a_json_body(same_as_oracle: Observe) -> None:
    def scenario(s: Scope) -> dict[str, Any]:
        name = s.name()
        s.client.create_registered_model(name)
        for index in range(1, 4):
            s.client.create_model_version(name, s.source(str(index)))
        s.client.transition_model_version_stage(name, "1", "Staging")
        s.client.transition_model_version_stage(name, "2", "Production")
        path = s.backend.url + API + "/registered-models/get-latest-versions"

        def versions(response: requests.Response) -> Any:
            body = response.json()
            if response.status_code != 200:
                return {"status": response.status_code, "error_code": body.get("error_code")}
            return sorted((v["version"], v["current_stage"]) for v in body["model_versions"])

        return {
            # requests sends a list as the key repeated: ?name=..&stages=Staging&stages=Production
            "GET, repeated stages": versions(
                requests.get(path, params={"name": name, "stages": ["Staging", "Production"]}, **SEND)
            ),
            "GET, no stages": versions(requests.get(path, params={"name": name}, **SEND)),
            "POST, JSON body": versions(
                requests.post(path, json={"name": name, "stages": ["Production", "None"]}, **SEND)
            ),
            "POST, bad stage": versions(requests.post(path, json={"name": name, "stages": ["Prod"]}, **SEND)),
        }

    assert same_as_oracle(scenario) == {
        "GET, repeated stages": [("1", "Staging"), ("2", "Production")],
        "GET, no stages": [("1", "Staging"), ("2", "Production"), ("3", "None")],
        "POST, JSON body": [("2", "Production"), ("3", "None")],
        "POST, bad stage": {"status": 400, "error_code": "INVALID_PARAMETER_VALUE"},
    }


def test_search_pages_carry_a_next_page_token_until_the_last(same_as_oracle: Observe) -> None:
    def scenario(s: Scope) -> dict[str, Any]:
        for index in range(3):
            s.client.create_registered_model(s.name(str(index)))
        path = s.backend.url + API + "/registered-models/search"
        query = {"filter": f"name LIKE '{s.prefix}-%'", "max_results": 2}
        first = requests.get(path, params=query, **SEND).json()
        second = requests.get(path, params={**query, "page_token": first["next_page_token"]}, **SEND).json()
        return {
            "first": [m["name"] for m in first["registered_models"]],
            "first has token": bool(first.get("next_page_token")),
            "second": [m["name"] for m in second["registered_models"]],
            "second has token": bool(second.get("next_page_token")),
        }

    assert same_as_oracle(scenario) == {
        "first": ["<p>-0", "<p>-1"],
        "first has token": True,
        "second": ["<p>-2"],
        "second has token": False,
    }
