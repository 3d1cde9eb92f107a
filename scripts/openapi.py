"""Generate the OpenAPI 3.1 document of every route: template.yaml's routes, each with its function's request model.

template.yaml is the only route table; each function's handler carries the pydantic model it parses its request
into (`@endpoint(Model)` sets `handler.request_model`). A GET route reads its fields from the query string, any other
method from a JSON body; `{name}` path parameters override both. Every error is MLflow's `{error_code, message}`.

    python scripts/openapi.py            # write functions/get_openapi/openapi.json (served by GET openapi.json)
    python scripts/openapi.py --check    # exit 1 if the checked-in document is stale
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
for _path in ("layers/registry_core", "local"):
    if str(REPO_ROOT / _path) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT / _path))

from pydantic import BaseModel  # noqa: E402

from smr_local.template import Route, http_routes, load_template  # noqa: E402

DOCUMENT_PATH = REPO_ROOT / "functions" / "get_openapi" / "openapi.json"
SCHEMA_REF = "#/components/schemas/{model}"
_PATH_PARAMETER = re.compile(r"{(\w+)}")
ERROR_SCHEMA = {
    "type": "object",
    "description": "MLflow's error shape; API Gateway's own errors carry `message` too.",
    "properties": {"error_code": {"type": "string"}, "message": {"type": "string"}},
    "required": ["error_code", "message"],
}


def _request_model(route: Route) -> tuple[type[BaseModel], str]:
    """The request model of a route's handler, and the first line of its module's docstring."""
    app = REPO_ROOT / route.code_uri / "app.py"
    spec = importlib.util.spec_from_file_location(f"smr_openapi_{route.function_id}", app)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model: type[BaseModel] = module.handler.request_model
    return model, (module.__doc__ or "").strip().splitlines()[0]


def _register(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    """The model's own schema; the models it nests go to components (one definition per name)."""
    schema = model.model_json_schema(by_alias=True, ref_template=SCHEMA_REF, mode="validation")
    for name, definition in schema.pop("$defs", {}).items():
        if components.setdefault(name, definition) != definition:
            raise ValueError(f"two request models named {name} differ; rename one")
    return schema


def _query_parameters(schema: dict[str, Any], skip: set[str]) -> list[dict[str, Any]]:
    required = set(schema.get("required", []))
    parameters = []
    for name, field in schema.get("properties", {}).items():
        if name in skip:
            continue
        parameter: dict[str, Any] = {"name": name, "in": "query", "required": name in required, "schema": field}
        if field.get("type") == "array":
            parameter.update(style="form", explode=True)  # repeated keys, as MLflow's server reads lists
        parameters.append(parameter)
    return parameters


def _without(schema: dict[str, Any], names: set[str]) -> dict[str, Any]:
    body = copy.deepcopy(schema)
    for name in names:
        body.get("properties", {}).pop(name, None)
    if "required" in body:
        body["required"] = [name for name in body["required"] if name not in names]
        if not body["required"]:
            del body["required"]
    return body


def _operation(route: Route, operation_id: str, components: dict[str, Any]) -> dict[str, Any]:
    model, summary = _request_model(route)
    schema = _register(model, components)
    path_names = set(_PATH_PARAMETER.findall(route.path))
    properties = schema.get("properties", {})
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": properties.get(name, {"type": "string"})}
        for name in sorted(path_names)
    ]
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "tags": ["mlflow" if route.path.startswith("/api/2.0/mlflow/") else "smr"],
    }
    if route.method == "GET":
        parameters += _query_parameters(schema, path_names)
    else:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _without(schema, path_names)}},
        }
    if parameters:
        operation["parameters"] = parameters
    operation["responses"] = {
        "200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}},
        "default": {
            "description": "An error, in MLflow's shape",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        },
    }
    return operation


# The console's static pages (GET / and /console/*, docs/console.md) are not part of the API.
API_PREFIX = "/api/"


def build_document() -> dict[str, Any]:
    routes = [route for route in http_routes(load_template()) if route.path.startswith(API_PREFIX)]
    routes_per_function: dict[str, int] = {}
    for route in routes:
        routes_per_function[route.function_id] = routes_per_function.get(route.function_id, 0) + 1
    components: dict[str, Any] = {}
    paths: dict[str, dict[str, Any]] = {}
    for route in sorted(routes, key=lambda r: (r.path, r.method)):
        operation_id = Path(route.code_uri).name
        if routes_per_function[route.function_id] > 1:
            operation_id += f"_{route.method.lower()}"
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, operation_id, components)
    components["Error"] = ERROR_SCHEMA
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "smr",
            "version": "2.0",
            "description": (
                "MLflow's Model Registry and tracking REST API, and smr's extensions, as served by smr. Generated from"
                " template.yaml and the request models by scripts/openapi.py; do not edit."
            ),
        },
        "security": [{"sigv4": []}],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(components.items())),
            "securitySchemes": {
                "sigv4": {
                    "type": "apiKey",
                    "name": "Authorization",
                    "in": "header",
                    "description": "AWS SigV4 (service execute-api), checked by API Gateway's IAM authorizer.",
                }
            },
        },
    }


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=1, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail if the checked-in document is stale")
    options = parser.parse_args(argv)
    # Handlers are imported only for their request models; importing one reads the settings, which need a table name.
    os.environ.setdefault("SMR_TABLE_NAME", "smr-openapi-generation")
    text = render(build_document())
    if options.check:
        if not DOCUMENT_PATH.exists() or DOCUMENT_PATH.read_text(encoding="utf-8") != text:
            print(f"{DOCUMENT_PATH.relative_to(REPO_ROOT)} is stale: run python scripts/openapi.py", file=sys.stderr)
            return 1
        return 0
    DOCUMENT_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {DOCUMENT_PATH.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
