"""What smr changes in moto 5.2.5 so that a write costs what it touches; `install()` applies it (idempotent).

moto is the engine of `make run`, of `make bench` and of the integration tests. Left alone, it makes every write cost
O(all history), in time and memory:

- `DynamoDBBackend.transact_write_items` deep-copies the whole table (stream records included) once per item of
  every transaction, to roll back on failure, and rolls back by *replacing* the `Table` object, which strands anyone
  holding the old one (the local stream reader did, and saw nothing ever after). Here a transaction keeps an undo
  log of the items it touches instead (one small deep copy each), and a cancelled one restores those items in the
  same `Table`; moto's own copy is skipped (its `copy.deepcopy` hands a `Table` back as it is).
- A table's stream records are never dropped. Here `trim_stream` drops what a reader has consumed, and a stream
  keeps at most `MAX_STREAM_RECORDS` (the oldest go first, as in AWS after 24 hours); reading from before the oldest
  kept record starts at the oldest (moto would fail an assertion).
- Every `GetRecords` keeps a new shard iterator forever; here only the newest `MAX_SHARD_ITERATORS` are kept.
- `Item.__init__` re-sums the whole item's size for every attribute it sets (O(attributes²) per write, minutes to
  restore 100,000 items); here the size is summed once, against the same limit.

- `Table.query` starts from `all_items()`, which sorts every item of the table (DynamoType comparisons in Python),
  then keeps the query's partition: every Query cost O(table log table), and a server slowed down as its registry
  grew. Here a query starts from the items of its partition only: the table's own partition, or a global secondary
  index's, found in an index of each GSI's hash key values that every recorded change keeps current (built on the
  first such query). moto's own filtering, ordering and paging then run on those items as before.
- Every answer is written by walking botocore's output shape member by member (moto's generic serializer): a
  quarter to a half of the embedded backend's CPU, and a cost that grows with the size of the items read (a stream
  batch of large images took ~40 ms). DynamoDB's data calls and Streams' GetRecords answer with plain JSON of the
  same result instead (`_PLAIN_JSON_OPERATIONS`): their results are already the wire's dicts, blobs aside.
- Before each request moto lists its own package directory (~56 `stat` calls, to tell whether the host names a
  service) and lists the methods of the response class (`inspect.getmembers`); neither changes while it runs, so
  here both are computed once.
- Every instance of a moto model (each item, stream record, shard iterator, message...) is appended to a class-level
  list for moto's dashboard and never released: a server's memory grew by ~130 MB per 1,000 registry writes. Here
  only the S3 models whose list moto's own reset uses to close files (`FakeKey`, `FakeMultipart`) are still tracked.

It also lets one listener see which items and objects each request changed (`ChangeRecorder`), so that the local
server journals exactly those (see smr_local.journal).

Everything relied on here is pinned by tests/integration/test_moto_patches.py: an upgrade of moto that changes it
fails those tests rather than silently bringing the old costs back.
"""

from __future__ import annotations

import base64
import copy
import datetime
import functools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from moto import backends as moto_backends
from moto.core import responses as moto_responses
from moto.core.common_models import BaseModel
from moto.core.responses import ActionContext, ActionResult
from moto.core.serialize import TimestampSerializer
from moto.dynamodb import models as dynamodb_models
from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.table import StreamShard, Table
from moto.dynamodb.models.utilities import bytesize
from moto.dynamodbstreams.models import DynamoDBStreamsBackend
from moto.s3.models import S3Backend

MAX_STREAM_RECORDS = 10_000
MAX_SHARD_ITERATORS = 1_000


@dataclass
class _PatchState:
    lock: threading.Lock = field(default_factory=threading.Lock)
    installed: bool = False
    recorder: ChangeRecorder | None = None


ItemKey = tuple[str, DynamoType, DynamoType | None]  # table name, hash key, range key
ObjectKey = tuple[str, str]  # bucket, key


# --- which items and objects a request changed ------------------------------------------------------------------


@dataclass
class ChangeRecorder:
    """The items and objects changed since the last `take()` (callers serialize moto, so no lock of its own)."""

    items: dict[ItemKey, Table] = field(default_factory=dict)
    objects: set[ObjectKey] = field(default_factory=set)

    def take(self) -> tuple[dict[ItemKey, Table], set[ObjectKey]]:
        items, objects = self.items, self.objects
        self.items, self.objects = {}, set()
        return items, objects


_state = _PatchState()


def set_recorder(recorder: ChangeRecorder | None) -> None:
    """Start (or, with None, stop) telling `recorder` what changes."""
    _state.recorder = recorder


def _record_item(table: Table, hash_key: DynamoType, range_key: DynamoType | None) -> None:
    _item_changed(table, hash_key, range_key)
    if _state.recorder is not None:
        _state.recorder.items[(table.name, hash_key, range_key)] = table


def _record_object(bucket: str, key: str) -> None:
    if _state.recorder is not None:
        _state.recorder.objects.add((bucket, key))


def item_key(table: Table, attributes: dict[str, Any]) -> tuple[DynamoType, DynamoType | None]:
    """The (hash, range) a table stores an item under, from the item's (or a key's) typed attributes."""
    hash_key = DynamoType(attributes[table.hash_key_attr])
    range_key = DynamoType(attributes[table.range_key_attr]) if table.range_key_attr else None
    return hash_key, range_key


def stored_item(table: Table, hash_key: DynamoType, range_key: DynamoType | None) -> Any:
    """The item stored under a key, or None (moto's get_item adds an empty partition for an unknown hash key)."""
    partition = table.items.get(hash_key)
    if partition is None or range_key is None:
        return partition
    return partition.get(range_key)


def _set_stored_item(table: Table, hash_key: DynamoType, range_key: DynamoType | None, item: Any) -> None:
    if range_key is None:
        if item is None:
            table.items.pop(hash_key, None)
        else:
            table.items[hash_key] = item
    elif item is None:
        partition = table.items.get(hash_key)
        if partition is not None:
            partition.pop(range_key, None)
    else:
        table.items[hash_key][range_key] = item
    _item_changed(table, hash_key, range_key)


# --- transactions: an undo log of the touched items ---------------------------------------------------------------


class _TablesAsTheyAre:
    """Stands in for the `copy` module inside moto.dynamodb.models: a Table is not copied, anything else is."""

    @staticmethod
    def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    copy = staticmethod(copy.copy)


@dataclass
class _UndoLog:
    # (table, hash, range) -> a copy of the item as it was (None: absent); update_item changes items in place.
    items: dict[ItemKey, tuple[Table, Any]] = field(default_factory=dict)
    # table name -> the sequence number its stream's next record would have had
    stream_ends: dict[str, tuple[StreamShard, int]] = field(default_factory=dict)

    @classmethod
    def capture(cls, backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> _UndoLog:
        log = cls()
        for entry in transact_items:
            for op_type, op in entry.items():
                table = backend.tables.get(op.get("TableName", "")) if isinstance(op, dict) else None
                if table is None:
                    continue  # moto rejects the transaction before changing anything
                try:
                    hash_key, range_key = item_key(table, op["Item"] if op_type == "Put" else op["Key"])
                except (KeyError, TypeError, ValueError, AttributeError):
                    continue  # a malformed key: moto cannot write it either
                log.items.setdefault(
                    (table.name, hash_key, range_key),
                    (table, copy.deepcopy(stored_item(table, hash_key, range_key))),
                )
                shard = table.stream_shard
                if shard is not None and table.name not in log.stream_ends:
                    log.stream_ends[table.name] = (shard, shard.starting_sequence_number + len(shard.items))
        return log

    def roll_back(self) -> None:
        for (_, hash_key, range_key), (table, item) in self.items.items():
            _set_stored_item(table, hash_key, range_key, item)
            if _state.recorder is not None:
                _state.recorder.items.pop((table.name, hash_key, range_key), None)
        for shard, end in self.stream_ends.values():
            del shard.items[max(0, end - shard.starting_sequence_number) :]


def _transact_write_items(original: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(original)
    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        undo = _UndoLog.capture(self, transact_items)
        try:
            original(self, transact_items)
        except BaseException:
            undo.roll_back()
            raise

    return transact_write_items


# --- streams -----------------------------------------------------------------------------------------------------


def trim_stream(shard: StreamShard, through_sequence_number: int) -> int:
    """Drop the records up to and including a sequence number (a reader has handled them); returns how many."""
    count = min(len(shard.items), max(0, through_sequence_number - shard.starting_sequence_number + 1))
    if count:
        del shard.items[:count]
        shard.starting_sequence_number += count
    return count


def _bounded_add(original: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(original)
    def add(self: StreamShard, old: Any, new: Any) -> None:
        original(self, old, new)
        excess = len(self.items) - MAX_STREAM_RECORDS
        if excess > 0:
            trim_stream(self, self.starting_sequence_number + excess - 1)

    return add


def _get_from_oldest_kept(original: Callable[..., list[dict[str, Any]]]) -> Callable[..., list[dict[str, Any]]]:
    @functools.wraps(original)
    def get(self: StreamShard, start: int, quantity: int) -> list[dict[str, Any]]:
        return original(self, max(start, self.starting_sequence_number), quantity)

    return get


def _bounded_iterators(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def call(self: DynamoDBStreamsBackend, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        iterators = self.shard_iterators
        for arn in list(iterators)[: max(0, len(iterators) - MAX_SHARD_ITERATORS)]:
            del iterators[arn]
        return result

    return call


def stream_end(shard: StreamShard) -> int:
    """The sequence number of the newest record a stream has had (kept or trimmed)."""
    return int(shard.starting_sequence_number + len(shard.items) - 1)


def has_visible_messages(account_id: str, region: str, queue_url: str) -> bool:
    """Whether a queue holds a message a ReceiveMessage would return now (an unknown queue: True, let SQS say)."""
    from moto.sqs.models import sqs_backends

    queue = sqs_backends[account_id][region].queues.get(queue_url.rstrip("/").rsplit("/", 1)[-1])
    return queue is None or bool(queue.messages)


# --- items: one size check, not one per attribute -----------------------------------------------------------------

# moto's LimitedSizeDict: an item may not exceed this many bytes (keys' and values' sizes summed).
ITEM_SIZE_LIMIT = 405_000


def _item_init(self: Item, hash_key: DynamoType, range_key: DynamoType | None, attrs: dict[str, Any]) -> None:
    """moto's Item.__init__ re-sums the whole item's size for each attribute it sets (O(attributes²) per write);
    summing once, at the end, accepts and rejects the same items (sizes only add up)."""
    self.hash_key = hash_key
    self.range_key = range_key
    values = {key: DynamoType(value) for key, value in attrs.items()}
    if sum(bytesize(key) + value.size() for key, value in values.items()) > ITEM_SIZE_LIMIT:
        raise ItemSizeTooLarge
    self.attrs = LimitedSizeDict()
    dict.update(self.attrs, values)  # LimitedSizeDict's own __setitem__ still checks later in-place updates


# --- moto's instance tracking ------------------------------------------------------------------------------------

# S3Backend.reset disposes of these through their instances_tracked lists (closing temporary files): keep them.
TRACKED_MODELS = frozenset({"FakeKey", "FakeMultipart"})


def _new_untracked(cls: type[BaseModel], *args: Any, **kwargs: Any) -> BaseModel:
    instance = object.__new__(cls)
    if cls.__name__ in TRACKED_MODELS:
        cls.instances_tracked.append(instance)  # type: ignore[attr-defined]
    return instance


# --- recording -----------------------------------------------------------------------------------------------------


def _recording_table_put(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def put_item(self: Table, *args: Any, **kwargs: Any) -> Any:
        item = original(self, *args, **kwargs)
        _record_item(self, item.hash_key, item.range_key)
        return item

    return put_item


def _recording_table_delete(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def delete_item(self: Table, hash_key: DynamoType, range_key: DynamoType | None) -> Any:
        item = original(self, hash_key, range_key)
        if item is not None:
            _record_item(self, hash_key, range_key)
        return item

    return delete_item


def _recording_backend_update(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def update_item(self: DynamoDBBackend, table_name: str, *args: Any, **kwargs: Any) -> Any:
        item = original(self, table_name, *args, **kwargs)
        _record_item(self.get_table(table_name), item.hash_key, item.range_key)
        return item

    return update_item


def _recording_object_call(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def call(self: S3Backend, bucket_name: str, key_name: str, *args: Any, **kwargs: Any) -> Any:
        result = original(self, bucket_name, key_name, *args, **kwargs)
        _record_object(bucket_name, key_name)
        return result

    return call


# --- a query reads its partition, not the whole table ------------------------------------------------------------

_query_scope = threading.local()  # the table being queried and the items of the queried partition, in this thread


_KeyValue = tuple[str, Any]  # a key attribute's type and value (S, N or B), as DynamoDB compares them
_HashRange = tuple[DynamoType, DynamoType | None]  # where a table stores an item


def _items_of(table: Table, partition: Any) -> list[Any]:
    """The items of one of `table.items`' entries: a dict by range key, or the item itself without a range key."""
    return list(partition.values()) if table.range_key_attr else [partition]


def _key_value(value: DynamoType | None) -> _KeyValue | None:
    """What a key attribute is indexed under: a copy, so that no later change to the item can move it; None when the
    attribute cannot be a key (absent, or not a string, number or binary: DynamoDB does not index the item)."""
    if value is None or value.type not in ("S", "N", "B"):
        return None
    return value.type, value.cast_value


@dataclass
class _GsiPartitions:
    """A table's items by the value of each global secondary index's hash key, kept current on every change."""

    hash_attributes: dict[str, str]  # index name -> its hash key attribute
    items: dict[str, dict[_KeyValue, dict[_HashRange, Any]]]
    value_of: dict[str, dict[_HashRange, _KeyValue]]

    @classmethod
    def build(cls, table: Table, hash_attributes: dict[str, str]) -> _GsiPartitions:
        built = cls(hash_attributes, {name: {} for name in hash_attributes}, {name: {} for name in hash_attributes})
        for partition in list(table.items.values()):
            for item in _items_of(table, partition):
                built.update(item.hash_key, item.range_key, item)
        return built

    def update(self, hash_key: DynamoType, range_key: DynamoType | None, item: Any) -> None:
        """Index the item now stored under (hash_key, range_key), or None when there is none."""
        key = (hash_key, range_key)
        for name, attribute in self.hash_attributes.items():
            old = self.value_of[name].pop(key, None)
            if old is not None:
                partition = self.items[name].get(old, {})
                partition.pop(key, None)
                if not partition:
                    self.items[name].pop(old, None)
            value = _key_value(None if item is None else item.attrs.get(attribute))
            if value is not None:
                self.value_of[name][key] = value
                self.items[name].setdefault(value, {})[key] = item

    def partition(self, index_name: str, value: DynamoType) -> list[Any]:
        found = _key_value(value)
        return [] if found is None else list(self.items[index_name].get(found, {}).values())


def _gsi_hash_attributes(table: Table) -> dict[str, str]:
    attributes = {}
    for index in table.global_indexes or []:
        hashes = [key["AttributeName"] for key in index.schema if key["KeyType"] == "HASH"]
        if len(hashes) == 1:  # multi-attribute keys: moto's own way
            attributes[index.name] = hashes[0]
    return attributes


def _gsi_partitions(table: Table) -> _GsiPartitions:
    """The table's index of GSI partitions, built on first use (and again if its indexes changed)."""
    attributes = _gsi_hash_attributes(table)
    partitions: _GsiPartitions | None = getattr(table, "_smr_gsi_partitions", None)
    if partitions is None or partitions.hash_attributes != attributes:
        partitions = _GsiPartitions.build(table, attributes)
        table._smr_gsi_partitions = partitions  # type: ignore[attr-defined]
    return partitions


def _item_changed(table: Table, hash_key: DynamoType, range_key: DynamoType | None) -> None:
    partitions: _GsiPartitions | None = getattr(table, "_smr_gsi_partitions", None)
    if partitions is not None:
        partitions.update(hash_key, range_key, stored_item(table, hash_key, range_key))


def _query_candidates(
    table: Table, index_name: str | None, conditions: list[tuple[str, DynamoType]] | None
) -> list[Any] | None:
    """The items of the one partition a query reads, or None to let moto look at every item."""
    if not conditions or len(conditions) != 1:
        return None
    ((attribute, value),) = conditions
    if attribute == table.hash_key_attr and (index_name is None or index_name in {i.name for i in table.indexes}):
        partition = table.items.get(value)
        return [] if partition is None else _items_of(table, partition)
    partitions = _gsi_partitions(table)
    if index_name is not None and partitions.hash_attributes.get(index_name) == attribute:
        return partitions.partition(index_name, value)
    return None


def _query_one_partition(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def query(
        self: Table,
        hash_key: DynamoType | None,
        range_comparison: str | None,
        range_objs: list[DynamoType],
        limit: int,
        exclusive_start_key: dict[str, Any],
        scan_index_forward: bool,
        projection_expressions: list[list[str]] | None,
        index_name: str | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        candidates = _query_candidates(self, index_name, kwargs.get("hash_key_conditions"))
        if candidates is not None:
            _query_scope.table, _query_scope.items = self, candidates
        try:
            return original(
                self,
                hash_key,
                range_comparison,
                range_objs,
                limit,
                exclusive_start_key,
                scan_index_forward,
                projection_expressions,
                index_name,
                *args,
                **kwargs,
            )
        finally:
            _query_scope.table = _query_scope.items = None

    return query


def _all_items_in_scope(original: Callable[..., list[Any]]) -> Callable[..., list[Any]]:
    @functools.wraps(original)
    def all_items(self: Table) -> list[Any]:
        if getattr(_query_scope, "table", None) is self:
            return list(_query_scope.items)  # moto filters, orders and pages these as it would all of them
        return original(self)

    return all_items


# --- answers as plain JSON ---------------------------------------------------------------------------------------

# (service, operation) whose results moto builds as the wire's own dicts (DynamoType values already turned into
# {"S": ...} maps): bytes (B, BS) and datetimes (a stream record's ApproximateCreationDateTime) aside, they are JSON.
_PLAIN_JSON_OPERATIONS = frozenset(
    [
        *(
            ("dynamodb", operation)
            for operation in (
                "BatchGetItem",
                "BatchWriteItem",
                "DeleteItem",
                "GetItem",
                "PutItem",
                "Query",
                "Scan",
                "TransactGetItems",
                "TransactWriteItems",
                "UpdateItem",
            )
        ),
        ("dynamodbstreams", "GetRecords"),
    ]
)


class _NotPlain(TypeError):
    """A value plain JSON cannot carry: moto's own serializer answers instead."""


def wire_json(result: Any) -> str:
    """moto's result dicts as the wire (and Lambda's events) carry them: JSON, blobs in base64, times in epoch s."""
    return json.dumps(result, default=_wire_value, separators=(",", ":"))


def _wire_value(value: Any) -> Any:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")  # a blob, as the JSON protocols carry one
    if isinstance(value, datetime.datetime):
        return TimestampSerializer._timestamp_unixtimestamp(value)  # as moto writes one: epoch seconds, in ms
    raise _NotPlain(type(value).__name__)


def _plain_json_answers(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def execute_result(self: ActionResult, context: ActionContext) -> Any:
        service = context.service_model
        if (service.service_name, context.operation_model.name) not in _PLAIN_JSON_OPERATIONS:
            return original(self, context)
        try:
            body = wire_json(self.result)
        except _NotPlain:
            return original(self, context)
        content_type = f"application/x-amz-json-{service.metadata.get('jsonVersion', '1.0')}"
        return 200, {"Content-Type": content_type}, body

    return execute_result


def _as_tuple(original: Callable[[], Any]) -> Callable[[], tuple[str, ...]]:
    @functools.wraps(original)
    def listed() -> tuple[str, ...]:
        return tuple(original())  # a generator cannot be cached: its second reader would find it empty

    return listed


def install() -> None:
    """Apply the patches (once per process); safe to call from every fixture and entry point."""
    with _state.lock:
        if _state.installed:
            return
        dynamodb_models.copy = _TablesAsTheyAre  # type: ignore[assignment]
        BaseModel.__new__ = _new_untracked  # type: ignore[method-assign]
        Item.__init__ = _item_init  # type: ignore[method-assign]
        DynamoDBBackend.transact_write_items = _transact_write_items(DynamoDBBackend.transact_write_items)  # type: ignore[method-assign]
        DynamoDBBackend.update_item = _recording_backend_update(DynamoDBBackend.update_item)  # type: ignore[method-assign]
        Table.put_item = _recording_table_put(Table.put_item)  # type: ignore[method-assign]
        Table.delete_item = _recording_table_delete(Table.delete_item)  # type: ignore[method-assign]
        StreamShard.add = _bounded_add(StreamShard.add)  # type: ignore[method-assign]
        StreamShard.get = _get_from_oldest_kept(StreamShard.get)  # type: ignore[method-assign]
        DynamoDBStreamsBackend.get_records = _bounded_iterators(DynamoDBStreamsBackend.get_records)  # type: ignore[method-assign]
        DynamoDBStreamsBackend.get_shard_iterator = _bounded_iterators(DynamoDBStreamsBackend.get_shard_iterator)  # type: ignore[method-assign]
        moto_backends.list_of_moto_modules = functools.cache(_as_tuple(moto_backends.list_of_moto_modules))
        moto_responses.method_names_from_class = functools.cache(moto_responses.method_names_from_class)
        Table.query = _query_one_partition(Table.query)  # type: ignore[method-assign]
        Table.all_items = _all_items_in_scope(Table.all_items)  # type: ignore[method-assign]
        ActionResult.execute_result = _plain_json_answers(ActionResult.execute_result)  # type: ignore[method-assign]
        S3Backend.put_object = _recording_object_call(S3Backend.put_object)  # type: ignore[method-assign]
        S3Backend.delete_object = _recording_object_call(S3Backend.delete_object)  # type: ignore[method-assign]
        _state.installed = True
