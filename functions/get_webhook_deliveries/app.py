"""GET /api/2.0/smr/webhooks/deliveries: the newest delivery attempts of a webhook (status, error, final)."""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import WebhookDeliveries
from registry_core.api.responses import delivery_json
from registry_core.wiring import webhook_service


@endpoint(WebhookDeliveries)
def handler(request: WebhookDeliveries, caller: Caller) -> dict[str, Any]:
    attempts = webhook_service(caller).deliveries(request.webhook_id, request.max_results)
    return {"deliveries": [delivery_json(attempt) for attempt in attempts]}
