"""POST /api/2.0/mlflow/experiments/update"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.tracking_requests import UpdateExperiment
from registry_core.wiring import tracking_service


@endpoint(UpdateExperiment)
def handler(request: UpdateExperiment, caller: Caller) -> dict[str, Any]:
    tracking_service(caller).update_experiment(request.experiment_id, request.new_name)
    return {}
