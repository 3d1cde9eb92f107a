"""GET /api/2.0/mlflow/registered-models/get"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import ModelName
from registry_core.api.responses import registered_model_json
from registry_core.wiring import registry_service


@endpoint(ModelName)
def handler(request: ModelName, caller: Caller) -> dict[str, Any]:
    model = registry_service(caller).get_registered_model(request.name)
    return {"registered_model": registered_model_json(model)}
