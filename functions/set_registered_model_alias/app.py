"""POST /api/2.0/mlflow/registered-models/alias"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import SetRegisteredModelAlias
from registry_core.wiring import registry_service


@endpoint(SetRegisteredModelAlias)
def handler(request: SetRegisteredModelAlias, caller: Caller) -> dict[str, Any]:
    registry_service(caller).set_registered_model_alias(
        request.name, request.alias, request.version, expected_version=request.expected_version, comment=request.comment
    )
    return {}
