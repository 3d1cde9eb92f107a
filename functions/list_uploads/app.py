"""GET /api/2.0/smr/uploads/list"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import ListUploads
from registry_core.api.responses import upload_json
from registry_core.wiring import artifact_service


@endpoint(ListUploads)
def handler(request: ListUploads, caller: Caller) -> dict[str, Any]:
    uploads = artifact_service(caller).list_uploads(request.name, request.max_results)
    return {"uploads": [upload_json(upload) for upload in uploads]}
