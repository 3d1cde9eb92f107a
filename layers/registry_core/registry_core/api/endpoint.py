"""Turns an operation `(request, caller) -> body` into a Lambda handler. Errors are mapped here and only here."""

from __future__ import annotations

import json
import time
import typing
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools.logging import Logger
from pydantic import BaseModel, ValidationError

from registry_core.api import events
from registry_core.config import settings
from registry_core.domain.entities import Caller
from registry_core.domain.errors import InternalError, InvalidParameterValue, RegistryError
from registry_core.domain.validation import check_json_document, invalid_value, missing_value
from registry_core.store.refusals import refused_input

R = TypeVar("R", bound=BaseModel)
LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]

logger = Logger()


def _list_fields(model: type[BaseModel]) -> set[str]:
    return {name for name, field in model.model_fields.items() if typing.get_origin(field.annotation) is list}


def _raw_input(model: type[BaseModel], event: dict[str, Any]) -> dict[str, Any]:
    # Path parameters (/webhooks/{webhook_id}) take precedence over anything the body or query says.
    path = events.path_parameters(event)
    check_json_document(path)
    if events.method(event) != "GET":
        return {**events.json_body(event), **path}
    # GET carries its parameters in the query string; lists as repeated keys, as MLflow's server reads them.
    lists = _list_fields(model)
    query = {
        key: values if key in lists else values[0] for key, values in events.query_parameters(event).items() if values
    }
    check_json_document(query)
    return {**query, **path}


def _validation_message(error: ValidationError) -> str:
    first = error.errors()[0]
    path = ".".join(str(part) for part in first["loc"]) or "request"
    if first["type"] == "missing":
        return missing_value(path)
    return invalid_value(path, first.get("input"), first["msg"])


def parse_request(model: type[R], event: dict[str, Any]) -> R:
    try:
        return model.model_validate(_raw_input(model, event))
    except ValidationError as error:
        raise InvalidParameterValue(_validation_message(error)) from None


def json_response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body, separators=(",", ":")),
    }


def error_response(error: RegistryError) -> dict[str, Any]:
    return json_response(error.http_status, {"error_code": error.error_code, "message": error.message})


def endpoint(request_model: type[R]) -> Callable[[Callable[[R, Caller], dict[str, Any]]], LambdaHandler]:
    """Decorate an operation to make it a Lambda handler for an HTTP API v2.0 event."""

    def decorate(operation: Callable[[R, Caller], dict[str, Any]]) -> LambdaHandler:
        operation_name = operation.__module__.rsplit(".", 1)[-1] if operation.__module__ != "app" else ""

        def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
            started = time.perf_counter()
            principal = events.principal(event) or settings().default_principal
            caller = Caller(
                principal=principal,
                request_id=events.request_id(event) or getattr(context, "aws_request_id", ""),
                admin=principal in settings().admin_principals,
            )
            try:
                response = json_response(200, operation(parse_request(request_model, event), caller))
            except RegistryError as error:
                response = error_response(error)
            except Exception as error:
                refused = refused_input(error)
                if refused is not None:
                    # A value DynamoDB refuses (an empty or oversize key, ...) on a path that does not check it
                    # first: the client's error, answered as such, and logged so that the path gets its check.
                    logger.warning("DynamoDB refused a request value", extra={"error": str(error)})
                    response = error_response(refused)
                else:
                    # The details go to the log, never to the client.
                    logger.exception("unhandled error", extra={"request_id": caller.request_id})
                    response = error_response(InternalError("An internal error occurred; it has been logged."))
            logger.info(
                "request",
                extra={
                    "operation": operation_name or getattr(context, "function_name", ""),
                    "route": event.get("routeKey"),
                    "status": response["statusCode"],
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "request_id": caller.request_id,
                    "principal": caller.principal,
                },
            )
            return response

        handler.__wrapped__ = operation  # type: ignore[attr-defined]
        # What the route accepts: scripts/openapi.py documents every route from it.
        handler.request_model = request_model  # type: ignore[attr-defined]
        return handler

    return decorate
