"""GET /api/2.0/smr/registered-models/state-at: where an alias, or a stage, pointed at a given time."""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import RegisteredModelStateAt
from registry_core.api.responses import history_record_json
from registry_core.domain.errors import InvalidParameterValue
from registry_core.wiring import history_service


@endpoint(RegisteredModelStateAt)
def handler(request: RegisteredModelStateAt, caller: Caller) -> dict[str, Any]:
    if (request.alias is None) == (request.stage is None):
        raise InvalidParameterValue("Give exactly one of alias and stage.")
    history = history_service(caller)
    if request.alias is not None:
        version, record = history.alias_at(request.name, request.alias, request.timestamp)
        body: dict[str, Any] = {"alias": request.alias, "timestamp": request.timestamp}
        if version is not None:
            body["version"] = str(version)
        if record is not None:
            body["record"] = history_record_json(record)
        return body
    assert request.stage is not None
    versions = history.stage_at(request.name, request.stage, request.timestamp)
    return {"stage": request.stage, "timestamp": request.timestamp, "versions": [str(v) for v in versions]}
