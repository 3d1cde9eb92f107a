"""`make bench`: one JSON line per operation with DynamoDB round trips per request, latency against moto, and the
handler's cold-start import cost measured in a fresh process.

    operation       the function directory under functions/
    dynamodb_calls  DynamoDB round trips of one request (median over the runs)
    median_ms       the handler's latency against in-process moto (median; moto is slower than DynamoDB)
    import_ms       importing the handler in a fresh interpreter (the cold-start proxy), median of 3
    init_ms         import plus creating the DynamoDB client, as the first request of a container pays it

Import costs are measured in `.venv-lambda`, a virtualenv holding only what a function has in Lambda (the layer's
requirements and boto3, at the versions uv.lock pins): the dev environment's extras (pyOpenSSL, awscrt, ...) are
picked up by botocore when present and would inflate the figures.
"""

from __future__ import annotations

import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "layers" / "registry_core"), str(REPO / "local")]

RUNS = int(os.environ.get("SMR_BENCH_RUNS", "25"))
IMPORT_RUNS = 3
TABLE = "smr-bench"
MODEL = "bench-model"
SEEDED_VERSIONS = 50
SAMPLE_PRINCIPAL = "arn:aws:iam::123456789012:user/data-scientist"

_IMPORT_PROBE = """
import sys, time
sys.path[:0] = [{layer!r}]
started = time.perf_counter()
import importlib.util
spec = importlib.util.spec_from_file_location("app", {path!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
imported = time.perf_counter()
from registry_core.wiring import default_store
default_store()
initialized = time.perf_counter()
print((imported - started) * 1000, (initialized - started) * 1000)
"""


LAMBDA_VENV = REPO / ".venv-lambda"
LAMBDA_PYTHON = LAMBDA_VENV / "bin" / "python"


def ensure_lambda_venv() -> None:
    """A virtualenv with only the Lambda runtime's packages, pinned to what the dev environment locked."""
    uv = REPO / ".venv-uv" / "bin" / "uv"
    if not LAMBDA_PYTHON.exists():
        subprocess.run([str(uv), "venv", "--quiet", "--python", sys.executable, str(LAMBDA_VENV)], check=True)
    pins = subprocess.run(
        [str(uv), "pip", "freeze", "--python", sys.executable], capture_output=True, text=True, check=True
    ).stdout
    constraints = LAMBDA_VENV / "constraints.txt"
    # Only pinned registry packages can be constraints (the editable SDK, for one, cannot).
    constraints.write_text("\n".join(line for line in pins.splitlines() if "==" in line) + "\n")
    subprocess.run(
        [
            str(uv),
            "pip",
            "install",
            "--quiet",
            "--python",
            str(LAMBDA_PYTHON),
            "-c",
            str(constraints),
            "boto3",
            "-r",
            str(REPO / "layers" / "registry_core" / "requirements.txt"),
        ],
        check=True,
    )


_FLOOR_PROBE = """
import time
started = time.perf_counter()
import boto3
boto3.client("dynamodb")
print((time.perf_counter() - started) * 1000)
"""


def _run_probe(probe: str) -> list[str]:
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1", "SMR_TABLE_NAME": TABLE}
    return subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env
    ).stdout.split()


def floor_cost() -> float:
    """`import boto3` plus one DynamoDB client: what any Python function that talks to DynamoDB pays."""
    return statistics.median(float(_run_probe(_FLOOR_PROBE)[0]) for _ in range(IMPORT_RUNS))


def import_cost(operation: str) -> tuple[float, float]:
    probe = _IMPORT_PROBE.format(
        layer=str(REPO / "layers" / "registry_core"), path=str(REPO / "functions" / operation / "app.py")
    )
    samples = []
    for _ in range(IMPORT_RUNS):
        output = _run_probe(probe)
        samples.append((float(output[0]), float(output[1])))
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def load(operation: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{operation}", REPO / "functions" / operation / "app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def event(operation: str, body: dict[str, Any] | None = None, query: str | None = None) -> dict[str, Any]:
    sample: dict[str, Any] = json.loads((REPO / "events" / f"{operation}.json").read_text())
    if body is not None:
        sample["body"] = json.dumps(body)
    if query is not None:
        sample["rawQueryString"] = query
    return sample


class Context:
    function_name = "bench"
    aws_request_id = "bench"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:bench"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 10_000


def main() -> None:
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_DEFAULT_REGION="us-east-1",
        SMR_TABLE_NAME=TABLE,
        POWERTOOLS_SERVICE_NAME="smr",
        POWERTOOLS_LOG_LEVEL="WARNING",
    )
    ensure_lambda_venv()
    print(json.dumps({"operation": "_floor", "import_ms": round(floor_cost(), 1)}), flush=True)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    import boto3
    from moto import mock_aws

    from registry_core.domain.entities import Caller
    from registry_core.wiring import default_store, registry_service
    from smr_local import moto_patches
    from smr_local.template import create_table

    # Without them every write would cost O(all history) (moto deep-copies the table per transaction item).
    moto_patches.install()
    with mock_aws():
        create_table(boto3.client("dynamodb", region_name="us-east-1"), TABLE)
        store = default_store()
        # The principal the sample events sign as: it owns the seeded model, as it would had it created it.
        registry = registry_service(Caller(principal=SAMPLE_PRINCIPAL))
        registry.create_registered_model(MODEL, {"team": "risk"}, "bench")
        for index in range(SEEDED_VERSIONS):
            registry.create_model_version(MODEL, f"s3://bench/{index}", run_id=f"run-{index % 5}")
        registry.transition_model_version_stage(MODEL, 1, "Production")
        registry.set_registered_model_alias(MODEL, "champion", 1)
        counter = iter(range(1_000_000))

        def unique(prefix: str) -> str:
            return f"{prefix}-{next(counter)}"

        def model_body(**fields: Any) -> dict[str, Any]:
            return {"name": MODEL, **fields}

        # Each operation: a function building the event of one request (with any per-request setup done first).
        def fresh_model() -> str:
            name = unique("m")
            registry.create_registered_model(name)
            registry.create_model_version(name, "s3://x")
            return name

        def newest_of_two() -> int:
            registry.create_model_version(MODEL, "s3://kept")
            return registry.create_model_version(MODEL, "s3://gone").version

        scenarios: dict[str, Callable[[], dict[str, Any]]] = {
            "create_registered_model": lambda: event("create_registered_model", {"name": unique("new")}),
            "get_registered_model": lambda: event("get_registered_model", query=f"name={MODEL}"),
            "update_registered_model": lambda: event("update_registered_model", model_body(description="d")),
            "search_registered_models": lambda: event("search_registered_models", query="max_results=10"),
            "get_latest_versions": lambda: event("get_latest_versions", model_body(stages=["Production"])),
            "set_registered_model_tag": lambda: event("set_registered_model_tag", model_body(key="k", value="v")),
            "delete_registered_model_tag": lambda: event("delete_registered_model_tag", model_body(key="k")),
            "set_registered_model_alias": lambda: event(
                "set_registered_model_alias", model_body(alias="challenger", version="2")
            ),
            "delete_registered_model_alias": lambda: event(
                "delete_registered_model_alias", model_body(alias="challenger")
            ),
            "get_model_version_by_alias": lambda: event(
                "get_model_version_by_alias", query=f"name={MODEL}&alias=champion"
            ),
            "create_model_version": lambda: event("create_model_version", model_body(source="s3://bench/new")),
            "get_model_version": lambda: event("get_model_version", query=f"name={MODEL}&version=3"),
            "update_model_version": lambda: event("update_model_version", model_body(version="3", description="d")),
            "search_model_versions": lambda: event(
                "search_model_versions",
                query=f"filter=name%3D%27{MODEL}%27&max_results=10&order_by=version_number+DESC",
            ),
            "get_model_version_download_uri": lambda: event(
                "get_model_version_download_uri", query=f"name={MODEL}&version=3"
            ),
            "transition_model_version_stage": lambda: event(
                "transition_model_version_stage", model_body(version="4", stage="Staging")
            ),
            "set_model_version_tag": lambda: event(
                "set_model_version_tag", model_body(version="3", key="k", value="v")
            ),
            "delete_model_version_tag": lambda: event("delete_model_version_tag", model_body(version="3", key="k")),
            # The usual case: the newest version goes, and the one below it (also in None) becomes the newest.
            "delete_model_version": lambda: event(
                "delete_model_version",
                {"name": MODEL, "version": str(newest_of_two())},
            ),
            "rename_registered_model": lambda: event(
                "rename_registered_model", {"name": fresh_model(), "new_name": unique("renamed")}
            ),
            "delete_registered_model": lambda: event("delete_registered_model", {"name": fresh_model()}),
        }
        for operation, make_event in scenarios.items():
            handler = load(operation).handler
            latencies, calls = [], []
            for _ in range(RUNS):
                request = make_event()
                before = store.round_trips  # type: ignore[attr-defined]
                started = time.perf_counter()
                response = handler(request, Context())
                latencies.append((time.perf_counter() - started) * 1000)
                calls.append(store.round_trips - before)  # type: ignore[attr-defined]
                if response["statusCode"] != 200:
                    raise SystemExit(f"{operation} answered {response['statusCode']}: {response['body']}")
            import_ms, init_ms = import_cost(operation)
            print(
                json.dumps(
                    {
                        "operation": operation,
                        "dynamodb_calls": statistics.median(calls),
                        "dynamodb_calls_max": max(calls),
                        "median_ms": round(statistics.median(latencies), 2),
                        "import_ms": round(import_ms, 1),
                        "init_ms": round(init_ms, 1),
                    }
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
