"""template.yaml for tests: the same loader and builders as the local server (smr_local.template), so neither can
drift from the deployed stack, plus a few questions only the tests ask."""

from __future__ import annotations

from functools import cache
from typing import Any

from smr_local.template import (
    BUCKET_TYPE,
    FUNCTION_TYPE,
    HTTP_API_TYPE,
    REPO_ROOT,
    TABLE_TYPE,
    TEMPLATE_PATH,
    CloudFormationLoader,
    FunctionSettings,
    Route,
    StackContext,
    Template,
    bucket_name,
    create_bucket,
    create_table,
    function_environment,
    function_settings,
    http_routes,
    load_template,
    resolve,
    resources_of_type,
    single_resource,
    table_definition,
)

__all__ = [
    "BUCKET_TYPE",
    "FUNCTION_TYPE",
    "HTTP_API_TYPE",
    "REPO_ROOT",
    "TABLE_TYPE",
    "TEMPLATE_PATH",
    "CloudFormationLoader",
    "FunctionSettings",
    "Route",
    "StackContext",
    "Template",
    "bucket_name",
    "create_bucket",
    "create_table",
    "function_environment",
    "function_settings",
    "function_statements",
    "http_routes",
    "load_template",
    "policy_actions",
    "resolve",
    "resources_of_type",
    "single_resource",
    "stack_template",
    "table_definition",
]


@cache
def _cached_template() -> Template:
    return load_template()


def stack_template() -> Template:
    """template.yaml, read once per test session (callers must not modify it)."""
    return _cached_template()


def function_statements(template: Template, function_id: str) -> list[dict[str, Any]]:
    """Every inline IAM statement of a function's Policies (SAM policy templates and managed names are refused)."""
    statements: list[dict[str, Any]] = []
    for policy in template["Resources"][function_id].get("Properties", {}).get("Policies", []):
        if not isinstance(policy, dict) or set(policy) != {"Statement"}:
            raise AssertionError(f"{function_id}: only inline {{Statement: [...]}} policies are expected, got {policy}")
        statement = policy["Statement"]
        statements.extend(statement if isinstance(statement, list) else [statement])
    return statements


def policy_actions(template: Template, function_id: str) -> set[str]:
    """The actions a function's statements allow (Deny statements subtract nothing here; there are none)."""
    actions: set[str] = set()
    for statement in function_statements(template, function_id):
        if statement.get("Effect") != "Allow":
            continue
        action = statement.get("Action", [])
        actions.update([action] if isinstance(action, str) else action)
    return actions
