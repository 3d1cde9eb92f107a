"""What `make soak` and `make throughput` share: a `make run`-style server on given ports, and figures of a process."""

from __future__ import annotations

import os
import statistics
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "local"), str(REPO / "layers" / "registry_core")]

from tests.support.server import LocalServer, start_local_server  # noqa: E402


@contextmanager
def local_server(data_dir: Path, port: int) -> Iterator[LocalServer]:
    """`python -m smr_local` (what `make run` starts) on port and port + 1, stopped at the end of the block."""
    server = start_local_server(data_dir, port=port, aws_port=port + 1)
    try:
        yield server
    finally:
        server.stop()


def memory_mb(pid: int) -> dict[str, float]:
    """A process's resident memory now and at its peak (Linux /proc), in MB."""
    figures: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            figures["rss_mb" if name == "VmRSS" else "peak_rss_mb"] = round(int(value.split()[0]) / 1024, 1)
    return figures


def cpu_seconds(pid: int) -> float:
    """CPU time a process has used so far, user and system (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def p50_ms(latencies_s: list[float]) -> float:
    return round(statistics.median(latencies_s) * 1000, 2)
