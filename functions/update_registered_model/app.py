"""PATCH /api/2.0/mlflow/registered-models/update"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import UpdateRegisteredModel
from registry_core.api.responses import registered_model_json
from registry_core.wiring import registry_service


@endpoint(UpdateRegisteredModel)
def handler(request: UpdateRegisteredModel, caller: Caller) -> dict[str, Any]:
    model = registry_service(caller).update_registered_model(request.name, request.description)
    return {"registered_model": registered_model_json(model)}
