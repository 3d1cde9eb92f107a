"""smr: the Python client and command line of smr, the serverless MLflow-compatible model registry.

from smr import SmrClient
client = SmrClient()                      # endpoint from SMR_ENDPOINT, AWS credentials from the usual chain
version = client.upload_version("churn", "model/", tags={"metric.accuracy": "0.97"})
client.promote_if("churn", version.version, metric="accuracy", threshold=0.95, stage="Production")
"""

from smr.client import SmrClient
from smr.errors import (
    ArtifactIntegrityError,
    InvalidParameterValue,
    PermissionDenied,
    RequestLimitExceeded,
    ResourceAlreadyExists,
    ResourceDoesNotExist,
    SmrError,
    TemporarilyUnavailable,
    VersionRegistrationFailed,
)
from smr.loading import load_model, parse_model_uri
from smr.models import ModelVersion, Page, Permissions, RegisteredModel
from smr.transport import RetryPolicy

__version__ = "0.1.0"

__all__ = [
    "ArtifactIntegrityError",
    "InvalidParameterValue",
    "ModelVersion",
    "Page",
    "PermissionDenied",
    "Permissions",
    "RegisteredModel",
    "RequestLimitExceeded",
    "ResourceAlreadyExists",
    "ResourceDoesNotExist",
    "RetryPolicy",
    "SmrClient",
    "SmrError",
    "TemporarilyUnavailable",
    "VersionRegistrationFailed",
    "__version__",
    "load_model",
    "parse_model_uri",
]
