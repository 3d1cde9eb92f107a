"""Reading an API Gateway HTTP API payload v2.0 event."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qs

from registry_core.domain.errors import InvalidParameterValue
from registry_core.domain.limits import MAX_JSON_DEPTH, MAX_REQUEST_BODY_BYTES


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
    try:
        parsed = json.loads(body)
    except json.JSONDecodeError as error:
        raise InvalidParameterValue(f"The request body is not valid JSON: {error.msg}.") from None
    except RecursionError:
        raise InvalidParameterValue(f"The request body nests deeper than {MAX_JSON_DEPTH} levels.") from None
    except ValueError as error:  # e.g. an integer of more than 4,300 digits
        raise InvalidParameterValue(f"The request body is not valid JSON: {error}.") from None
    if not isinstance(parsed, dict):
        raise InvalidParameterValue("The request body must be a JSON object.")
    check_document(parsed)
    return parsed


def check_document(document: Any) -> None:
    """Refuse a document nested deeper than MAX_JSON_DEPTH or holding a string that is not valid UTF-8.

    JSON may escape a lone surrogate ("\\ud800"); such a string cannot be stored (DynamoDB, S3 and every client
    need UTF-8), so it is refused here rather than failing deep inside a write.
    """
    pending: list[tuple[Any, int]] = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            raise InvalidParameterValue(f"The request nests deeper than {MAX_JSON_DEPTH} levels.")
        if isinstance(value, str):
            _check_text(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                _check_text(key)
                pending.append((item, depth + 1))
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidParameterValue("The request holds a string that is not valid UTF-8 (a lone surrogate).") from None


def principal(event: dict[str, Any]) -> str | None:
    """The caller's IAM identity, as API Gateway's IAM authorizer reports it."""
    iam = (event.get("requestContext", {}).get("authorizer") or {}).get("iam") or {}
    return iam.get("userArn") or iam.get("callerId") or None


def request_id(event: dict[str, Any]) -> str:
    return str(event.get("requestContext", {}).get("requestId", ""))


def path_parameters(event: dict[str, Any]) -> dict[str, str]:
    """The route's `{name}` path parameters (API Gateway URL-decodes them)."""
    return {str(key): str(value) for key, value in (event.get("pathParameters") or {}).items()}
