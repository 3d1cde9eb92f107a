"""DELETE /api/2.0/mlflow/logged-models/{model_id}/tags/{tag_key}"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.tracking_requests import DeleteLoggedModelTag
from registry_core.wiring import tracking_service


@endpoint(DeleteLoggedModelTag)
def handler(request: DeleteLoggedModelTag, caller: Caller) -> dict[str, Any]:
    tracking_service(caller).delete_logged_model_tag(request.model_id, request.tag_key)
    return {}
