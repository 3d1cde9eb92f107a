"""POST /api/2.0/smr/uploads/create"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import CreateUpload
from registry_core.domain.artifacts import FileEntry
from registry_core.wiring import artifact_service


@endpoint(CreateUpload)
def handler(request: CreateUpload, caller: Caller) -> dict[str, Any]:
    files = [FileEntry(path=f.path, size=f.size, sha256=f.sha256.lower()) for f in request.files]
    return artifact_service(caller).create_upload(request.name, files, request.multipart_threshold)
