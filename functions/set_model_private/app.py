"""POST /api/2.0/smr/permissions/set-private"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import SetModelPrivate
from registry_core.api.responses import permissions_json
from registry_core.wiring import permission_service


@endpoint(SetModelPrivate)
def handler(request: SetModelPrivate, caller: Caller) -> dict[str, Any]:
    return permissions_json(permission_service(caller).set_private(request.name, request.private))
