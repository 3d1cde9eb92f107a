"""What smr_local.moto_patches changes in moto, pinned: a moto upgrade that moves any of it fails here first."""

from __future__ import annotations

import copy
import inspect
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.core.common_models import BaseModel
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models.dynamo_type import Item, LimitedSizeDict
from moto.dynamodb.models.table import StreamShard, Table
from moto.dynamodbstreams.models import DynamoDBStreamsBackend
from moto.s3.models import S3Backend

from smr_local import moto_patches

from .conftest import TABLE_NAME

ACCOUNT = "123456789012"  # moto's default account
GUARD = "guard"  # an item that exists, so that a condition on its absence fails


def _table() -> Table:
    table: Table = dynamodb_backends[ACCOUNT]["us-east-1"].tables[TABLE_NAME]
    return table


def _put(client: Any, pk: str, **attributes: Any) -> None:
    client.put_item(TableName=TABLE_NAME, Item={"pk": {"S": pk}, "sk": {"S": "#"}, **attributes})


def _get(client: Any, pk: str) -> dict[str, Any] | None:
    item: dict[str, Any] | None = client.get_item(TableName=TABLE_NAME, Key={"pk": {"S": pk}, "sk": {"S": "#"}}).get(
        "Item"
    )
    return item


def _key(pk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": "#"}}


def _seed(client: Any) -> None:
    _put(client, "existing", rev={"N": "7"})
    _put(client, "doomed", rev={"N": "1"})
    _put(client, GUARD)


def _transaction_with_a_failing_last_condition(existing: str, new: str, doomed: str) -> list[dict[str, Any]]:
    """Changes an existing item in place, puts a new one, deletes one, then fails a condition: nothing may stay.

    The item GUARD must exist (see _seed)."""
    return [
        {
            "Update": {
                "TableName": TABLE_NAME,
                "Key": _key(existing),
                "UpdateExpression": "SET rev = rev + :one",
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            }
        },
        {"Put": {"TableName": TABLE_NAME, "Item": {**_key(new), "rev": {"N": "1"}}}},
        {"Delete": {"TableName": TABLE_NAME, "Key": _key(doomed)}},
        {
            "ConditionCheck": {
                "TableName": TABLE_NAME,
                "Key": _key(GUARD),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
    ]


# --- what the patches rely on in moto ---------------------------------------------------------------------------


def test_moto_still_has_what_the_patches_wrap() -> None:
    moto_patches.install()
    wrapped: dict[Any, list[str]] = {
        DynamoDBBackend.transact_write_items: ["self", "transact_items"],
        DynamoDBBackend.update_item: ["self", "table_name", "key", "update_expression"],
        Table.put_item: ["self", "item_attrs"],
        Table.delete_item: ["self", "hash_key", "range_key"],
        StreamShard.add: ["self", "old", "new"],
        StreamShard.get: ["self", "start", "quantity"],
        DynamoDBStreamsBackend.get_records: ["self", "iterator_arn", "limit"],
        S3Backend.put_object: ["self", "bucket_name", "key_name", "value"],
        S3Backend.delete_object: ["self", "bucket_name", "key_name"],
    }
    assert list(inspect.signature(Item.__init__).parameters) == ["self", "hash_key", "range_key", "attrs"]
    for function, leading in wrapped.items():
        original = inspect.unwrap(function)
        assert original is not function, f"{function.__qualname__} is not patched"
        parameters = list(inspect.signature(original).parameters)
        assert parameters[: len(leading)] == leading, function.__qualname__
    # The rollback copy this module turns off: moto copies through the module-level `copy`, and rolls back by
    # putting the copy back into `tables`. If either changes, the undo log may be redundant or wrong.
    source = inspect.getsource(inspect.unwrap(DynamoDBBackend.transact_write_items))
    assert "copy.deepcopy(" in source
    assert "self.tables[table_name] = original_table_state[table_name]" in source
    # Stream records are numbered from the shard's starting number by position; trimming relies on it.
    assert "seq = len(self.items) + self.starting_sequence_number" in inspect.getsource(inspect.unwrap(StreamShard.add))


# --- transactions -------------------------------------------------------------------------------------------------


def test_a_cancelled_transaction_leaves_the_same_table_object_unchanged(dynamodb_client: Any) -> None:
    _seed(dynamodb_client)
    table = _table()
    records_before = len(table.stream_shard.items)  # type: ignore[union-attr]

    with pytest.raises(ClientError) as raised:
        dynamodb_client.transact_write_items(
            TransactItems=_transaction_with_a_failing_last_condition("existing", "new", "doomed")
        )

    assert raised.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert _table() is table
    assert _get(dynamodb_client, "existing") == {**_key("existing"), "rev": {"N": "7"}}
    assert _get(dynamodb_client, "new") is None
    assert _get(dynamodb_client, "doomed") == {**_key("doomed"), "rev": {"N": "1"}}
    assert len(table.stream_shard.items) == records_before  # type: ignore[union-attr]


def test_a_transaction_that_succeeds_writes_every_item(dynamodb_client: Any) -> None:
    _seed(dynamodb_client)
    items = _transaction_with_a_failing_last_condition("existing", "new", "doomed")[:3]

    dynamodb_client.transact_write_items(TransactItems=items)

    assert _get(dynamodb_client, "existing") == {**_key("existing"), "rev": {"N": "8"}}
    assert _get(dynamodb_client, "new") == {**_key("new"), "rev": {"N": "1"}}
    assert _get(dynamodb_client, "doomed") is None


def test_a_transaction_copies_what_it_touches_however_long_the_history(
    dynamodb_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    copied: list[Any] = []
    real_deepcopy = copy.deepcopy

    def counting_deepcopy(value: Any, memo: Any = None, _nil: Any = None) -> Any:
        copied.append(value)
        return real_deepcopy(value, memo)

    def objects_copied_by_one_transaction(round_: int) -> int:
        copied.clear()
        monkeypatch.setattr(copy, "deepcopy", counting_deepcopy)
        try:
            with pytest.raises(ClientError):
                dynamodb_client.transact_write_items(
                    TransactItems=_transaction_with_a_failing_last_condition("existing", f"new-{round_}", "doomed")
                )
        finally:
            monkeypatch.setattr(copy, "deepcopy", real_deepcopy)
        assert not any(isinstance(value, Table) for value in copied)
        return len(copied)

    _seed(dynamodb_client)
    short_history = objects_copied_by_one_transaction(0)
    for index in range(200):
        _put(dynamodb_client, f"history-{index}", payload={"S": "x" * 200})
    long_history = objects_copied_by_one_transaction(1)

    assert short_history == long_history


# --- streams ------------------------------------------------------------------------------------------------------


def _stream_read(client: Any, iterator_type: str = "TRIM_HORIZON") -> list[dict[str, Any]]:
    # moto answers on the regional endpoint, not the account-based one newer botocore picks for a stream ARN.
    streams = boto3.client(
        "dynamodbstreams", region_name="us-east-1", endpoint_url="https://streams.dynamodb.us-east-1.amazonaws.com"
    )
    arn = client.describe_table(TableName=TABLE_NAME)["Table"]["LatestStreamArn"]
    shard_id = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard_id, ShardIteratorType=iterator_type)
    records: list[dict[str, Any]] = streams.get_records(ShardIterator=iterator["ShardIterator"], Limit=1000)["Records"]
    return records


def test_trimmed_records_are_gone_and_numbering_goes_on(dynamodb_client: Any) -> None:
    for index in range(5):
        _put(dynamodb_client, f"item-{index}")
    numbers = [int(record["dynamodb"]["SequenceNumber"]) for record in _stream_read(dynamodb_client)]

    assert moto_patches.trim_stream(_table().stream_shard, numbers[2]) == 3  # type: ignore[arg-type]
    _put(dynamodb_client, "item-5")

    after = [int(record["dynamodb"]["SequenceNumber"]) for record in _stream_read(dynamodb_client)]
    assert after == [numbers[3], numbers[4], numbers[4] + 1]


def test_a_stream_keeps_only_the_newest_records(dynamodb_client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(moto_patches, "MAX_STREAM_RECORDS", 3)
    for index in range(6):
        _put(dynamodb_client, f"item-{index}")

    kept = [record["dynamodb"]["Keys"]["pk"]["S"] for record in _stream_read(dynamodb_client)]
    assert kept == ["item-3", "item-4", "item-5"]


# --- recording ----------------------------------------------------------------------------------------------------


def test_the_recorder_sees_each_changed_item_and_object_and_not_a_cancelled_transaction(dynamodb_client: Any) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="recorded")
    _seed(dynamodb_client)
    recorder = moto_patches.ChangeRecorder()
    moto_patches.set_recorder(recorder)
    try:
        with pytest.raises(ClientError):
            dynamodb_client.transact_write_items(
                TransactItems=_transaction_with_a_failing_last_condition("existing", "new", "doomed")
            )
        assert recorder.take() == ({}, set())

        dynamodb_client.update_item(
            TableName=TABLE_NAME, Key=_key("existing"), UpdateExpression="SET rev = :r",
            ExpressionAttributeValues={":r": {"N": "1"}},
        )  # fmt: skip
        dynamodb_client.delete_item(TableName=TABLE_NAME, Key=_key("doomed"))
        s3.put_object(Bucket="recorded", Key="a.txt", Body=b"a")
        s3.delete_object(Bucket="recorded", Key="a.txt")
        items, objects = recorder.take()
    finally:
        moto_patches.set_recorder(None)

    assert sorted(str(hash_key.value) for _, hash_key, _ in items) == ["doomed", "existing"]
    assert objects == {("recorded", "a.txt")}


# --- peeks the local pollers make instead of requests -------------------------------------------------------------


def test_a_queue_peek_sees_visible_messages_only(aws: None) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="peeked")["QueueUrl"]
    assert moto_patches.has_visible_messages(ACCOUNT, "us-east-1", url) is False
    sqs.send_message(QueueUrl=url, MessageBody="x")
    assert moto_patches.has_visible_messages(ACCOUNT, "us-east-1", url) is True
    sqs.receive_message(QueueUrl=url, VisibilityTimeout=60)  # in flight: not visible
    assert moto_patches.has_visible_messages(ACCOUNT, "us-east-1", url) is False
    assert moto_patches.has_visible_messages(ACCOUNT, "us-east-1", url + "-unknown") is True


def test_the_stream_end_is_the_newest_records_number(dynamodb_client: Any) -> None:
    _put(dynamodb_client, "a")
    _put(dynamodb_client, "b")
    newest = int(_stream_read(dynamodb_client)[-1]["dynamodb"]["SequenceNumber"])
    assert moto_patches.stream_end(_table().stream_shard) == newest  # type: ignore[arg-type]


def test_an_item_over_the_size_limit_is_still_refused_and_one_under_it_stored(dynamodb_client: Any) -> None:
    assert "405000" in inspect.getsource(LimitedSizeDict.__setitem__)  # the limit moto_patches.ITEM_SIZE_LIMIT copies
    with pytest.raises(ClientError) as raised:
        _put(dynamodb_client, "big", payload={"S": "x" * moto_patches.ITEM_SIZE_LIMIT})
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    _put(dynamodb_client, "fits", payload={"S": "x" * 300_000}, more={"S": "y" * 100_000})
    assert _get(dynamodb_client, "fits") is not None


def test_moto_no_longer_keeps_every_model_instance_it_ever_made(dynamodb_client: Any) -> None:
    tracking = inspect.getsource(inspect.unwrap(moto_patches._new_untracked))
    assert "instances_tracked.append" in tracking
    assert "instances_tracked.append(instance)" in inspect.getsource(BaseModel)  # what moto does unpatched
    assert "FakeKey.instances_tracked" in inspect.getsource(S3Backend.reset)  # why FakeKey stays tracked
    before = len(Item.instances_tracked)  # type: ignore[attr-defined]
    for index in range(20):
        _put(dynamodb_client, f"item-{index}")
    assert len(Item.instances_tracked) == before  # type: ignore[attr-defined]


# --- answers as plain JSON ----------------------------------------------------------------------------------------

EVERY_TYPE = {
    "s": {"S": "text é"},
    "n": {"N": "-1.5E+3"},
    "b": {"B": b"\x00\xffbytes"},
    "ss": {"SS": ["a", "b"]},
    "ns": {"NS": ["1", "2.5"]},
    "bs": {"BS": [b"\x01", b"\x02"]},
    "m": {"M": {"nested": {"L": [{"NULL": True}, {"BOOL": False}, {"M": {}}]}}},
    "l": {"L": []},
}


def _every_plain_json_operation(client: Any) -> None:
    """Each operation of moto_patches._PLAIN_JSON_OPERATIONS, with items holding every attribute type."""
    for index in range(3):
        client.put_item(TableName=TABLE_NAME, Item={**_key(f"typed-{index}"), **EVERY_TYPE})
    client.put_item(TableName=TABLE_NAME, Item={**_key("typed-0"), **EVERY_TYPE}, ReturnValues="ALL_OLD")
    client.get_item(TableName=TABLE_NAME, Key=_key("typed-0"))
    client.get_item(TableName=TABLE_NAME, Key=_key("missing"))
    client.get_item(TableName=TABLE_NAME, Key=_key("typed-1"), ProjectionExpression="m.nested, b")
    client.update_item(
        TableName=TABLE_NAME,
        Key=_key("typed-1"),
        UpdateExpression="SET s = :s ADD ns :n",
        ExpressionAttributeValues={":s": {"S": "changed"}, ":n": {"NS": ["7"]}},
        ReturnValues="ALL_NEW",
        ReturnConsumedCapacity="TOTAL",
    )
    client.query(
        TableName=TABLE_NAME,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "typed-2"}},
        Limit=1,
    )
    client.scan(TableName=TABLE_NAME, Limit=2)
    client.batch_get_item(RequestItems={TABLE_NAME: {"Keys": [_key("typed-0"), _key("typed-1"), _key("missing")]}})
    client.batch_write_item(RequestItems={TABLE_NAME: [{"PutRequest": {"Item": {**_key("batch"), **EVERY_TYPE}}}]})
    client.transact_get_items(TransactItems=[{"Get": {"TableName": TABLE_NAME, "Key": _key("typed-2")}}])
    client.transact_write_items(
        TransactItems=[{"Put": {"TableName": TABLE_NAME, "Item": {**_key("transacted"), **EVERY_TYPE}}}]
    )
    client.delete_item(TableName=TABLE_NAME, Key=_key("typed-2"), ReturnValues="ALL_OLD")
    _stream_read(client)


def test_plain_json_answers_read_as_what_motos_serializer_writes(
    dynamodb_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """For every operation answered as plain JSON, botocore reads the same response as from moto's own serializer."""
    from botocore.parsers import create_parser
    from moto.core.responses import ActionResult

    moto_patches.install()
    patched = ActionResult.execute_result
    unpatched = inspect.unwrap(patched)
    assert unpatched is not patched
    compared: set[tuple[str, str]] = set()

    def both(result: ActionResult, context: Any) -> Any:
        answer = patched(result, context)
        operation = context.operation_model
        key = (context.service_model.service_name, operation.name)
        if key in moto_patches._PLAIN_JSON_OPERATIONS:
            parser = create_parser(context.service_model.protocol)

            def parsed(answer: Any) -> Any:
                status, headers, body = answer
                http = {"status_code": status, "headers": headers, "body": body.encode()}
                return parser.parse(http, operation.output_shape)

            assert parsed(answer) == parsed(unpatched(result, context)), key
            assert answer[1]["Content-Type"] == unpatched(result, context)[1]["Content-Type"]
            compared.add(key)
        return answer

    monkeypatch.setattr(ActionResult, "execute_result", both)
    _every_plain_json_operation(dynamodb_client)

    assert compared == moto_patches._PLAIN_JSON_OPERATIONS


def test_moto_looks_up_its_modules_and_action_methods_through_the_cached_functions() -> None:
    from moto import backends
    from moto.core.responses import BaseResponse
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    moto_patches.install()
    # moto calls both through their modules, per request: so the cached versions are the ones it calls.
    assert "backends.list_of_moto_modules()" in inspect.getsource(DomainDispatcherApplication.get_backend_for_host)
    assert "method_names_from_class(self.__class__)" in inspect.getsource(BaseResponse.call_action)
    assert backends.list_of_moto_modules() is backends.list_of_moto_modules()
    assert {"dynamodb", "s3", "sqs"} <= set(backends.list_of_moto_modules())


# --- queries read their partition ---------------------------------------------------------------------------------


def _indexed(pk: str, sk: str, gsi1pk: str | None, gsi1sk: str) -> dict[str, Any]:
    item = {"pk": {"S": pk}, "sk": {"S": sk}, "gsi1sk": {"S": gsi1sk}, "n": {"N": str(len(sk))}}
    if gsi1pk is not None:
        item["gsi1pk"] = {"S": gsi1pk}
    return item


def _churn(client: Any) -> None:
    """Items put, moved between GSI partitions, dropped from the index, deleted, and a cancelled transaction."""
    for index in range(45):
        gsi = None if index % 9 == 0 else "A" if index % 2 else "B"
        client.put_item(TableName=TABLE_NAME, Item=_indexed(f"p{index % 3}", f"s{index:03d}", gsi, f"g{index % 7}"))
    key = {"pk": {"S": "p1"}, "sk": {"S": "s004"}}
    client.update_item(
        TableName=TABLE_NAME, Key=key, UpdateExpression="SET gsi1pk = :a", ExpressionAttributeValues={":a": {"S": "A"}}
    )
    client.update_item(
        TableName=TABLE_NAME, Key={"pk": {"S": "p0"}, "sk": {"S": "s003"}}, UpdateExpression="REMOVE gsi1pk"
    )
    client.delete_item(TableName=TABLE_NAME, Key={"pk": {"S": "p2"}, "sk": {"S": "s005"}})
    client.put_item(TableName=TABLE_NAME, Item=_indexed("p2", "s008", "C", "g0"))  # replaced: B -> C
    _put(client, GUARD)
    with pytest.raises(ClientError):  # cancelled: the move to "Z" and the new item must not show in the index
        client.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": TABLE_NAME,
                        "Key": {"pk": {"S": "p1"}, "sk": {"S": "s010"}},
                        "UpdateExpression": "SET gsi1pk = :z",
                        "ExpressionAttributeValues": {":z": {"S": "Z"}},
                    }
                },
                {"Put": {"TableName": TABLE_NAME, "Item": _indexed("p9", "s999", "Z", "g1")}},
                {
                    "ConditionCheck": {
                        "TableName": TABLE_NAME,
                        "Key": _key(GUARD),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )


QUERIES: list[dict[str, Any]] = [
    {"KeyConditionExpression": "pk = :v", "ExpressionAttributeValues": {":v": {"S": "p1"}}},
    {
        "KeyConditionExpression": "pk = :v AND begins_with(sk, :s)",
        "ExpressionAttributeValues": {":v": {"S": "p2"}, ":s": {"S": "s01"}},
        "ScanIndexForward": False,
    },
    {"KeyConditionExpression": "pk = :v", "ExpressionAttributeValues": {":v": {"S": "nobody"}}},
    {"IndexName": "gsi1", "KeyConditionExpression": "gsi1pk = :v", "ExpressionAttributeValues": {":v": {"S": "A"}}},
    {
        "IndexName": "gsi1",
        "KeyConditionExpression": "gsi1pk = :v AND begins_with(gsi1sk, :s)",
        "ExpressionAttributeValues": {":v": {"S": "B"}, ":s": {"S": "g3"}},
        "ScanIndexForward": False,
    },
    {"IndexName": "gsi1", "KeyConditionExpression": "gsi1pk = :v", "ExpressionAttributeValues": {":v": {"S": "C"}}},
    {"IndexName": "gsi1", "KeyConditionExpression": "gsi1pk = :v", "ExpressionAttributeValues": {":v": {"S": "Z"}}},
]


def _all_pages(client: Any, query: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    pages, start = [], None
    while True:
        page = client.query(
            TableName=TABLE_NAME, Limit=limit, **query, **({"ExclusiveStartKey": start} if start else {})
        )
        page.pop("ResponseMetadata")
        pages.append(page)
        start = page.get("LastEvaluatedKey")
        if not start:
            return pages


def test_a_query_reads_only_its_partition_and_answers_as_moto_does(
    dynamodb_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    moto_patches.install()
    assert "for item in self.all_items()" in inspect.getsource(inspect.unwrap(Table.query))  # what is narrowed
    client = dynamodb_client
    client.put_item(TableName=TABLE_NAME, Item=_indexed("p0", "s998", "A", "g0"))
    _all_pages(client, QUERIES[3], 10)  # the GSI's partitions are indexed now: the changes below must keep it current
    _churn(client)
    narrowed: list[int] = []
    find = moto_patches._query_candidates

    def spy(*args: Any) -> Any:
        candidates = find(*args)
        narrowed.append(-1 if candidates is None else len(candidates))
        return candidates

    monkeypatch.setattr(moto_patches, "_query_candidates", spy)
    ours = [_all_pages(client, query, limit) for query in QUERIES for limit in (4, 100)]
    assert -1 not in narrowed and max(narrowed) < 46  # every query read one partition, none the whole table
    monkeypatch.setattr(moto_patches, "_query_candidates", lambda *_: None)  # moto's own: every item, sorted
    assert ours == [_all_pages(client, query, limit) for query in QUERIES for limit in (4, 100)]
    assert [item["sk"]["S"] for item in ours[10][0]["Items"]] == ["s008"]  # moved to C
    assert ours[12] == [{"Items": [], "Count": 0, "ScannedCount": 0}]  # the cancelled move to Z left no trace
