"""POST /api/2.0/mlflow/logged-models/search"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.tracking_requests import SearchLoggedModels
from registry_core.api.tracking_responses import logged_model_json
from registry_core.wiring import tracking_service


@endpoint(SearchLoggedModels)
def handler(request: SearchLoggedModels, caller: Caller) -> dict[str, Any]:
    page = tracking_service(caller).search_logged_models(
        request.experiment_ids, request.max_results, request.page_token, request.filter
    )
    body: dict[str, Any] = {"models": [logged_model_json(model) for model in page.items]}
    if page.next_page_token:
        body["next_page_token"] = page.next_page_token
    return body
