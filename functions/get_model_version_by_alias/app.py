"""GET /api/2.0/mlflow/registered-models/alias"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import ModelAlias
from registry_core.api.responses import model_version_json
from registry_core.wiring import registry_service


@endpoint(ModelAlias)
def handler(request: ModelAlias, caller: Caller) -> dict[str, Any]:
    version = registry_service(caller).get_model_version_by_alias(request.name, request.alias)
    return {"model_version": model_version_json(version)}
