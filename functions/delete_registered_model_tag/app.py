"""DELETE /api/2.0/mlflow/registered-models/delete-tag"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import DeleteRegisteredModelTag
from registry_core.wiring import registry_service


@endpoint(DeleteRegisteredModelTag)
def handler(request: DeleteRegisteredModelTag, caller: Caller) -> dict[str, Any]:
    registry_service(caller).delete_registered_model_tag(request.name, request.key)
    return {}
