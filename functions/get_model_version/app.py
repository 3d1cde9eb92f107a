"""GET /api/2.0/mlflow/model-versions/get"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import ModelVersionRef
from registry_core.api.responses import model_version_json
from registry_core.wiring import registry_service


@endpoint(ModelVersionRef)
def handler(request: ModelVersionRef, caller: Caller) -> dict[str, Any]:
    version = registry_service(caller).get_model_version(request.name, request.version)
    return {"model_version": model_version_json(version)}
