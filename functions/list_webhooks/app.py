"""GET /api/2.0/mlflow/webhooks"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import ListWebhooks
from registry_core.api.responses import webhook_json
from registry_core.wiring import webhook_service


@endpoint(ListWebhooks)
def handler(request: ListWebhooks, caller: Caller) -> dict[str, Any]:
    webhooks, token = webhook_service(caller).list_webhooks(request.max_results, request.page_token)
    body: dict[str, Any] = {"webhooks": [webhook_json(webhook) for webhook in webhooks]}
    if token:
        body["next_page_token"] = token
    return body
