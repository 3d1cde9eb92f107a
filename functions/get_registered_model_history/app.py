"""GET /api/2.0/smr/registered-models/history: every stage and alias change of a model, paged, in time order."""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import RegisteredModelHistory
from registry_core.api.responses import history_record_json
from registry_core.wiring import history_service


@endpoint(RegisteredModelHistory)
def handler(request: RegisteredModelHistory, caller: Caller) -> dict[str, Any]:
    page = history_service(caller).model_history(
        request.name, request.max_results, request.page_token, ascending=request.order == "asc"
    )
    body: dict[str, Any] = {"records": [history_record_json(record) for record in page.records]}
    if page.next_page_token:
        body["next_page_token"] = page.next_page_token
    return body
