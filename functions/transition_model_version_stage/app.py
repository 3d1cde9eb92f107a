"""POST /api/2.0/mlflow/model-versions/transition-stage"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import TransitionModelVersionStage
from registry_core.api.responses import model_version_json
from registry_core.wiring import registry_service


@endpoint(TransitionModelVersionStage)
def handler(request: TransitionModelVersionStage, caller: Caller) -> dict[str, Any]:
    version = registry_service(caller).transition_model_version_stage(
        request.name, request.version, request.stage, request.archive_existing_versions, comment=request.comment
    )
    return {"model_version": model_version_json(version)}
