"""GET /api/2.0/smr/model-versions/history: a version's stage changes and the alias moves to or from it."""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import ModelVersionHistory
from registry_core.api.responses import history_record_json
from registry_core.wiring import history_service


@endpoint(ModelVersionHistory)
def handler(request: ModelVersionHistory, caller: Caller) -> dict[str, Any]:
    page = history_service(caller).version_history(
        request.name, request.version, request.max_results, request.page_token, ascending=request.order == "asc"
    )
    body: dict[str, Any] = {"records": [history_record_json(record) for record in page.records]}
    if page.next_page_token:
        body["next_page_token"] = page.next_page_token
    return body
