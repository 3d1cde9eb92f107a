"""POST /api/2.0/mlflow/webhooks/{webhook_id}/test"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import TestWebhook
from registry_core.wiring import webhook_service


@endpoint(TestWebhook)
def handler(request: TestWebhook, caller: Caller) -> dict[str, Any]:
    result = webhook_service(caller).test_webhook(request.webhook_id, request.event)
    success = result.status is not None and 200 <= result.status < 300
    outcome: dict[str, Any] = {"success": success}
    if result.status is not None:
        outcome["response_status"] = result.status
    if result.body:
        outcome["response_body"] = result.body
    if result.error:
        outcome["error_message"] = result.error
    return {"result": outcome}
