"""POST /api/2.0/mlflow/runs/search"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.tracking_requests import SearchRuns
from registry_core.api.tracking_responses import run_json
from registry_core.wiring import tracking_service


@endpoint(SearchRuns)
def handler(request: SearchRuns, caller: Caller) -> dict[str, Any]:
    page = tracking_service(caller).search_runs(
        request.experiment_ids,
        request.filter,
        request.run_view_type or "ACTIVE_ONLY",
        request.max_results,
        request.order_by,
        request.page_token,
    )
    body: dict[str, Any] = {"runs": [run_json(run) for run in page.items]}
    if page.next_page_token:
        body["next_page_token"] = page.next_page_token
    return body
