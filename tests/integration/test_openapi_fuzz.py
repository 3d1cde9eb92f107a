"""Property-based fuzz of every route, generated from the OpenAPI document, against the local server (issue 10).

schemathesis turns each operation of functions/get_openapi/openapi.json into requests whose fields follow (and
stretch) the request models. Whatever it sends, smr must answer without a 5xx, within 5 s, and with every error in
MLflow's shape. Bounded: a few examples per route (SMR_FUZZ_EXAMPLES), generation only (no shrinking),
derandomized so that a failure reproduces.

The server runs with authentication off (`--no-auth`): the fuzz is after the handlers, and with signing on, the
generated paths and bodies mostly exercise SigV4 canonicalization instead (which tests/integration/test_local_auth.py
covers); every request then acts as the local default principal.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, settings

from scripts import openapi
from tests.support.server import LocalServer, run_local_server

MAX_EXAMPLES = int(os.environ.get("SMR_FUZZ_EXAMPLES", "5"))
MAX_SECONDS = 5.0
PORT = int(os.environ.get("SMR_FUZZ_PORT", "5550"))  # this test's own ports: PORT and PORT + 1
AWS_PORT = PORT + 1

schema = schemathesis.openapi.from_dict(json.loads(openapi.DOCUMENT_PATH.read_text(encoding="utf-8")))
STATUSES: Counter[int] = Counter()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    data: Path = tmp_path_factory.mktemp("fuzz")
    options = ("--no-auth", "--autosave-interval", "3600")
    with run_local_server(data, port=PORT, aws_port=AWS_PORT, extra_args=options) as running:
        yield running
    # What the run amounted to (pytest -s shows it): statuses seen, so that a run of only 4xx is noticed.
    print(f"\nfuzz: {sum(STATUSES.values())} requests, statuses {dict(sorted(STATUSES.items()))}")
    # Whatever the fuzz got stored, `make run` must start again on that data (a 40-digit number once broke it).
    with run_local_server(data, port=PORT, aws_port=AWS_PORT, extra_args=options) as restarted:
        search = requests.get(restarted.url + "/api/2.0/mlflow/registered-models/search", timeout=30)
        assert search.status_code == 200, search.text


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    with requests.Session() as shared:
        yield shared


def _is_mlflow_error(body: Any) -> bool:
    return (
        isinstance(body, dict)
        and isinstance(body.get("error_code"), str)
        and isinstance(body.get("message"), str)
        and body["error_code"].isupper()
    )


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_route_answers_every_input_in_bounds(
    case: schemathesis.Case, server: LocalServer, session: requests.Session
) -> None:
    # Each case is one request on its own; a failure names it, and the seed (derandomized) reproduces it.
    response = case.call(base_url=server.url, session=session, timeout=60)
    STATUSES[response.status_code] += 1
    described = f"{case.method} {case.formatted_path} -> {response.status_code}: {response.content[:300]!r}"
    assert response.status_code < 500, described
    assert response.elapsed < MAX_SECONDS, f"{described} took {response.elapsed:.1f} s"
    if response.status_code >= 400:
        assert response.headers.get("content-type", [""])[0].startswith("application/json"), described
        assert _is_mlflow_error(json.loads(response.content)), described
