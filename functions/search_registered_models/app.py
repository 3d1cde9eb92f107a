"""GET /api/2.0/mlflow/registered-models/search"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import SearchRegisteredModels
from registry_core.api.responses import registered_model_json
from registry_core.wiring import search_service


@endpoint(SearchRegisteredModels)
def handler(request: SearchRegisteredModels, caller: Caller) -> dict[str, Any]:
    page = search_service(caller).search_registered_models(
        request.filter, request.max_results, request.order_by, request.page_token
    )
    body: dict[str, Any] = {"registered_models": [registered_model_json(model) for model in page.items]}
    if page.next_page_token:
        body["next_page_token"] = page.next_page_token
    return body
