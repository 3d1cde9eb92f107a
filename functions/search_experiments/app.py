"""POST /api/2.0/mlflow/experiments/search"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.tracking_requests import SearchExperiments
from registry_core.api.tracking_responses import experiment_json
from registry_core.wiring import tracking_service


@endpoint(SearchExperiments)
def handler(request: SearchExperiments, caller: Caller) -> dict[str, Any]:
    page = tracking_service(caller).search_experiments(
        request.view_type or "ACTIVE_ONLY", request.max_results, request.filter, request.order_by, request.page_token
    )
    body: dict[str, Any] = {"experiments": [experiment_json(experiment) for experiment in page.items]}
    if page.next_page_token:
        body["next_page_token"] = page.next_page_token
    return body
