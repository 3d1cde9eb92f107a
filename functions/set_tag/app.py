"""POST /api/2.0/mlflow/runs/set-tag"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.tracking_requests import SetTag
from registry_core.wiring import tracking_service


@endpoint(SetTag)
def handler(request: SetTag, caller: Caller) -> dict[str, Any]:
    tracking_service(caller).set_tag(request.run_id, request.key, request.value)
    return {}
