"""POST /api/2.0/mlflow/model-versions/set-tag"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import SetModelVersionTag
from registry_core.wiring import registry_service


@endpoint(SetModelVersionTag)
def handler(request: SetModelVersionTag, caller: Caller) -> dict[str, Any]:
    registry_service(caller).set_model_version_tag(request.name, request.version, request.key, request.value)
    return {}
