"""GET /api/2.0/smr/permissions/get"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import ModelName
from registry_core.api.responses import permissions_json
from registry_core.wiring import permission_service


@endpoint(ModelName)
def handler(request: ModelName, caller: Caller) -> dict[str, Any]:
    return permissions_json(permission_service(caller).get_permissions(request.name))
