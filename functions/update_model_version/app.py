"""PATCH /api/2.0/mlflow/model-versions/update"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import UpdateModelVersion
from registry_core.api.responses import model_version_json
from registry_core.wiring import registry_service


@endpoint(UpdateModelVersion)
def handler(request: UpdateModelVersion, caller: Caller) -> dict[str, Any]:
    version = registry_service(caller).update_model_version(request.name, request.version, request.description)
    return {"model_version": model_version_json(version)}
