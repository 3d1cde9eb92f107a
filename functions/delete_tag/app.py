"""POST /api/2.0/mlflow/runs/delete-tag"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.tracking_requests import DeleteTag
from registry_core.wiring import tracking_service


@endpoint(DeleteTag)
def handler(request: DeleteTag, caller: Caller) -> dict[str, Any]:
    tracking_service(caller).delete_tag(request.run_id, request.key)
    return {}
