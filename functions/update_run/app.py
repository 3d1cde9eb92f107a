"""POST /api/2.0/mlflow/runs/update"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.tracking_requests import UpdateRun
from registry_core.api.tracking_responses import run_json
from registry_core.wiring import tracking_service


@endpoint(UpdateRun)
def handler(request: UpdateRun, caller: Caller) -> dict[str, Any]:
    run = tracking_service(caller).update_run(request.run_id, request.status, request.end_time, request.run_name)
    return {"run_info": run_json(run)["info"]}
