"""GET /api/2.0/mlflow/runs/get"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.tracking_requests import RunRequest
from registry_core.api.tracking_responses import run_json
from registry_core.wiring import tracking_service


@endpoint(RunRequest)
def handler(request: RunRequest, caller: Caller) -> dict[str, Any]:
    return {"run": run_json(tracking_service(caller).get_run(request.run_id))}
