"""PATCH /api/2.0/mlflow/logged-models/{model_id}"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.tracking_requests import FinalizeLoggedModel
from registry_core.api.tracking_responses import logged_model_json
from registry_core.wiring import tracking_service


@endpoint(FinalizeLoggedModel)
def handler(request: FinalizeLoggedModel, caller: Caller) -> dict[str, Any]:
    model = tracking_service(caller).finalize_logged_model(request.model_id, request.status)
    return {"model": logged_model_json(model)}
