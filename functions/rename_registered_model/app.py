"""POST /api/2.0/mlflow/registered-models/rename"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import RenameRegisteredModel
from registry_core.api.responses import registered_model_json
from registry_core.wiring import registry_service


@endpoint(RenameRegisteredModel)
def handler(request: RenameRegisteredModel, caller: Caller) -> dict[str, Any]:
    model = registry_service(caller).rename_registered_model(request.name, request.new_name)
    return {"registered_model": registered_model_json(model)}
