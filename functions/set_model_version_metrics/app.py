"""POST /api/2.0/smr/model-versions/metrics: add metrics and params (MLflow 3's shapes) to a version."""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import SetModelVersionMetrics, param_dict
from registry_core.api.responses import model_version_json
from registry_core.wiring import governance_service


@endpoint(SetModelVersionMetrics)
def handler(request: SetModelVersionMetrics, caller: Caller) -> dict[str, Any]:
    version = governance_service(caller).set_model_version_metrics(
        request.name, request.version, request.model_metrics, param_dict(request.model_params)
    )
    return {"model_version": model_version_json(version)}
