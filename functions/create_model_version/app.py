"""POST /api/2.0/mlflow/model-versions/create"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import CreateModelVersion, param_dict, tag_dict
from registry_core.api.responses import model_version_json
from registry_core.wiring import artifact_service


@endpoint(CreateModelVersion)
def handler(request: CreateModelVersion, caller: Caller) -> dict[str, Any]:
    # An s3:// source outside the registry's prefix is copied in (PENDING_REGISTRATION until it is).
    version = artifact_service(caller).create_model_version(
        request.name,
        request.source,
        run_id=request.run_id,
        tags=tag_dict(request.tags),
        run_link=request.run_link,
        description=request.description,
        model_id=request.model_id,
        model_metrics=request.model_metrics,
        model_params=param_dict(request.model_params),
    )
    return {"model_version": model_version_json(version)}
