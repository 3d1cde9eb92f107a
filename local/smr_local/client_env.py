"""What a client needs to use `make run`: the packages to install and a file of `export` lines to `source`."""

from __future__ import annotations

import os
import shlex
import socket
from collections.abc import Mapping
from pathlib import Path

ENV_FILE_NAME = "env"
# One install for the stock mlflow client (with its SigV4 signer and boto3 for S3) and the smr SDK and CLI: the SDK's
# `mlflow` extra, installed from the repository (docs/sdk.md).
CLIENT_INSTALL = 'pip install "./sdk[mlflow]"'


def export_lines(exports: Mapping[str, str]) -> list[str]:
    return [f"export {name}={shlex.quote(value)}" for name, value in exports.items()]


def write_env_file(data_dir: Path, exports: Mapping[str, str]) -> Path:
    """Write `exports` as a sourceable shell file in `data_dir`, atomically; returns its path."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / ENV_FILE_NAME
    scratch = path.with_name(f".{ENV_FILE_NAME}.{os.getpid()}")
    header = "# Written by `make run`: `source` this file to point mlflow, the smr SDK and the AWS CLI at it.\n"
    scratch.write_text(header + "\n".join(export_lines(exports)) + "\n", encoding="utf-8")
    scratch.replace(path)
    return path


def display_path(path: Path) -> str:
    """`path` relative to the working directory when it is below it (what a user types), else absolute."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class PortInUse(SystemExit):
    """A port `make run` needs is taken; the message says which one the user chose and how to choose another."""


def check_ports_free(host: str, port: int, aws_port: int) -> None:
    """Fail with a readable message, before anything starts, when the registry's or the embedded AWS's port is taken.

    The registry's port is checked first: it is the one the user chose (SMR_PORT), and the embedded AWS's default
    (SMR_PORT + 1) follows from it.
    """
    for number, what, variable in (
        (port, "the registry", "SMR_PORT"),
        (aws_port, "the embedded AWS", "SMR_AWS_PORT (default: SMR_PORT + 1)"),
    ):
        if number == 0:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, number))
            except OSError as error:
                example = f"SMR_PORT={port + 10} make run" if port else "SMR_AWS_PORT=0 (any free port)"
                raise PortInUse(
                    f"smr local: port {number} on {host} ({what}, {variable}) is not available ({error.strerror}). "
                    f"Another `make run` may be running; stop it, or pick other ports, e.g. {example}."
                ) from None
