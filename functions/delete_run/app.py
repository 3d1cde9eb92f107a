"""POST /api/2.0/mlflow/runs/delete"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.tracking_requests import RunRequest
from registry_core.wiring import tracking_service


@endpoint(RunRequest)
def handler(request: RunRequest, caller: Caller) -> dict[str, Any]:
    tracking_service(caller).delete_run(request.run_id)
    return {}
