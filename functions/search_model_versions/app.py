"""GET /api/2.0/mlflow/model-versions/search"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import SearchModelVersions
from registry_core.api.responses import model_version_json
from registry_core.wiring import search_service


@endpoint(SearchModelVersions)
def handler(request: SearchModelVersions, caller: Caller) -> dict[str, Any]:
    page = search_service(caller).search_model_versions(
        request.filter, request.max_results, request.order_by, request.page_token
    )
    body: dict[str, Any] = {"model_versions": [model_version_json(version) for version in page.items]}
    if page.next_page_token:
        body["next_page_token"] = page.next_page_token
    return body
