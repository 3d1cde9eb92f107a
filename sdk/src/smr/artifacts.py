"""Moving a version's files through the registry's presigned URLs: parallel, multipart, SHA-256 checked.

Upload: hash every file, ask uploads/create for URLs, PUT each file (or each part of a large one, in parallel),
then uploads/complete with the parts' ETags. Download: ask download-urls, GET every file into a temporary name,
check its size and SHA-256 against the manifest, then move it into place. Presigned URLs are not signed again.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, Any, TypeVar

import requests

from smr.errors import ArtifactIntegrityError, InvalidParameterValue, SmrError
from smr.models import ModelVersion

if TYPE_CHECKING:
    from smr.client import SmrClient

T = TypeVar("T")

CHUNK_BYTES = 1024 * 1024
DEFAULT_MAX_WORKERS = 8
TRANSFER_RETRIES = 3
TRANSFER_TIMEOUT_S = (10.0, 300.0)


@dataclass(frozen=True)
class LocalFile:
    path: str  # relative, POSIX
    local: Path
    size: int
    sha256: str


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def collect(root: Path) -> list[LocalFile]:
    """The files to upload: `root` itself if it is a file, else every file under it (paths relative to it)."""
    if root.is_file():
        pairs = [(root.name, root)]
    elif root.is_dir():
        pairs = sorted((p.relative_to(root).as_posix(), p) for p in root.rglob("*") if p.is_file())
    else:
        raise InvalidParameterValue(f"{root} is neither a file nor a folder.")
    if not pairs:
        raise InvalidParameterValue(f"{root} holds no files to upload.")
    return [LocalFile(rel, local, local.stat().st_size, sha256_of(local)) for rel, local in pairs]


# Speed and time left are shown once this much of the transfer has run: the first samples (a connection being
# opened, one small part done) would give nonsense like "22.3 kB/s 1:57:25".
SETTLE_S = 1.0


def _settled(column: Any) -> Any:
    """A rich column that renders blank until the task has run SETTLE_S and moved some bytes."""
    from rich.text import Text

    class Settled(column):
        def render(self, task: Any) -> Any:
            if (task.elapsed or 0.0) < SETTLE_S or not task.completed:
                return Text("")
            return super().render(task)

    return Settled()


class _Progress:
    """A rich progress bar over bytes on a terminal; nothing elsewhere."""

    def __init__(self, enabled: bool, total: int, description: str) -> None:
        self._bar: Any = None
        if enabled:
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
                TransferSpeedColumn,
            )

            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(),
                _settled(TransferSpeedColumn),
                _settled(TimeRemainingColumn),
                transient=True,
            )
            self._task = self._bar.add_task(description, total=total)

    def __enter__(self) -> _Progress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *_: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def advance(self, count: int) -> None:
        if self._bar is not None:
            self._bar.advance(self._task, count)


def _show_progress(progress: bool | None) -> bool:
    return sys.stderr.isatty() if progress is None else progress


@contextmanager
def step(progress: bool | None, message: str) -> Iterator[None]:
    """A spinner with `message` on stderr while a slow step runs (on a terminal, or with progress=True)."""
    if not _show_progress(progress):
        yield
        return
    from rich.console import Console

    with Console(stderr=True).status(message):
        yield


class _RetryableTransfer(Exception):
    """S3 answered 5xx: worth another try."""


def _with_retries(action: Callable[[], T]) -> T:
    for attempt in range(TRANSFER_RETRIES + 1):
        try:
            return action()
        except (requests.ConnectionError, requests.Timeout, _RetryableTransfer):
            if attempt == TRANSFER_RETRIES:
                raise
            time.sleep(0.2 * 2**attempt)
    raise AssertionError("unreachable")


def _check(response: requests.Response, what: str) -> None:
    if response.status_code >= 500:
        raise _RetryableTransfer(f"{what}: HTTP {response.status_code}")
    if response.status_code >= 300:
        raise SmrError(f"{what}: HTTP {response.status_code}: {response.text[:300]}", status=response.status_code)


def _read_range(path: Path, offset: int, length: int) -> bytes:
    with path.open("rb") as stream:
        stream.seek(offset)
        return stream.read(length)


def upload(
    client: SmrClient,
    name: str,
    root: Path,
    *,
    complete_fields: dict[str, Any],
    progress: bool | None = None,
    multipart_threshold: int | None = None,
    max_workers: int | None = None,
) -> ModelVersion:
    files = collect(root)
    by_path = {f.path: f for f in files}
    plan = client.create_upload(
        name,
        [{"path": f.path, "size": f.size, "sha256": f.sha256} for f in files],
        multipart_threshold=multipart_threshold,
    )
    session = client.transport.session
    tasks: list[tuple[str, int, Callable[[], str | None]]] = []  # (path, part index, send -> etag)
    for target in plan["files"]:
        local = by_path[target["path"]]
        if "part_urls" in target:
            part_size = int(target["part_size"])
            for index, url in enumerate(target["part_urls"]):
                offset = index * part_size
                length = min(part_size, local.size - offset)

                def send_part(
                    url: str = url, offset: int = offset, length: int = length, local: LocalFile = local
                ) -> str:
                    data = _read_range(local.local, offset, length)
                    response = session.put(url, data=data, timeout=TRANSFER_TIMEOUT_S)
                    _check(response, f"upload of {local.path}")
                    progress_bar.advance(length)
                    return str(response.headers.get("ETag", ""))

                tasks.append((local.path, index, send_part))
        else:
            signed_headers: dict[str, str] = target.get("headers") or {}

            def send_file(
                url: str = target["url"], local: LocalFile = local, headers: dict[str, str] = signed_headers
            ) -> None:
                # Streamed from disk (requests sends a file object in chunks, with its Content-Length).
                with local.local.open("rb") as stream:
                    # The URL is signed for these headers (the file's SHA-256); S3 refuses the PUT without them.
                    response = session.put(url, data=stream, headers=headers, timeout=TRANSFER_TIMEOUT_S)
                _check(response, f"upload of {local.path}")
                progress_bar.advance(local.size)

            tasks.append((local.path, -1, send_file))
    total = sum(f.size for f in files)
    with (
        _Progress(_show_progress(progress), total, f"uploading {name}") as progress_bar,
        ThreadPoolExecutor(max_workers or DEFAULT_MAX_WORKERS) as pool,
    ):
        results = list(pool.map(lambda task: _with_retries(task[2]), tasks))
    parts: dict[str, list[str]] = {}
    for (path, index, _), etag in zip(tasks, results, strict=True):
        if index >= 0:
            parts.setdefault(path, []).append(str(etag))
    fields = {key: value for key, value in complete_fields.items() if value is not None}
    if parts:
        fields["parts"] = parts
    with step(progress, f"uploaded {name}; the registry checks the files' sizes..."):
        return client.complete_upload(plan["upload_id"], name, **fields)


def _safe_destination(dest: Path, relative: str) -> Path:
    """Where a manifest's file goes under dest; refuses a path that could land anywhere else, on POSIX or Windows."""
    posix, windows = PurePosixPath(relative), PureWindowsPath(relative)
    if (
        not posix.parts
        or posix.is_absolute()
        or windows.drive  # a drive (C:x) or a UNC share
        or windows.is_absolute()
        or "\\" in relative  # the separator of Windows
        or any(part in ("..", ".") for part in posix.parts)
    ):
        raise ArtifactIntegrityError(f"refusing to write outside the destination: {relative!r}")
    target = dest.joinpath(*posix.parts)
    if not target.resolve().is_relative_to(dest.resolve()):  # what the OS makes of it must stay inside
        raise ArtifactIntegrityError(f"refusing to write outside the destination: {relative!r}")
    return target


@contextmanager
def _temporary(target: Path) -> Iterator[Path]:
    partial = target.with_name(target.name + ".smr-partial")
    try:
        yield partial
    finally:
        partial.unlink(missing_ok=True)


def download(
    client: SmrClient,
    name: str,
    version: int,
    dest: Path,
    *,
    progress: bool | None = None,
    max_workers: int | None = None,
) -> Path:
    listing = client.get_download_urls(name, version)
    files = listing["files"]
    session = client.transport.session
    dest.mkdir(parents=True, exist_ok=True)

    def fetch(entry: dict[str, Any]) -> None:
        target = _safe_destination(dest, entry["path"])
        target.parent.mkdir(parents=True, exist_ok=True)
        with _temporary(target) as partial:
            digest = hashlib.sha256()
            size = 0
            with session.get(entry["url"], stream=True, timeout=TRANSFER_TIMEOUT_S) as response:
                _check(response, f"download of {entry['path']}")
                with partial.open("wb") as out:
                    for chunk in response.iter_content(CHUNK_BYTES):
                        out.write(chunk)
                        digest.update(chunk)
                        size += len(chunk)
                        progress_bar.advance(len(chunk))
            if digest.hexdigest() != entry["sha256"] or size != int(entry["size"]):
                raise ArtifactIntegrityError(
                    f"{entry['path']}: got {size} bytes with SHA-256 {digest.hexdigest()}, "
                    f"the manifest says {entry['size']} bytes with {entry['sha256']}"
                )
            os.replace(partial, target)

    total = sum(int(entry["size"]) for entry in files)
    with (
        _Progress(_show_progress(progress), total, f"downloading {name} v{version}") as progress_bar,
        ThreadPoolExecutor(max_workers or DEFAULT_MAX_WORKERS) as pool,
    ):
        list(pool.map(lambda entry: _with_retries(lambda: fetch(entry)), files))
    return dest
