"""The oracle: a real `mlflow server` on a free port, and the small waiting helpers the e2e suite shares."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

ORACLE_STARTUP_TIMEOUT_S = 120.0
ORACLE_STOP_TIMEOUT_S = 15.0


class OracleError(RuntimeError):
    """The reference `mlflow server` did not start or answer."""


@dataclass(frozen=True)
class MlflowServer:
    url: str
    artifact_root: Path
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until(probe: Callable[[], T | None], timeout_s: float, interval_s: float = 0.05, what: str = "") -> T:
    """Poll probe until it returns something other than None; fail after timeout_s."""
    deadline = time.monotonic() + timeout_s
    while True:
        outcome = probe()
        if outcome is not None:
            return outcome
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {timeout_s} s waiting for {what or probe}")
        time.sleep(interval_s)


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/health", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def mlflow_command() -> list[str]:
    """`mlflow` of the interpreter running the tests (the venv's), whatever is on PATH."""
    return [sys.executable, "-m", "mlflow"]


@contextmanager
def start_mlflow_server(
    workdir: Path, env: dict[str, str], before_waiting: Callable[[], object] | None = None, port: int = 0
) -> Iterator[MlflowServer]:
    """A real `mlflow server` with a sqlite registry in workdir, for the duration of the block.

    before_waiting runs while the server boots (its database migrations take several seconds), so slow
    set-up elsewhere can overlap with it. port 0: a free one.
    """
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    artifact_root = workdir / "artifacts"
    artifact_root.mkdir(parents=True, exist_ok=True)
    log_path = workdir / "mlflow-server.log"
    command = [
        *mlflow_command(),
        "server",
        "--backend-store-uri",
        f"sqlite:///{workdir / 'mlflow.db'}",
        "--default-artifact-root",
        str(artifact_root),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
    ]
    with log_path.open("w") as log:
        # Its own session, so that stopping it also stops the uvicorn worker it forks.
        process = subprocess.Popen(
            command, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = MlflowServer(url=url, artifact_root=artifact_root, log_path=log_path)
    try:
        if before_waiting is not None:
            before_waiting()

        def ready() -> bool | None:
            if process.poll() is not None:
                raise OracleError(f"mlflow server exited with status {process.returncode}:\n{server.log()}")
            return True if _healthy(url) else None

        try:
            wait_until(ready, ORACLE_STARTUP_TIMEOUT_S, interval_s=0.2, what=f"{url}/health")
        except TimeoutError as error:
            raise OracleError(f"{error}\n{server.log()}") from None
        yield server
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=ORACLE_STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
