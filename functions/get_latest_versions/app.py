"""POST and GET /api/2.0/mlflow/registered-models/get-latest-versions"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import GetLatestVersions
from registry_core.api.responses import model_version_json
from registry_core.wiring import registry_service


@endpoint(GetLatestVersions)
def handler(request: GetLatestVersions, caller: Caller) -> dict[str, Any]:
    versions = registry_service(caller).get_latest_versions(request.name, request.stages)
    return {"model_versions": [model_version_json(version) for version in versions]}
