"""POST /api/2.0/smr/registered-models/promotion-policy: replace the rules promotions must meet."""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import SetPromotionPolicy
from registry_core.wiring import governance_service


@endpoint(SetPromotionPolicy)
def handler(request: SetPromotionPolicy, caller: Caller) -> dict[str, Any]:
    policy = governance_service(caller).set_promotion_policy(request.name, request.policy)
    # Unset options (a metric rule without `recorded_by`) are left out: the policy reads back as it was written.
    return {"name": request.name, "policy": policy.model_dump(mode="json", exclude_none=True)}
