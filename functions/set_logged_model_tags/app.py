"""PATCH /api/2.0/mlflow/logged-models/{model_id}/tags"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import tag_dict
from registry_core.api.tracking_requests import SetLoggedModelTags
from registry_core.wiring import tracking_service


@endpoint(SetLoggedModelTags)
def handler(request: SetLoggedModelTags, caller: Caller) -> dict[str, Any]:
    tracking_service(caller).set_logged_model_tags(request.model_id, tag_dict(request.tags))
    return {}
