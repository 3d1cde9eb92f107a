"""POST /api/2.0/smr/permissions/set"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import SetModelPermission
from registry_core.api.responses import permissions_json
from registry_core.wiring import permission_service


@endpoint(SetModelPermission)
def handler(request: SetModelPermission, caller: Caller) -> dict[str, Any]:
    model = permission_service(caller).set_permission(request.name, request.principal, request.level)
    return permissions_json(model)
