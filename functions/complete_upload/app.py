"""POST /api/2.0/smr/uploads/complete"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import CompleteUpload
from registry_core.api.responses import model_version_json
from registry_core.domain.artifacts import UploadManifest
from registry_core.wiring import artifact_service


@endpoint(CompleteUpload)
def handler(request: CompleteUpload, caller: Caller) -> dict[str, Any]:
    requested = UploadManifest(
        description=request.description,
        tags=request.tag_map(),
        run_id=request.run_id,
        aliases=request.aliases,
        stage=request.stage,
        model_metrics=request.model_metrics,
        model_params=request.model_params,
    )
    version = artifact_service(caller).complete_upload(request.name, request.upload_id, request.parts, requested)
    return {"model_version": model_version_json(version)}
