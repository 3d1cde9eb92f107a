"""DELETE /api/2.0/mlflow/registered-models/alias"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import DeleteRegisteredModelAlias
from registry_core.wiring import registry_service


@endpoint(DeleteRegisteredModelAlias)
def handler(request: DeleteRegisteredModelAlias, caller: Caller) -> dict[str, Any]:
    registry_service(caller).delete_registered_model_alias(request.name, request.alias, comment=request.comment)
    return {}
