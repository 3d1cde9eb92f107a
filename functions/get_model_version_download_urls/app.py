"""GET /api/2.0/smr/model-versions/download-urls"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import ModelVersionRef
from registry_core.wiring import artifact_service


@endpoint(ModelVersionRef)
def handler(request: ModelVersionRef, caller: Caller) -> dict[str, Any]:
    return artifact_service(caller).download_urls(request.name, request.version)
