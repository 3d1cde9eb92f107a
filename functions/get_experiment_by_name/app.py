"""GET /api/2.0/mlflow/experiments/get-by-name"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.tracking_requests import GetExperimentByName
from registry_core.api.tracking_responses import experiment_json
from registry_core.wiring import tracking_service


@endpoint(GetExperimentByName)
def handler(request: GetExperimentByName, caller: Caller) -> dict[str, Any]:
    return {"experiment": experiment_json(tracking_service(caller).get_experiment_by_name(request.experiment_name))}
