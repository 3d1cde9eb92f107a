"""POST /api/2.0/mlflow/logged-models"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import tag_dict
from registry_core.api.tracking_requests import CreateLoggedModel
from registry_core.api.tracking_responses import logged_model_json
from registry_core.wiring import tracking_service


@endpoint(CreateLoggedModel)
def handler(request: CreateLoggedModel, caller: Caller) -> dict[str, Any]:
    model = tracking_service(caller).create_logged_model(
        request.experiment_id,
        request.name,
        request.model_type,
        request.source_run_id,
        {param.key: param.value for param in request.params},
        tag_dict(request.tags),
    )
    return {"model": logged_model_json(model)}
