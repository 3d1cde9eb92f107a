"""Typed errors. Each carries MLflow's `error_code` and the HTTP status, so callers branch on types, not strings."""

from __future__ import annotations

from typing import Any, ClassVar


class SmrError(Exception):
    """Base of every error the SDK raises for an answer of the registry (or of API Gateway in front of it)."""

    default_code: ClassVar[str] = "INTERNAL_ERROR"

    def __init__(self, message: str, *, error_code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.error_code = error_code or self.default_code
        self.status = status

    def __str__(self) -> str:
        return f"{self.error_code}: {self.message}"


class InvalidParameterValue(SmrError):
    default_code = "INVALID_PARAMETER_VALUE"


class ResourceDoesNotExist(SmrError):
    default_code = "RESOURCE_DOES_NOT_EXIST"


class ResourceAlreadyExists(SmrError):
    default_code = "RESOURCE_ALREADY_EXISTS"


class PermissionDenied(SmrError):
    """The caller's IAM identity may not do this: API Gateway refused the signature, or the model's permissions."""

    default_code = "PERMISSION_DENIED"


class TemporarilyUnavailable(SmrError):
    default_code = "TEMPORARILY_UNAVAILABLE"


class RequestLimitExceeded(SmrError):
    default_code = "REQUEST_LIMIT_EXCEEDED"


class ArtifactIntegrityError(SmrError):
    """A downloaded or uploaded file does not have the SHA-256 the registry's manifest says it has."""

    default_code = "ARTIFACT_CHECKSUM_MISMATCH"


class VersionRegistrationFailed(SmrError):
    """An uploaded version ended in FAILED_REGISTRATION."""

    default_code = "FAILED_REGISTRATION"


_BY_CODE: dict[str, type[SmrError]] = {
    "INVALID_PARAMETER_VALUE": InvalidParameterValue,
    "BAD_REQUEST": InvalidParameterValue,
    "RESOURCE_DOES_NOT_EXIST": ResourceDoesNotExist,
    "ENDPOINT_NOT_FOUND": ResourceDoesNotExist,
    "NOT_FOUND": ResourceDoesNotExist,
    "RESOURCE_ALREADY_EXISTS": ResourceAlreadyExists,
    "PERMISSION_DENIED": PermissionDenied,
    "UNAUTHENTICATED": PermissionDenied,
    "TEMPORARILY_UNAVAILABLE": TemporarilyUnavailable,
    "REQUEST_LIMIT_EXCEEDED": RequestLimitExceeded,
}
_BY_STATUS: dict[int, type[SmrError]] = {
    400: InvalidParameterValue,
    401: PermissionDenied,
    403: PermissionDenied,
    404: ResourceDoesNotExist,
    409: ResourceAlreadyExists,
    429: RequestLimitExceeded,
    503: TemporarilyUnavailable,
}


def error_from_response(status: int, body: Any, fallback_text: str = "") -> SmrError:
    """The typed error for an HTTP answer: MLflow's `{"error_code", "message"}` or API Gateway's `{"message"}`."""
    if isinstance(body, dict) and body.get("error_code"):
        code = str(body["error_code"])
        cls = _BY_CODE.get(code, _BY_STATUS.get(status, SmrError))
        return cls(str(body.get("message", "")), error_code=code, status=status)
    message = str(body.get("message") or body.get("Message") or "") if isinstance(body, dict) else ""
    cls = _BY_STATUS.get(status, SmrError)
    return cls(message or fallback_text or f"HTTP {status}", status=status)
