"""POST /api/2.0/mlflow/runs/log-parameter"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.tracking_requests import LogParam
from registry_core.wiring import tracking_service


@endpoint(LogParam)
def handler(request: LogParam, caller: Caller) -> dict[str, Any]:
    tracking_service(caller).log_param(request.run_id, request.key, request.value)
    return {}
