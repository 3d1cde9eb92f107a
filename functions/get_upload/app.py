"""GET /api/2.0/smr/uploads/get"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import UploadRef
from registry_core.api.responses import upload_json
from registry_core.wiring import artifact_service


@endpoint(UploadRef)
def handler(request: UploadRef, caller: Caller) -> dict[str, Any]:
    return {"upload": upload_json(artifact_service(caller).get_upload(request.name, request.upload_id))}
