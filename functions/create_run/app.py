"""POST /api/2.0/mlflow/runs/create"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import tag_dict
from registry_core.api.tracking_requests import CreateRun
from registry_core.api.tracking_responses import run_json
from registry_core.wiring import tracking_service


@endpoint(CreateRun)
def handler(request: CreateRun, caller: Caller) -> dict[str, Any]:
    run = tracking_service(caller).create_run(
        request.experiment_id,
        request.user_id or caller.principal,
        request.start_time,
        tag_dict(request.tags),
        request.run_name,
    )
    return {"run": run_json(run)}
