"""One contract, two stores: the in-memory fake must behave as the DynamoDB store does, or it would lie to the
unit tests that rely on it."""

from __future__ import annotations

from typing import Any

import pytest

from registry_core.domain.artifacts import FileEntry, Upload, UploadOrigin, UploadState
from registry_core.domain.entities import ModelVersion, RegisteredModel, Stage
from registry_core.domain.errors import InvalidParameterValue
from registry_core.store import items, keys
from registry_core.store.base import (
    ConcurrentModification,
    HistoryIndex,
    HistoryQuery,
    Index,
    PageRequest,
    RegistryStore,
    Write,
)
from registry_core.store.dynamodb import DynamoDbRegistryStore
from registry_core.store.memory import InMemoryRegistryStore

from .conftest import TABLE_NAME


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: pytest.FixtureRequest) -> RegistryStore:
    if request.param == "memory":
        return InMemoryRegistryStore()
    dynamodb_store: DynamoDbRegistryStore = request.getfixturevalue("dynamodb_store")
    return dynamodb_store


def _model(name: str, updated: int = 1000, **fields: Any) -> RegisteredModel:
    return RegisteredModel(name=name, creation_timestamp=1000, last_updated_timestamp=updated, **fields)


def _version(name: str, number: int, updated: int = 1000, run_id: str | None = None) -> ModelVersion:
    return ModelVersion(
        name=name,
        version=number,
        creation_timestamp=1000,
        last_updated_timestamp=updated,
        source=f"s3://bucket/{name}/{number}",
        run_id=run_id,
        tags={"team": "risk", "unicode": "é✓"},
    )


def test_a_committed_model_reads_back_whole(store: RegistryStore) -> None:
    model = _model("fraud", description="d", tags={"a": "b"}, aliases={"champion": 1}, next_version=2)
    model.stages = {1: Stage.PRODUCTION}
    model.copies = {1: _version("fraud", 1)}
    store.commit(Write(put_models=[(model, None)], new_versions=[_version("fraud", 1)]))
    read = store.get_model("fraud")
    assert read == model
    both = store.get_model_and_version("fraud", 1)
    assert both == (model, _version("fraud", 1))
    assert store.get_model_and_version("fraud", 2) == (model, None)
    assert store.get_model("other") is None


def test_creating_an_existing_name_conflicts(store: RegistryStore) -> None:
    store.commit(Write(put_models=[(_model("fraud"), None)]))
    with pytest.raises(ConcurrentModification):
        store.commit(Write(put_models=[(_model("fraud", description="second"), None)]))
    read = store.get_model("fraud")
    assert read is not None and read.description is None


def test_a_stale_revision_conflicts_and_nothing_of_the_write_lands(store: RegistryStore) -> None:
    store.commit(Write(put_models=[(_model("fraud"), None)]))
    moved = _model("fraud", rev=1)
    store.commit(Write(put_models=[(moved, 0)]))
    stale = _model("fraud", rev=1, description="stale")
    with pytest.raises(ConcurrentModification):
        store.commit(Write(put_models=[(stale, 0)], new_versions=[_version("fraud", 1)]))
    assert store.get_version("fraud", 1) is None
    read = store.get_model("fraud")
    assert read is not None and read.description is None


def test_a_version_number_cannot_be_created_twice(store: RegistryStore) -> None:
    store.commit(Write(put_models=[(_model("fraud"), None)], new_versions=[_version("fraud", 1)]))
    with pytest.raises(ConcurrentModification):
        store.commit(Write(put_models=[(_model("fraud", rev=1), 0)], new_versions=[_version("fraud", 1)]))
    read = store.get_model("fraud")
    assert read is not None and read.rev == 0


def test_versions_of_a_model_page_in_version_order(store: RegistryStore) -> None:
    store.commit(Write(put_models=[(_model("fraud"), None)], new_versions=[_version("fraud", n) for n in range(1, 8)]))
    store.commit(Write(put_models=[(_model("other"), None)], new_versions=[_version("other", 1)]))
    seen: list[int] = []
    start = None
    while True:
        page = store.query_versions(
            PageRequest(Index.VERSIONS_OF_MODEL, False, partition="fraud", start_key=start, limit=3)
        )
        seen.extend(version.version for version, _ in page.items)
        if page.last_key is None:
            break
        start = page.last_key
    assert seen == [7, 6, 5, 4, 3, 2, 1]


def test_resuming_after_any_returned_item_continues_right_after_it(store: RegistryStore) -> None:
    for name in ["a", "b", "c", "d", "e"]:
        store.commit(Write(put_models=[(_model(name), None)]))
    first = store.query_models(PageRequest(Index.MODELS_BY_NAME, True, limit=5))
    _, key_after_b = first.items[1]
    rest = store.query_models(PageRequest(Index.MODELS_BY_NAME, True, start_key=key_after_b, limit=10))
    assert [model.name for model, _ in rest.items] == ["c", "d", "e"]


def test_models_page_by_name_prefix_and_by_last_update(store: RegistryStore) -> None:
    for index, name in enumerate(["fraud-a", "fraud-b", "churn", "fraud-c"]):
        store.commit(Write(put_models=[(_model(name, updated=5000 - index), None)]))
    by_prefix = store.query_models(PageRequest(Index.MODELS_BY_NAME, True, prefix="fraud-", limit=10))
    assert [model.name for model, _ in by_prefix.items] == ["fraud-a", "fraud-b", "fraud-c"]
    by_update = store.query_models(PageRequest(Index.MODELS_BY_UPDATE, False, limit=10))
    assert [model.name for model, _ in by_update.items] == ["fraud-a", "fraud-b", "churn", "fraud-c"]


def test_versions_are_found_by_run(store: RegistryStore) -> None:
    store.commit(
        Write(
            put_models=[(_model("fraud"), None)],
            new_versions=[_version("fraud", 1, run_id="r1"), _version("fraud", 2, run_id="r2")],
        )
    )
    page = store.query_versions(PageRequest(Index.VERSIONS_BY_RUN, partition="r2"))
    assert [version.version for version, _ in page.items] == [2]


def test_batch_reads_and_cleanup_writes(store: RegistryStore) -> None:
    for name in ["a", "b"]:
        store.commit(Write(put_models=[(_model(name), None)]))
    assert set(store.get_models(["a", "b", "missing", "a"])) == {"a", "b"}
    store.put_versions_in_batches([_version("a", n) for n in range(1, 31)])
    assert store.get_version("a", 30) == _version("a", 30)
    store.delete_versions_in_batches("a", list(range(1, 31)))
    assert store.query_versions(PageRequest(Index.VERSIONS_OF_MODEL, partition="a")).items == []


def test_deleting_a_model_needs_its_current_revision(store: RegistryStore) -> None:
    store.commit(Write(put_models=[(_model("a"), None)]))
    with pytest.raises(ConcurrentModification):
        store.commit(Write(delete_models=[("a", 7)]))
    store.commit(Write(delete_models=[("a", 0)]))
    assert store.get_model("a") is None


# --- upload records (issue 3) ---------------------------------------------------------------------------------


def _upload(upload_id: str, created: int, name: str = "fraud", **fields: Any) -> Upload:
    return Upload(
        name=name,
        upload_id=upload_id,
        origin=UploadOrigin.S3_EVENT,
        state=UploadState.OPEN,
        created_timestamp=created,
        last_updated_timestamp=created,
        **fields,
    )


def test_an_upload_record_is_created_once_and_then_moves_only_from_the_revision_read(store: RegistryStore) -> None:
    first = _upload("u 1", 1000, files=[FileEntry(path="MLmodel", size=1, sha256="a" * 64)])
    store.commit(Write(put_uploads=[(first, None)]))
    with pytest.raises(ConcurrentModification):
        store.commit(Write(put_uploads=[(_upload("u 1", 2000), None)]))
    assert store.get_upload("fraud", "u 1") == first
    moved = first.model_copy(update={"state": UploadState.REGISTERING, "version": 3, "rev": 1})
    with pytest.raises(ConcurrentModification):
        store.commit(Write(put_uploads=[(moved, 5)]))
    store.commit(Write(put_uploads=[(moved, 0)]))
    assert store.get_upload("fraud", "u 1") == moved
    assert store.get_upload("fraud", "other") is None


def test_an_upload_record_and_a_version_land_together_or_not_at_all(store: RegistryStore) -> None:
    model = _model("fraud")
    store.commit(Write(put_models=[(model, None)]))
    store.commit(Write(put_uploads=[(_upload("u", 1000), None)]))
    with pytest.raises(ConcurrentModification):
        # The upload record exists already: the version must not appear either.
        store.commit(Write(new_versions=[_version("fraud", 1)], put_uploads=[(_upload("u", 1000), None)]))
    assert store.get_version("fraud", 1) is None


def test_upload_records_are_listed_per_model_newest_first(store: RegistryStore) -> None:
    for upload_id, created in (("a", 1000), ("c", 3000), ("b", 2000)):
        store.commit(Write(put_uploads=[(_upload(upload_id, created), None)]))
    store.commit(Write(put_uploads=[(_upload("x", 5000, name="fraud-v2"), None)]))
    assert [u.upload_id for u in store.list_uploads("fraud", 10)] == ["c", "b", "a"]
    assert [u.upload_id for u in store.list_uploads("fraud", 2)] == ["c", "b"]
    # Upload records are not models or versions: searches never see them.
    assert store.query_models(PageRequest(Index.MODELS_BY_NAME)).items == []


# -- history and outbox events (issue 5) ------------------------------------------------------------------------


def _stage_record(uid: str, ts: int, version: int, from_stage: str | None, to_stage: str | None, rev: int = 1) -> Any:
    from registry_core.domain.governance import ChangeKind, HistoryRecord

    return HistoryRecord(
        model_uid=uid,
        model_name="fraud",
        timestamp=ts,
        rev=rev,
        subject=ChangeKind.STAGE,
        version=version,
        from_stage=from_stage,
        to_stage=to_stage,
        principal="alice",
    )


def _alias_record(uid: str, ts: int, alias: str, from_version: int | None, to_version: int | None) -> Any:
    from registry_core.domain.governance import ChangeKind, HistoryRecord

    return HistoryRecord(
        model_uid=uid,
        model_name="fraud",
        timestamp=ts,
        rev=ts,
        subject=ChangeKind.ALIAS,
        version=to_version if to_version is not None else from_version,
        alias=alias,
        from_version=from_version,
        to_version=to_version,
        comment="why",
    )


def test_a_change_lands_with_its_history_and_events(store: RegistryStore) -> None:
    from registry_core.domain.governance import EventType, RegistryEvent

    model = _model("fraud")
    record = _stage_record(model.uid, 2000, 1, None, "None", rev=0)
    event = RegistryEvent(
        id="e1",
        type=EventType.MODEL_VERSION_CREATED,
        timestamp=2000,
        model_uid=model.uid,
        model_name="fraud",
        data={"name": "fraud", "metrics": [0.5, 1], "nested": {"a": "b"}},
    )
    store.commit(
        Write(put_models=[(model, None)], new_versions=[_version("fraud", 1)], history=[record], events=[event])
    )
    assert store.query_history(HistoryQuery(HistoryIndex.MODEL, model.uid)) == [record]
    assert _outbox_events(store, model.uid) == [event]


def _outbox_events(store: RegistryStore, model_uid: str) -> list[Any]:
    """A model's outbox events: the fake keeps them for tests; in the table they are items the stream carries."""
    if isinstance(store, InMemoryRegistryStore):
        return store.outbox_events(model_uid)
    assert isinstance(store, DynamoDbRegistryStore)
    response = store._client.query(
        TableName=TABLE_NAME,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": keys.event_pk(model_uid)}},
        ConsistentRead=True,
    )
    return [items.event_from_item(item) for item in response["Items"]]


def test_a_taken_history_key_cancels_the_whole_change(store: RegistryStore) -> None:
    model = _model("fraud")
    record = _stage_record(model.uid, 2000, 1, None, "None")
    store.commit(Write(put_models=[(model, None)], history=[record]))
    changed = _model("fraud", rev=1, description="changed")
    with pytest.raises(ConcurrentModification):
        store.commit(Write(put_models=[(changed, 0)], new_versions=[_version("fraud", 1)], history=[record]))
    read = store.get_model("fraud")
    assert read is not None and read.rev == 0 and read.description is None
    assert store.get_version("fraud", 1) is None


def test_a_failed_model_condition_leaves_no_history(store: RegistryStore) -> None:
    store.commit(Write(put_models=[(_model("fraud"), None)]))
    model = _model("fraud")
    with pytest.raises(ConcurrentModification):
        store.commit(
            Write(put_models=[(_model("fraud", rev=8), 7)], history=[_stage_record(model.uid, 1, 1, None, "x")])
        )
    assert store.query_history(HistoryQuery(HistoryIndex.MODEL, model.uid)) == []


def test_history_is_found_by_version_alias_and_stage_within_bounds(store: RegistryStore) -> None:
    uid = "u1"
    records = [
        _stage_record(uid, 1000, 1, None, "None"),
        _stage_record(uid, 1001, 1, "None", "Production"),
        _alias_record(uid, 1002, "champion", None, 1),
        _stage_record(uid, 1003, 2, None, "None"),
        _alias_record(uid, 1004, "champion", 1, 2),
        _stage_record(uid, 1005, 1, "Production", "Archived"),
    ]
    store.commit(Write(history=records))

    def read(index: HistoryIndex, subject: int | str | None = None, **bounds: Any) -> list[int]:
        return [r.timestamp for r in store.query_history(HistoryQuery(index, uid, subject, **bounds))]

    assert read(HistoryIndex.MODEL) == [1000, 1001, 1002, 1003, 1004, 1005]
    assert read(HistoryIndex.MODEL, ascending=False, limit=2) == [1005, 1004]
    assert read(HistoryIndex.VERSION, 1) == [1000, 1001, 1002, 1005]
    assert read(HistoryIndex.VERSION, 2) == [1003, 1004]
    assert read(HistoryIndex.VERSION_ALIAS_LEFT, 1) == [1004]
    assert read(HistoryIndex.VERSION_ALIAS_LEFT, 2) == []
    assert read(HistoryIndex.ALIAS, "champion", at_or_before_ms=1003, ascending=False, limit=1) == [1002]
    assert read(HistoryIndex.ALIAS, "other") == []
    assert read(HistoryIndex.STAGE_ENTERED, "Production") == [1001]
    assert read(HistoryIndex.STAGE_LEFT, "Production") == [1005]
    assert read(HistoryIndex.STAGE_LEFT, "None") == [1001]
    position_1002 = (1002, 1002, 0)
    assert read(HistoryIndex.MODEL, after=position_1002) == [1003, 1004, 1005]
    assert read(HistoryIndex.MODEL, before=position_1002) == [1000, 1001]
    assert read(HistoryIndex.MODEL, before=position_1002, ascending=False) == [1001, 1000]
    assert read(HistoryIndex.MODEL, after=position_1002, at_or_before_ms=1004) == [1003, 1004]
    assert read(HistoryIndex.MODEL, after=position_1002, before=(1005, 1, 0)) == [1003, 1004]
    assert store.query_history(HistoryQuery(HistoryIndex.MODEL, "another uid")) == []


@pytest.mark.parametrize(
    "forged",
    [
        {"k": 3},
        {"pk": "x"},
        {"pk": {"S": "M#a"}, "sk": {"S": "#MODEL"}},
        {"pk": {"S": "M#a"}, "sk": {"S": "#MODEL"}, "gsi1pk": {"S": "MV"}, "gsi1sk": {"S": "a"}},
        {"pk": {"N": "1"}, "sk": {"S": "#MODEL"}, "gsi1pk": {"S": "RM"}, "gsi1sk": {"S": "a"}},
    ],
)
def test_a_resume_key_the_store_did_not_issue_is_an_invalid_parameter(
    store: RegistryStore, forged: dict[str, Any]
) -> None:
    # Page tokens are not signed: a client can hand back any key, and must get a 400 rather than a 500.
    store.commit(Write(put_models=[(_model("a"), None)]))
    with pytest.raises(InvalidParameterValue):
        store.query_models(PageRequest(Index.MODELS_BY_NAME, start_key=forged))
