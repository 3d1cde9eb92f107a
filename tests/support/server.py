"""The local server (`python -m smr_local`) as a subprocess, on free ports, for integration and end-to-end tests.

with run_local_server(tmp_path / "data") as server:
    requests.get(server.url + "/api/2.0/mlflow/registered-models/search", auth=server.auth())
    boto3.client("s3", endpoint_url=server.aws_url, ...)   # or os.environ.update(server.env)

The server checks SigV4 signatures as API Gateway does: sign with `server.auth()` (the printed key) or
`server.auth(key, secret)` (another key, given to the server in SMR_LOCAL_CREDENTIALS); `server.env` carries
MLFLOW_TRACKING_AUTH=smr, so the stock mlflow client signs with it (the SDK's plugin).
`extra_args=("--no-auth",)` turns it off.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from requests.auth import AuthBase

from smr_local.template import REPO_ROOT

REQUIRED_EXPORTS = (
    "MLFLOW_REGISTRY_URI",
    "MLFLOW_TRACKING_AUTH",
    "SMR_ENDPOINT",
    "MLFLOW_S3_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_DEFAULT_REGION",
    "SMR_BUCKET",
)
STARTUP_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0


class LocalServerError(RuntimeError):
    """The local server did not start, or did not stop cleanly."""


@dataclass
class LocalServer:
    """A running local server: where it listens, what it printed, and how to stop it."""

    url: str
    aws_url: str
    env: dict[str, str]
    data_dir: Path
    process: subprocess.Popen[str]
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)

    def client_environment(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """base (default: os.environ) with the printed exports applied: what a client shell would have."""
        return {**(dict(os.environ) if base is None else dict(base)), **self.env}

    def auth(self, access_key: str | None = None, secret_key: str | None = None) -> AuthBase:
        """A requests auth that signs as the printed key (or the given one), as the mlflow client does."""
        from requests_auth_aws_sigv4 import AWSSigV4

        return AWSSigV4(
            "execute-api",
            region=self.env["AWS_DEFAULT_REGION"],
            aws_access_key_id=access_key or self.env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=secret_key or self.env["AWS_SECRET_ACCESS_KEY"],
        )

    def output(self) -> str:
        return "".join(self.stdout) + "".join(self.stderr)

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout_s: float = STOP_TIMEOUT_S) -> int:
        """Send sig (SIGTERM: a clean stop with a last save) and wait; returns the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise LocalServerError(f"the local server ignored {sig.name}:\n{self.output()}") from None
        return self.process.returncode


def _pump(stream: IO[str], lines: list[str], sink: queue.Queue[str | None] | None) -> None:
    for line in stream:
        lines.append(line)
        if sink is not None:
            sink.put(line)
    if sink is not None:
        sink.put(None)


def _responds(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # any HTTP answer (the 404 for an unknown path) means it is serving
    except OSError:
        return False


def start_local_server(
    data_dir: Path,
    port: int = 0,
    aws_port: int = 0,
    extra_env: Mapping[str, str] | None = None,
    extra_args: tuple[str, ...] = (),
    startup_timeout_s: float = STARTUP_TIMEOUT_S,
) -> LocalServer:
    """Start `python -m smr_local` and return once it has printed its exports and answers HTTP."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "SMR_", "MLFLOW_"))}
    env.update(
        {
            "PYTHONPATH": os.pathsep.join(str(REPO_ROOT / path) for path in ("local", "layers/registry_core")),
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
    )
    command = [
        sys.executable,
        "-m",
        "smr_local",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--aws-port",
        str(aws_port),
        "--data-dir",
        str(data_dir),
        *extra_args,
    ]
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1
    )
    assert process.stdout is not None and process.stderr is not None
    stdout: list[str] = []
    stderr: list[str] = []
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_pump, args=(process.stdout, stdout, lines), daemon=True).start()
    threading.Thread(target=_pump, args=(process.stderr, stderr, None), daemon=True).start()

    def fail(reason: str) -> LocalServerError:
        if process.poll() is None:
            process.kill()
            process.wait()
        return LocalServerError(f"{reason}\n--- stdout\n{''.join(stdout)}--- stderr\n{''.join(stderr)}")

    deadline = time.monotonic() + startup_timeout_s
    # The exports are printed as one block of `export NAME=value` lines; the first other line ends it.
    exports: dict[str, str] = {}
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise fail(f"no export lines within {startup_timeout_s} s") from None
        if line is None:
            raise fail(f"the local server exited with status {process.wait()}")
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").strip().partition("=")
            exports[name] = value
        elif exports:
            break
    missing = [name for name in REQUIRED_EXPORTS if name not in exports]
    if missing:
        raise fail(f"the local server did not export {', '.join(missing)}")

    url = exports["MLFLOW_REGISTRY_URI"]
    while not _responds(url + "/"):
        if process.poll() is not None:
            raise fail(f"the local server exited with status {process.returncode}")
        if time.monotonic() > deadline:
            raise fail(f"{url} did not answer within {startup_timeout_s} s")
        time.sleep(0.05)
    return LocalServer(
        url=url,
        aws_url=exports["MLFLOW_S3_ENDPOINT_URL"],
        env=exports,
        data_dir=data_dir,
        process=process,
        stdout=stdout,
        stderr=stderr,
    )


@contextmanager
def run_local_server(
    data_dir: Path,
    port: int = 0,
    aws_port: int = 0,
    extra_env: Mapping[str, str] | None = None,
    extra_args: tuple[str, ...] = (),
) -> Iterator[LocalServer]:
    """A local server for the duration of the block, stopped with SIGTERM (which must exit 0) afterwards."""
    server = start_local_server(data_dir, port, aws_port, extra_env, extra_args)
    try:
        yield server
    finally:
        status = server.stop()
    if status != 0:
        raise LocalServerError(f"the local server exited with status {status}:\n{server.output()}")


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Poll `condition` until it holds; fail the test naming `what` after `timeout_s` (a bound, not a speed claim)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(0.1)
