"""DELETE /api/2.0/mlflow/registered-models/delete"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import ModelName
from registry_core.wiring import registry_service


@endpoint(ModelName)
def handler(request: ModelName, caller: Caller) -> dict[str, Any]:
    registry_service(caller).delete_registered_model(request.name)
    return {}
