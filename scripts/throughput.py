"""`make throughput`: the same sequential workload through the stock MlflowClient against a `make run`-style server
and against a real `mlflow server` (sqlite, 1 worker), in one run on one machine.

    python scripts/throughput.py [--models 50] [--rounds 3] [--port 5160]   (smr on PORT and PORT+1, mlflow on PORT+2)

The workload is 15 operations per model (750 for 50 models): create the model, three versions, tags, an alias, two
stage transitions, and reads. Both servers run side by side and the rounds alternate between them (smr, mlflow, smr,
...), each round on new models, so that a slow moment of the machine weighs on both: one JSON line per round
(operations per second, p50 and p95 latency), then the medians and their ratio. smr's server signs nothing off: the
client signs with SigV4 as `make run` tells it to (MLFLOW_TRACKING_AUTH=smr), as against AWS.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from local_server import local_server, memory_mb  # puts the repository on sys.path

from tests.e2e.servers import start_mlflow_server

CLIENT_ENVIRONMENT = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
}


def workload(client: Any, prefix: str) -> list[Callable[[], object]]:
    """The operations of one model, in order (15 of them)."""
    name = f"{prefix}-model"
    return [
        lambda: client.create_registered_model(name, tags={"team": "risk"}),
        lambda: client.create_model_version(name, "s3://throughput/1"),
        lambda: client.create_model_version(name, "s3://throughput/2"),
        lambda: client.create_model_version(name, "s3://throughput/3"),
        lambda: client.set_model_version_tag(name, "1", "validated", "true"),
        lambda: client.set_model_version_tag(name, "2", "validated", "false"),
        lambda: client.set_registered_model_tag(name, "owner", "me"),
        lambda: client.set_registered_model_alias(name, "champion", "1"),
        lambda: client.transition_model_version_stage(name, "1", "Production"),
        lambda: client.transition_model_version_stage(name, "2", "Staging"),
        lambda: client.get_model_version(name, "1"),
        lambda: client.get_model_version_by_alias(name, "champion"),
        lambda: client.get_registered_model(name),
        lambda: client.search_model_versions(f"name='{name}'"),
        lambda: client.get_latest_versions(name, stages=["Production"]),
    ]


def run(label: str, url: str, models: int, environment: dict[str, str], pid: int | None = None) -> dict[str, Any]:
    from mlflow import MlflowClient

    saved = dict(os.environ)
    os.environ.update({**CLIENT_ENVIRONMENT, **environment})
    try:
        client = MlflowClient(tracking_uri=url, registry_uri=url)
        latencies: list[float] = []
        started = time.perf_counter()
        for index in range(models):
            for operation in workload(client, f"{label}-{index}"):
                before = time.perf_counter()
                operation()
                latencies.append(time.perf_counter() - before)
        seconds = time.perf_counter() - started
    finally:
        os.environ.clear()
        os.environ.update(saved)
    latencies.sort()
    result = {
        "backend": label,
        "operations": len(latencies),
        "seconds": round(seconds, 2),
        "ops_per_s": round(len(latencies) / seconds, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(latencies[int(len(latencies) * 0.95)] * 1000, 1),
    }
    if pid is not None:
        result.update(memory_mb(pid))
    print(json.dumps(result), flush=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--models", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--port", type=int, default=5160)
    arguments = parser.parse_args()
    ours: list[float] = []
    theirs: list[float] = []
    with tempfile.TemporaryDirectory(prefix="smr-throughput-") as workdir:
        oracle_dir = Path(workdir) / "mlflow"
        oracle_dir.mkdir()
        env = {**os.environ, **CLIENT_ENVIRONMENT, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
        with (
            local_server(Path(workdir) / "smr", arguments.port) as smr,
            start_mlflow_server(oracle_dir, env, port=arguments.port + 2) as oracle,
        ):
            for index in range(arguments.rounds):
                ours.append(run(f"smr-{index}", smr.url, arguments.models, smr.env, smr.process.pid)["ops_per_s"])
                theirs.append(run(f"mlflow-server-{index}", oracle.url, arguments.models, {})["ops_per_s"])
    summary = {
        "smr_ops_per_s_median": statistics.median(ours),
        "mlflow_server_ops_per_s_median": statistics.median(theirs),
        "smr_over_mlflow_server": round(statistics.median(ours) / statistics.median(theirs), 2),
    }
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
