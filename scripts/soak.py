"""`make soak`: mixed registry writes over HTTP against a `make run`-style server; does a write cost the same at the
end as at the start, and does the server's memory stay bounded?

    python scripts/soak.py [--writes 20000] [--port 5150]

One JSON line per 1,000 writes (p50 of that block, the server's CPU time per write, its memory), then a summary:
p50 of the first and the last 1,000 writes and their ratio (goal: at most 1.2), the server's resident memory at the
end (goal: under 500 MB), and the local health view (stream lag, journal). The writes cycle through MODELS models:
create a version, tag it, move it to Staging or Production (archiving the previous holder), point the alias
`champion` at it, tag the model.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from local_server import cpu_seconds, local_server, memory_mb, p50_ms

API = "/api/2.0/mlflow"
# A fixed piece of pure-Python work, timed after each block: this machine's speed varies by ±20 % from one minute to
# the next, and a block's p50 moves with it. Printed beside each block so a trend can be told from the machine.
CALIBRATION = [{"key": index, "value": str(index) * 3} for index in range(20_000)]
HEALTH = "/api/2.0/smr/local/health"
MODELS = 20
BLOCK = 1_000


def machine_ms() -> float:
    """The median time of a fixed JSON round trip, in ms: the machine's speed at this moment."""
    times = []
    for _ in range(5):
        before = time.perf_counter()
        json.loads(json.dumps(CALIBRATION))
        times.append(time.perf_counter() - before)
    return p50_ms(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--writes", type=int, default=20_000)
    parser.add_argument("--port", type=int, default=5150)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="smr-soak-") as workdir, local_server(Path(workdir), arguments.port) as s:
        session = requests.Session()
        session.auth = s.auth()

        def post(path: str, **body: Any) -> dict[str, Any]:
            answer = session.post(f"{s.url}{API}/{path}", json=body, timeout=120)
            if answer.status_code != 200:
                raise SystemExit(f"{path} answered {answer.status_code}: {answer.text}")
            result: dict[str, Any] = answer.json()
            return result

        names = [f"soak-{index}" for index in range(MODELS)]
        for name in names:
            post("registered-models/create", name=name)
        newest = dict.fromkeys(names, "0")
        steps: list[Callable[[str], object]] = [
            lambda name: newest.__setitem__(
                name, post("model-versions/create", name=name, source="s3://soak/x")["model_version"]["version"]
            ),
            lambda name: post("model-versions/set-tag", name=name, version=newest[name], key="k", value="v"),
            lambda name: post(
                "model-versions/transition-stage",
                name=name,
                version=newest[name],
                stage="Production" if int(newest[name]) % 2 else "Staging",
                archive_existing_versions=True,
            ),
            lambda name: post("registered-models/alias", name=name, alias="champion", version=newest[name]),
            lambda name: post("registered-models/set-tag", name=name, key="last", value=newest[name]),
        ]
        latencies: list[float] = []
        started = time.monotonic()
        block_cpu = cpu_seconds(s.process.pid)
        for index in range(arguments.writes):
            cycle, step = divmod(index, len(steps))
            before = time.perf_counter()
            steps[step](names[cycle % MODELS])
            latencies.append(time.perf_counter() - before)
            if (index + 1) % BLOCK == 0:
                block = latencies[-BLOCK:]
                cpu, block_cpu = cpu_seconds(s.process.pid) - block_cpu, cpu_seconds(s.process.pid)
                figures = {
                    "writes": index + 1,
                    "p50_ms": p50_ms(block),
                    "server_cpu_ms_per_write": round(cpu * 1000 / BLOCK, 2),
                    "machine_ms": machine_ms(),
                }
                print(json.dumps({**figures, **memory_mb(s.process.pid)}), flush=True)
        first, last = p50_ms(latencies[:BLOCK]), p50_ms(latencies[-BLOCK:])
        health = session.get(f"{s.url}{HEALTH}", timeout=60).json()
        summary = {
            "writes": arguments.writes,
            "seconds": round(time.monotonic() - started, 1),
            "first_1000_p50_ms": first,
            "last_1000_p50_ms": last,
            "last_over_first": round(last / first, 2),
            **memory_mb(s.process.pid),
            "stream_lag_records": health["events"]["stream_reader"]["lag_records"],
            "journal": health["journal"],
        }
        print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
