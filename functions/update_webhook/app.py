"""PATCH /api/2.0/mlflow/webhooks/{webhook_id}"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import UpdateWebhook
from registry_core.api.responses import webhook_json
from registry_core.wiring import webhook_service


@endpoint(UpdateWebhook)
def handler(request: UpdateWebhook, caller: Caller) -> dict[str, Any]:
    webhook = webhook_service(caller).update_webhook(
        request.webhook_id,
        name=request.name or None,
        description=request.description,
        url=request.url or None,
        events=request.events or None,
        secret=request.secret,
        status=request.status,
    )
    return {"webhook": webhook_json(webhook)}
