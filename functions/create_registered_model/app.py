"""POST /api/2.0/mlflow/registered-models/create"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import CreateRegisteredModel, tag_dict
from registry_core.api.responses import registered_model_json
from registry_core.wiring import registry_service


@endpoint(CreateRegisteredModel)
def handler(request: CreateRegisteredModel, caller: Caller) -> dict[str, Any]:
    model = registry_service(caller).create_registered_model(request.name, tag_dict(request.tags), request.description)
    return {"registered_model": registered_model_json(model)}
