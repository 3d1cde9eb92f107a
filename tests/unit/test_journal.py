"""The local server's journal: what was appended is what loads, through crashes, compactions and deletions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from smr_local.journal import Journal, blob_name


def _item(pk: str, value: str = "v") -> dict[str, Any]:
    key = {"pk": {"S": pk}, "sk": {"S": "#"}}
    return {"t": "item", "key": key, "item": {**key, "value": {"S": value}}}


def _deleted(pk: str) -> dict[str, Any]:
    return {"t": "item", "key": {"pk": {"S": pk}, "sk": {"S": "#"}}, "item": None}


def _object(key: str, data: bytes) -> tuple[dict[str, Any], dict[str, bytes]]:
    name = blob_name(data)
    return {"t": "object", "key": key, "blob": name, "metadata": {"content-type": "text/plain"}}, {name: data}


def _opened(data_dir: Path, segment_entries: int = 100) -> tuple[Journal, list[dict[str, Any]]]:
    journal = Journal(data_dir, segment_entries=segment_entries)
    state = journal.load()
    journal.open()
    return journal, state


def _values(state: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        change["key"]["pk"]["S"] if change["t"] == "item" else change["key"]: (
            change["item"]["value"]["S"] if change["t"] == "item" else change["blob"]
        )
        for change in state
    }


def test_the_last_change_of_each_thing_is_what_loads(tmp_path: Path) -> None:
    journal, _ = _opened(tmp_path)
    journal.append([_item("a", "1"), _item("b", "1")])
    journal.append([_item("a", "2")])
    journal.append([_deleted("b")])
    journal.close()

    _, state = _opened(tmp_path)

    assert _values(state) == {"a": "2"}


def test_a_line_torn_by_a_crash_is_skipped_and_everything_before_it_loads(tmp_path: Path) -> None:
    journal, _ = _opened(tmp_path)
    journal.append([_item("a", "1")])
    journal.close()
    (segment,) = (tmp_path / "state").glob("journal-*.jsonl")
    with segment.open("ab") as stream:
        stream.write(b'{"seq": 2, "changes": [{"t": "item", "key"')  # never acknowledged

    reopened, state = _opened(tmp_path)
    reopened.append([_item("c", "1")])
    reopened.close()

    assert _values(state) == {"a": "1"}
    assert _values(Journal(tmp_path).load()) == {"a": "1", "c": "1"}


def test_compaction_keeps_the_state_drops_segments_and_unused_blobs(tmp_path: Path) -> None:
    journal, _ = _opened(tmp_path, segment_entries=2)
    first, first_blob = _object("model.pkl", b"first")
    second, second_blob = _object("model.pkl", b"second")
    journal.append([first], first_blob)
    journal.append([_item("a", "1")])  # the first segment is full: a new one starts
    journal.append([second], second_blob)
    journal.append([_item("b", "1")])

    journal.compact()  # (or the background compaction did it already: the rotations asked for one)

    state = Journal(tmp_path).load()
    assert _values(state) == {"a": "1", "b": "1", "model.pkl": blob_name(b"second")}
    assert sorted(path.name for path in journal.blobs_dir.iterdir()) == [blob_name(b"second")]
    assert [path.name for path in (tmp_path / "state").glob("journal-*.jsonl")] == ["journal-000000000005.jsonl"]
    journal.close()


def test_numbers_go_on_after_a_restart_so_compaction_never_drops_new_entries(tmp_path: Path) -> None:
    journal, _ = _opened(tmp_path, segment_entries=1)
    journal.append([_item("a", "1")])
    journal.append([_item("a", "2")])
    journal.compact()
    journal.close()

    reopened, state = _opened(tmp_path, segment_entries=1)
    reopened.append([_item("a", "3")])
    reopened.compact()
    reopened.close()

    assert _values(state) == {"a": "2"}
    assert _values(Journal(tmp_path).load()) == {"a": "3"}
