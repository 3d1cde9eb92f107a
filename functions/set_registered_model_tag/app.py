"""POST /api/2.0/mlflow/registered-models/set-tag"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import SetRegisteredModelTag
from registry_core.wiring import registry_service


@endpoint(SetRegisteredModelTag)
def handler(request: SetRegisteredModelTag, caller: Caller) -> dict[str, Any]:
    registry_service(caller).set_registered_model_tag(request.name, request.key, request.value)
    return {}
