"""POST /api/2.0/smr/model-versions/promote: a stage and aliases for one version, all or nothing."""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import PromoteModelVersion
from registry_core.api.responses import model_version_json
from registry_core.wiring import registry_service


@endpoint(PromoteModelVersion)
def handler(request: PromoteModelVersion, caller: Caller) -> dict[str, Any]:
    version = registry_service(caller).promote_model_version(
        request.name,
        request.version,
        stage=request.stage,
        aliases=request.aliases,
        archive_existing_versions=request.archive_existing_versions,
        comment=request.comment,
    )
    return {"model_version": model_version_json(version)}
