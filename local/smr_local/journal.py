"""An append-only journal of changed items and objects, folded into a snapshot in the background.

Layout of the data directory (format 2):

    state/snapshot.jsonl          line 1: {"format": 2, "through": N}; then one change per line, the live state
                                  after journal entry N (items and objects that exist)
    state/journal-<seq>.jsonl     {"seq": n, "changes": [...]} per acknowledged request, from entry <seq> on
    s3/blobs/<sha256>             object bytes, named by content, written (and fsync'ed) before the entry naming them

A change is the new state of one thing, never the request that made it, so replaying is applying each in order:

    {"t": "item", "key": {<typed key>}, "item": {<typed attributes>} | null}     (null: deleted)
    {"t": "object", "key": "<s3 key>", "blob": "<sha256>" | null, "metadata": {...}}

`append` writes, flushes and fsyncs one line per request before the request is acknowledged; a crash can only tear
the last line of the last segment, which was never acknowledged and is skipped on load. When a segment is full a new
one is started, and a background thread has a child process fold the closed segments into a new snapshot (written to
a temporary file, fsync'ed, renamed: the server's process keeps its CPU and memory for requests), then deletes them
and the blobs nothing refers to any more. Nothing runs while nothing changes.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

LOGGER = logging.getLogger("smr_local")

FORMAT_VERSION = 2
SEGMENT_ENTRIES = 5_000  # entries per journal segment before a new one starts (and a compaction is due)
_SEGMENT_PATTERN = re.compile(r"journal-(\d{12})\.jsonl")
CHILD_FOLD_TIMEOUT_S = 600

Change = dict[str, Any]


def change_key(change: Change) -> tuple[str, ...]:
    """What a change is about: later changes of the same thing replace earlier ones."""
    if change["t"] == "item":
        # A key attribute is a string, number or binary: {"S": "..."}, one type and one scalar value.
        return (
            "i",
            *sorted(f"{name}:{kind}:{inner}" for name, value in change["key"].items() for kind, inner in value.items()),
        )
    return ("o", str(change["key"]))


def is_removal(change: Change) -> bool:
    return change.get("item" if change["t"] == "item" else "blob") is None


def blob_name(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _fsync_directory(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_durably(path: Path, data: bytes | Iterable[bytes]) -> int:
    """Replace path with data (or its chunks, written as they come), fsync'ed; returns the size written.

    A crash leaves the old file or the new one, never a torn one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    size = 0
    try:
        with os.fdopen(descriptor, "wb") as stream:
            for chunk in [data] if isinstance(data, bytes) else data:
                size += stream.write(chunk)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
        _fsync_directory(path.parent)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return size


def _json_lines(path: Path) -> Iterator[dict[str, Any]]:
    """The readable lines of a file; a torn or unreadable line is skipped (and logged), never fatal."""
    for value, _ in _json_lines_as_read(path):
        yield value


def _json_lines_as_read(path: Path) -> Iterator[tuple[dict[str, Any], bytes]]:
    """Each readable line of a file, parsed and as read (without its line end)."""
    with path.open("rb") as stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except ValueError:
                LOGGER.warning("%s:%d: unreadable line skipped (a write cut short by a crash?)", path, number)
                continue
            if isinstance(value, dict):
                yield value, line.rstrip(b"\r\n")


_Kept = TypeVar("_Kept")  # what a fold keeps of each live change


def _line_and_blob(change: Change) -> tuple[bytes, str | None]:
    return _snapshot_line(change), change.get("blob")


def _snapshot_line(change: Change) -> bytes:
    return json.dumps(change, separators=(",", ":")).encode()


def _read_snapshot(path: Path, keep: Callable[[Change, bytes], _Kept]) -> tuple[int, dict[tuple[str, ...], _Kept]]:
    """The entry number a snapshot is as of, and `keep(change, line as read)` of each thing in it, by key."""
    state: dict[tuple[str, ...], _Kept] = {}
    if not path.exists():
        return 0, state
    lines = _json_lines_as_read(path)
    header, _ = next(lines, ({}, b""))
    for change, line in lines:
        state[change_key(change)] = keep(change, line)
    return int(header.get("through", 0)), state


def _fold(
    state: dict[tuple[str, ...], _Kept], segments: Iterable[Path], after: int, keep: Callable[[Change], _Kept]
) -> int:
    """Apply the entries numbered above `after` (keeping `keep(change)` of each); returns the last one applied."""
    last = after
    for path in segments:
        for entry in _json_lines(path):
            seq = int(entry.get("seq", 0))
            if seq <= after:
                continue
            for change in entry.get("changes", []):
                key = change_key(change)
                if is_removal(change):
                    state.pop(key, None)
                else:
                    state[key] = keep(change)
            last = max(last, seq)
    return last


@dataclass
class JournalStatus:
    entries_since_snapshot: int
    segments: int
    snapshot_bytes: int
    journal_bytes: int
    compactions: int
    compaction_failures: int


class Journal:
    """The data directory's state: load it once, then append changes; compaction runs on its own thread."""

    def __init__(self, data_dir: Path, segment_entries: int = SEGMENT_ENTRIES) -> None:
        self.data_dir = data_dir
        self._state_dir = data_dir / "state"
        self.blobs_dir = data_dir / "s3" / "blobs"
        self._segment_entries = segment_entries
        self._lock = threading.Lock()  # appends, rotation, and the blob sweep
        self._compaction_lock = threading.Lock()
        self._next_seq = 1
        self._active: IO[bytes] | None = None
        self._active_path: Path | None = None
        self._active_entries = 0
        self._entries_since_snapshot = 0
        self._compact_due = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._compactions = 0
        self._compaction_failures = 0

    @property
    def snapshot_path(self) -> Path:
        return self._state_dir / "snapshot.jsonl"

    def exists(self) -> bool:
        return self.snapshot_path.exists() or bool(self._segments())

    def _segments(self) -> list[tuple[int, Path]]:
        if not self._state_dir.exists():
            return []
        found = []
        for path in self._state_dir.iterdir():
            match = _SEGMENT_PATTERN.fullmatch(path.name)
            if match:
                found.append((int(match.group(1)), path))
        return sorted(found)

    # --- reading ---------------------------------------------------------------------------------------------------

    def load(self) -> list[Change]:
        """The live state (every existing item and object); call once, before `open`."""
        through, state = _read_snapshot(self.snapshot_path, keep=lambda change, _line: change)
        last = _fold(state, (path for _, path in self._segments()), through, keep=lambda change: change)
        self._next_seq = last + 1
        self._entries_since_snapshot = last - through
        return list(state.values())

    # --- writing ---------------------------------------------------------------------------------------------------

    def open(self) -> None:
        """Start a new segment for this run's entries and the background compaction."""
        self._state_dir.mkdir(parents=True, exist_ok=True)
        self.blobs_dir.mkdir(parents=True, exist_ok=True)
        with self._lock:
            self._start_segment()
        self._thread = threading.Thread(target=self._compact_loop, name="smr-compaction", daemon=True)
        self._thread.start()
        if self._entries_since_snapshot:
            self._compact_due.set()

    def _start_segment(self) -> None:
        if self._active is not None:
            self._active.close()
        self._active_path = self._state_dir / f"journal-{self._next_seq:012d}.jsonl"
        self._active = self._active_path.open("ab")
        self._active_entries = 0
        _fsync_directory(self._state_dir)

    def append(self, changes: list[Change], blobs: Mapping[str, bytes] | None = None) -> None:
        """Make changes durable: blobs first, then one journal line, each fsync'ed before this returns."""
        with self._lock:
            self._write_blobs(blobs or {})
            assert self._active is not None, "append before open"
            line = json.dumps({"seq": self._next_seq, "changes": changes}, separators=(",", ":")) + "\n"
            self._active.write(line.encode())
            self._active.flush()
            os.fdatasync(self._active.fileno())
            self._next_seq += 1
            self._active_entries += 1
            self._entries_since_snapshot += 1
            if self._active_entries >= self._segment_entries:
                self._start_segment()
                self._compact_due.set()

    def append_blobs(self, blobs: Mapping[str, bytes]) -> None:
        """Make object bytes durable that a snapshot (not an entry) will name."""
        with self._lock:
            self._write_blobs(blobs)

    def _write_blobs(self, blobs: Mapping[str, bytes]) -> None:
        for name, data in blobs.items():
            path = self.blobs_dir / name
            if not path.exists():
                write_durably(path, data)

    def write_snapshot(self, changes: Iterable[Change], through: int) -> int:
        """Replace the snapshot with these live changes, as of journal entry `through`; returns its size."""
        return _write_snapshot_lines(self.snapshot_path, (_snapshot_line(change) for change in changes), through)

    # --- compaction ------------------------------------------------------------------------------------------------

    def compact(self) -> bool:
        """Fold the closed segments into the snapshot, then drop them and unreferenced blobs; False if none."""
        with self._compaction_lock:
            return self._compact()

    def _compact(self) -> bool:
        with self._lock:
            closed = [path for _, path in self._segments() if path != self._active_path]
        if not closed:
            return False
        folded = _fold_in_child_process(self.snapshot_path, closed)
        for path in closed:
            path.unlink(missing_ok=True)
        with self._lock:
            self._entries_since_snapshot = max(0, self._next_seq - 1 - folded.through)
            self._sweep_blobs(folded.blobs)
        self._compactions += 1
        LOGGER.info("journal compacted: %d live items and objects, through entry %d", folded.live, folded.through)
        return True

    def _sweep_blobs(self, in_snapshot: set[str]) -> None:
        """Delete blobs neither the snapshot nor a remaining segment names (under the lock: appends wait)."""
        used = set(in_snapshot)
        for _, path in self._segments():
            for entry in _json_lines(path):
                used.update(change["blob"] for change in entry.get("changes", []) if change.get("blob"))
        for blob in self.blobs_dir.iterdir():
            if blob.name not in used and not blob.name.startswith("."):
                blob.unlink(missing_ok=True)

    def _compact_loop(self) -> None:
        while True:
            self._compact_due.wait()
            if self._stop.is_set():
                return
            self._compact_due.clear()
            try:
                self.compact()
            except Exception:  # the segments stay; the next rotation tries again
                self._compaction_failures += 1
                LOGGER.exception("compacting the journal in %s failed", self.data_dir)

    def close(self) -> None:
        self._stop.set()
        self._compact_due.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            if self._active is not None:
                self._active.close()
                self._active = None

    def status(self) -> JournalStatus:
        segments = self._segments()
        return JournalStatus(
            entries_since_snapshot=self._entries_since_snapshot,
            segments=len(segments),
            snapshot_bytes=self.snapshot_path.stat().st_size if self.snapshot_path.exists() else 0,
            journal_bytes=sum(path.stat().st_size for _, path in segments if path.exists()),
            compactions=self._compactions,
            compaction_failures=self._compaction_failures,
        )


# --- the fold, run in a child process -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Folded:
    through: int  # the last journal entry the new snapshot includes
    live: int  # items and objects in it
    blobs: set[str]  # the blobs it names


def _write_snapshot_lines(path: Path, lines: Iterable[bytes], through: int) -> int:
    header = json.dumps({"format": FORMAT_VERSION, "through": through}).encode()
    return write_durably(path, (line + b"\n" for line in itertools.chain([header], lines)))


def fold_into_snapshot(snapshot_path: Path, segments: list[Path]) -> Folded:
    """Write a new snapshot: the current one with the segments' entries applied (the segments stay)."""
    # The live state as the lines to write and the blob each names: kept as bytes, not parsed objects, so that
    # compacting a large registry does not hold it in memory several times over.
    through, state = _read_snapshot(snapshot_path, keep=lambda change, line: (line, change.get("blob")))
    last = _fold(state, segments, through, keep=_line_and_blob)
    _write_snapshot_lines(snapshot_path, (line for line, _ in state.values()), last)
    return Folded(last, len(state), {blob for _, blob in state.values() if blob})


def _fold_in_child_process(snapshot_path: Path, segments: list[Path]) -> Folded:
    """fold_into_snapshot in a child process: the server's own process keeps its CPU (its GIL) for requests, and
    the memory of a whole registry's snapshot is the child's, given back when it ends."""
    finished = subprocess.run(
        # -I: isolated (no script directory, environment or user site on the path): it needs the standard library only.
        [sys.executable, "-I", __file__, str(snapshot_path), *map(str, segments)],
        capture_output=True,
        check=True,
        timeout=CHILD_FOLD_TIMEOUT_S,
    )
    answer = json.loads(finished.stdout)
    return Folded(int(answer["through"]), int(answer["live"]), set(answer["blobs"]))


if __name__ == "__main__":  # python journal.py <snapshot> <segment>...: the child process of a compaction
    folded = fold_into_snapshot(Path(sys.argv[1]), [Path(argument) for argument in sys.argv[2:]])
    json.dump({"through": folded.through, "live": folded.live, "blobs": sorted(folded.blobs)}, sys.stdout)
