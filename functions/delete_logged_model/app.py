"""DELETE /api/2.0/mlflow/logged-models/{model_id}"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.tracking_requests import LoggedModelRef
from registry_core.wiring import tracking_service


@endpoint(LoggedModelRef)
def handler(request: LoggedModelRef, caller: Caller) -> dict[str, Any]:
    tracking_service(caller).delete_logged_model(request.model_id)
    return {}
