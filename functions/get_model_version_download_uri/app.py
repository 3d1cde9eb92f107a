"""GET /api/2.0/mlflow/model-versions/get-download-uri"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import ModelVersionRef
from registry_core.wiring import registry_service


@endpoint(ModelVersionRef)
def handler(request: ModelVersionRef, caller: Caller) -> dict[str, Any]:
    return {"artifact_uri": registry_service(caller).get_model_version_download_uri(request.name, request.version)}
