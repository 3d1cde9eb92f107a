"""POST /api/2.0/mlflow/experiments/create"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import tag_dict
from registry_core.api.tracking_requests import CreateExperiment
from registry_core.wiring import tracking_service


@endpoint(CreateExperiment)
def handler(request: CreateExperiment, caller: Caller) -> dict[str, Any]:
    experiment_id = tracking_service(caller).create_experiment(
        request.name, request.artifact_location, tag_dict(request.tags)
    )
    return {"experiment_id": experiment_id}
