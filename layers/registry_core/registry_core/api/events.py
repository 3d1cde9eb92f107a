"""Reading an API Gateway HTTP API payload v2.0 event."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qs

from registry_core.domain.errors import InvalidParameterValue
from registry_core.domain.limits import MAX_REQUEST_BODY_BYTES
from registry_core.domain.validation import load_json_object


def method(event: dict[str, Any]) -> str:
    return str(event.get("requestContext", {}).get("http", {}).get("method", "GET")).upper()


def query_parameters(event: dict[str, Any]) -> dict[str, list[str]]:
    """Query parameters with repeated keys kept as lists (API Gateway's queryStringParameters joins them)."""
    raw = event.get("rawQueryString")
    if raw:
        return parse_qs(raw, keep_blank_values=True)
    joined = event.get("queryStringParameters") or {}
    return {key: value.split(",") for key, value in joined.items()}


def json_body(event: dict[str, Any]) -> dict[str, Any]:
    body = event.get("body")
    if not body:
        return {}
    # Refused before any decoding when even its encoded length says too much (base64 is 4/3 of the bytes).
    encoded_limit = MAX_REQUEST_BODY_BYTES * 4 // 3 + 4 if event.get("isBase64Encoded") else MAX_REQUEST_BODY_BYTES * 4
    if len(body) > encoded_limit:
        raise InvalidParameterValue(f"The request body exceeds {MAX_REQUEST_BODY_BYTES} bytes.")
    if event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(body).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            raise InvalidParameterValue("The request body is not valid base64-encoded UTF-8.") from None
    if len(body.encode("utf-8", errors="surrogatepass")) > MAX_REQUEST_BODY_BYTES:
        raise InvalidParameterValue(f"The request body exceeds {MAX_REQUEST_BODY_BYTES} bytes.")
    return load_json_object(body, "The request body")


def principal(event: dict[str, Any]) -> str | None:
    """The caller's IAM identity, as API Gateway's IAM authorizer reports it."""
    iam = (event.get("requestContext", {}).get("authorizer") or {}).get("iam") or {}
    return iam.get("userArn") or iam.get("callerId") or None


def request_id(event: dict[str, Any]) -> str:
    return str(event.get("requestContext", {}).get("requestId", ""))


def path_parameters(event: dict[str, Any]) -> dict[str, str]:
    """The route's `{name}` path parameters (API Gateway URL-decodes them)."""
    return {str(key): str(value) for key, value in (event.get("pathParameters") or {}).items()}
