"""GET /api/2.0/smr/openapi.json: the OpenAPI 3.1 document of every route, MLflow's and smr's.

openapi.json beside this file is generated from template.yaml and the request models by scripts/openapi.py, and
tests/integration/test_openapi.py keeps it in sync; it is deployed with this function.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from registry_core.api.endpoint import Caller, endpoint
from registry_core.api.requests import NoParameters

DOCUMENT = Path(__file__).with_name("openapi.json")


@lru_cache(maxsize=1)
def _document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    return document


@endpoint(NoParameters)
def handler(request: NoParameters, caller: Caller) -> dict[str, Any]:
    return _document()
