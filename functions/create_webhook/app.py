"""POST /api/2.0/mlflow/webhooks"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import CreateWebhook
from registry_core.api.responses import webhook_json
from registry_core.domain.governance import WebhookStatus
from registry_core.wiring import webhook_service


@endpoint(CreateWebhook)
def handler(request: CreateWebhook, caller: Caller) -> dict[str, Any]:
    webhook = webhook_service(caller).create_webhook(
        request.name,
        request.url,
        request.events,
        description=request.description,
        secret=request.secret,
        status=request.status or WebhookStatus.ACTIVE,
    )
    return {"webhook": webhook_json(webhook)}
