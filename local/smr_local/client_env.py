"""What a client needs to use `make run`: the packages to install and a file of `export` lines to `source`."""

from __future__ import annotations

import os
import shlex
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
