"""DELETE /api/2.0/mlflow/model-versions/delete-tag"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import DeleteModelVersionTag
from registry_core.wiring import registry_service


@endpoint(DeleteModelVersionTag)
def handler(request: DeleteModelVersionTag, caller: Caller) -> dict[str, Any]:
    registry_service(caller).delete_model_version_tag(request.name, request.version, request.key)
    return {}
