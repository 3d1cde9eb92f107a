"""Domain errors. Each carries MLflow's error code; the API maps it to MLflow's HTTP status in one place."""

from __future__ import annotations

from typing import ClassVar


class RegistryError(Exception):
    """Base of every error the registry reports to a client."""

    error_code: ClassVar[str] = "INTERNAL_ERROR"
    http_status: ClassVar[int] = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidParameterValue(RegistryError):
    error_code = "INVALID_PARAMETER_VALUE"
    http_status = 400


class ResourceDoesNotExist(RegistryError):
    error_code = "RESOURCE_DOES_NOT_EXIST"
    http_status = 404


class ResourceAlreadyExists(RegistryError):
    error_code = "RESOURCE_ALREADY_EXISTS"
    http_status = 400


class PermissionDenied(RegistryError):
    error_code = "PERMISSION_DENIED"
    http_status = 403


class EndpointNotFound(RegistryError):
    error_code = "ENDPOINT_NOT_FOUND"
    http_status = 404


class TemporarilyUnavailable(RegistryError):
    """A write raced a rename or delete in progress, or lost too many optimistic retries.

    503 makes the stock mlflow client retry with backoff, which is what the caller wants.
    """

    error_code = "TEMPORARILY_UNAVAILABLE"
    http_status = 503


class RequestLimitExceeded(RegistryError):
    error_code = "REQUEST_LIMIT_EXCEEDED"
    http_status = 429


class InternalError(RegistryError):
    error_code = "INTERNAL_ERROR"
    http_status = 500


class ResourceConflict(RegistryError):
    """The caller's expectation of the current state no longer holds (an optimistic alias move lost a race)."""

    error_code = "RESOURCE_CONFLICT"
    http_status = 409
