"""POST /api/2.0/mlflow/runs/outputs"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.tracking_requests import LogOutputs
from registry_core.domain.tracking import ModelOutput
from registry_core.wiring import tracking_service


@endpoint(LogOutputs)
def handler(request: LogOutputs, caller: Caller) -> dict[str, Any]:
    outputs = [ModelOutput(model_id=model.model_id, step=model.step) for model in request.models]
    tracking_service(caller).log_outputs(request.run_id, outputs)
    return {}
