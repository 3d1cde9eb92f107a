"""GET /api/2.0/smr/permissions/get"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import ModelName
from registry_core.api.responses import permissions_json
from registry_core.domain.permissions import effective_level
from registry_core.wiring import permission_service


@endpoint(ModelName)
def handler(request: ModelName, caller: Caller) -> dict[str, Any]:
    model = permission_service(caller).get_permissions(request.name)
    # What the caller itself may do (admins included, whom the permissions map does not list): the console offers
    # only the actions this level allows; the service still checks every one.
    level = effective_level(model, caller)
    return {
        **permissions_json(model),
        "caller": {"principal": caller.principal, "level": level.name if level is not None else None},
    }
