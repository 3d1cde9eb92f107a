"""POST /api/2.0/mlflow/runs/log-inputs"""

from __future__ import annotations

from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import tag_dict
from registry_core.api.tracking_requests import LogInputs
from registry_core.domain.tracking import Dataset, DatasetInput
from registry_core.wiring import tracking_service


@endpoint(LogInputs)
def handler(request: LogInputs, caller: Caller) -> dict[str, Any]:
    datasets = [
        DatasetInput(dataset=Dataset.model_validate(item.dataset.model_dump(by_alias=True)), tags=tag_dict(item.tags))
        for item in request.datasets
    ]
    tracking_service(caller).log_inputs(request.run_id, datasets, [model.model_id for model in request.models])
    return {}
