"""GET /api/2.0/mlflow/metrics/get-history"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.tracking_requests import GetMetricHistory
from registry_core.api.tracking_responses import metric_json
from registry_core.wiring import tracking_service


@endpoint(GetMetricHistory)
def handler(request: GetMetricHistory, caller: Caller) -> dict[str, Any]:
    page = tracking_service(caller).get_metric_history(
        request.run_id, request.metric_key, request.max_results, request.page_token
    )
    body: dict[str, Any] = {"metrics": [metric_json(metric) for metric in page.items]}
    if page.next_page_token:
        body["next_page_token"] = page.next_page_token
    return body
