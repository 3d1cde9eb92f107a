"""POST /api/2.0/mlflow/runs/log-batch"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import tag_dict
from registry_core.api.tracking_requests import LogBatch
from registry_core.domain.tracking import Metric
from registry_core.wiring import tracking_service


@endpoint(LogBatch)
def handler(request: LogBatch, caller: Caller) -> dict[str, Any]:
    metrics = [Metric.model_validate(metric.model_dump()) for metric in request.metrics]
    params = {param.key: param.value for param in request.params}
    tracking_service(caller).log_batch(
        request.run_id, metrics, params, tag_dict(request.tags), [param.key for param in request.params]
    )
    return {}
