"""DELETE /api/2.0/mlflow/webhooks/{webhook_id}"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import WebhookRef
from registry_core.wiring import webhook_service


@endpoint(WebhookRef)
def handler(request: WebhookRef, caller: Caller) -> dict[str, Any]:
    webhook_service(caller).delete_webhook(request.webhook_id)
    return {}
