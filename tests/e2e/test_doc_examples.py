"""The first hour: every code block of README.md and docs/*.md that needs no AWS account runs, as written.

Against a local server (`python -m smr_local`, what `make run` starts, on free ports, its data directory `.smr/` in a
scratch working directory), in a fresh virtualenv made with the documented client install (`pip install
"./sdk[mlflow]"`, done with uv from its warm cache), with no environment but `.smr/env` (sourced) and PATH, HOME,
LANG. Blocks run in document order, README first; sh/bash blocks under `bash -euo pipefail`, python blocks with the
virtualenv's python. A block preceded by `<!-- no-test: reason -->` is skipped, and every skip is reported (as a
DocBlockSkipped warning in pytest's summary) with its reason.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.server import LocalServer, start_local_server

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
CLIENT_INSTALL = 'pip install "./sdk[mlflow]"'
RUNNABLE = {"sh", "bash", "python"}
NO_TEST = re.compile(r"^<!--\s*no-test:\s*(?P<reason>\S.*?)\s*-->$")
FENCE = re.compile(r"^```(?P<lang>[A-Za-z0-9_+-]*)\s*$")
BLOCK_TIMEOUT_S = 240
INSTALL_TIMEOUT_S = 600


class DocBlockSkipped(UserWarning):
    """A documentation block the test does not run, and why (its `no-test` comment)."""


@dataclass(frozen=True)
class Block:
    document: Path
    line: int
    lang: str
    code: str
    skip_reason: str | None

    @property
    def where(self) -> str:
        return f"{self.document.relative_to(REPO_ROOT)}:{self.line}"


def doc_blocks(document: Path) -> list[Block]:
    """The fenced code blocks of a Markdown file, each with the `no-test` reason of the line before it (if any)."""
    blocks: list[Block] = []
    lines = document.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        start = index
        index += 1
        while index < len(lines) and lines[index].rstrip() != "```":
            index += 1
        previous = next((lines[i].strip() for i in range(start - 1, -1, -1) if lines[i].strip()), "")
        marker = NO_TEST.match(previous)
        blocks.append(
            Block(
                document,
                start + 1,
                opening["lang"].lower(),
                "\n".join(lines[start + 1 : index]) + "\n",
                marker["reason"] if marker else None,
            )
        )
        index += 1
    return blocks


def test_the_blocks_are_found_and_every_skip_has_a_reason() -> None:
    blocks = [block for document in DOCUMENTS for block in doc_blocks(document)]
    runnable = [block for block in blocks if block.lang in RUNNABLE]
    assert len([block for block in runnable if block.skip_reason is None]) >= 10
    # A no-test comment only makes sense before a block that would run.
    assert all(block.lang in RUNNABLE for block in blocks if block.skip_reason is not None)
    assert CLIENT_INSTALL in (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def _uv() -> str:
    found = REPO_ROOT / ".venv-uv" / "bin" / "uv"
    if found.is_file():
        return str(found)
    on_path = shutil.which("uv")
    assert on_path, "uv is needed to make the client virtualenv (make test bootstraps it into .venv-uv/)"
    return on_path


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("first-hour")


@pytest.fixture(scope="module")
def client_venv(scratch: Path) -> Path:
    """A fresh virtualenv with only the documented client install (uv's cache makes it seconds)."""
    venv = scratch / "client-venv"
    subprocess.run([_uv(), "venv", "--quiet", "--python", sys.executable, str(venv)], check=True, timeout=120)
    requirement = CLIENT_INSTALL.removeprefix("pip install ").strip('"').replace("./sdk", str(REPO_ROOT / "sdk"))
    subprocess.run(
        [_uv(), "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), requirement],
        check=True,
        timeout=INSTALL_TIMEOUT_S,
    )
    return venv


@pytest.fixture(scope="module")
def server(scratch: Path) -> Iterator[LocalServer]:
    running = start_local_server(scratch / ".smr")
    try:
        yield running
    finally:
        running.stop()


def _sourced_env_file(workdir: Path) -> dict[str, str]:
    """What `source .smr/env` sets, measured by sourcing it in an empty bash (proving it is sourceable)."""

    def environment(script: str) -> dict[str, str]:
        done = subprocess.run(
            ["bash", "-c", f"{script}env -0"], cwd=workdir, env={}, capture_output=True, check=True, timeout=30
        )
        pairs = (item.split("=", 1) for item in done.stdout.decode().split("\0") if "=" in item)
        return dict(pairs)

    before = environment("")
    after = environment("set -e; source .smr/env; ")
    return {key: value for key, value in after.items() if before.get(key) != value and key != "_"}


@pytest.fixture(scope="module")
def block_environment(scratch: Path, client_venv: Path, server: LocalServer) -> dict[str, str]:
    exported = _sourced_env_file(scratch)
    assert exported["SMR_ENDPOINT"] == server.url
    home = scratch / "home"
    home.mkdir(exist_ok=True)
    return {
        "PATH": f"{client_venv / 'bin'}{os.pathsep}/usr/local/bin{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "VIRTUAL_ENV": str(client_venv),
        **exported,
    }


def _run(block: Block, workdir: Path, environment: dict[str, str], venv: Path) -> None:
    script = workdir / f"block-{block.document.stem}-{block.line}.{'py' if block.lang == 'python' else 'sh'}"
    script.write_text(block.code, encoding="utf-8")
    command = (
        [str(venv / "bin" / "python"), str(script)]
        if block.lang == "python"
        else ["bash", "-euo", "pipefail", str(script)]
    )
    try:
        done = subprocess.run(
            command, check=False, cwd=workdir, env=environment, capture_output=True, text=True, timeout=BLOCK_TIMEOUT_S
        )
    except subprocess.TimeoutExpired as timeout:
        output = timeout.stdout.decode(errors="replace") if isinstance(timeout.stdout, bytes) else timeout.stdout
        pytest.fail(f"{block.where} did not finish within {BLOCK_TIMEOUT_S} s:\n{block.code}\n{output}")
    if done.returncode != 0:
        pytest.fail(
            f"{block.where} ({block.lang}) exited {done.returncode}:\n--- block\n{block.code}"
            f"--- stdout\n{done.stdout[-3000:]}\n--- stderr\n{done.stderr[-5000:]}"
        )


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
def test_every_block_of_the_document_runs_as_written(
    document: Path, scratch: Path, client_venv: Path, block_environment: dict[str, str]
) -> None:
    for block in doc_blocks(document):
        if block.lang not in RUNNABLE:
            continue
        if block.skip_reason is not None:
            warnings.warn(f"{block.where} not run: {block.skip_reason}", DocBlockSkipped, stacklevel=1)
            continue
        _run(block, scratch, block_environment, client_venv)
