"""DELETE /api/2.0/mlflow/model-versions/delete"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import ModelVersionRef
from registry_core.wiring import registry_service


@endpoint(ModelVersionRef)
def handler(request: ModelVersionRef, caller: Caller) -> dict[str, Any]:
    registry_service(caller).delete_model_version(request.name, request.version)
    return {}
