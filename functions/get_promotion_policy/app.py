"""GET /api/2.0/smr/registered-models/promotion-policy"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import ModelName
from registry_core.wiring import governance_service


@endpoint(ModelName)
def handler(request: ModelName, caller: Caller) -> dict[str, Any]:
    policy = governance_service(caller).get_promotion_policy(request.name)
    # Unset options (a metric rule without `recorded_by`) are left out: the policy reads back as it was written.
    return {"name": request.name, "policy": policy.model_dump(mode="json", exclude_none=True)}
