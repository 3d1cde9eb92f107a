"""DELETE /api/2.0/smr/permissions/delete"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import DeleteModelPermission
from registry_core.api.responses import permissions_json
from registry_core.wiring import permission_service


@endpoint(DeleteModelPermission)
def handler(request: DeleteModelPermission, caller: Caller) -> dict[str, Any]:
    return permissions_json(permission_service(caller).delete_permission(request.name, request.principal))
