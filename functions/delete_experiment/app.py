"""POST /api/2.0/mlflow/experiments/delete"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.tracking_requests import ExperimentRef
from registry_core.wiring import tracking_service


@endpoint(ExperimentRef)
def handler(request: ExperimentRef, caller: Caller) -> dict[str, Any]:
    tracking_service(caller).delete_experiment(request.experiment_id)
    return {}
