"""POST /api/2.0/mlflow/runs/log-metric"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.tracking_requests import LogMetric, MetricIn
from registry_core.domain.tracking import Metric
from registry_core.wiring import tracking_service


@endpoint(LogMetric)
def handler(request: LogMetric, caller: Caller) -> dict[str, Any]:
    metric = Metric.model_validate(request.model_dump(include=set(MetricIn.model_fields)))
    tracking_service(caller).log_metric(request.run_id, metric)
    return {}
