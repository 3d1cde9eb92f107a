"""The registry store on DynamoDB: models, versions, upload records, history records and outbox events, one table.

It turns the store contract (store/base.py: reads, pages, history queries, one atomic `Write`) into DynamoDB calls;
the items it reads and writes are mapped in items.py and keyed in keys.py, and its client comes from clients.py. It is
one of the store/ modules that reach AWS (with tracking_dynamodb.py, webhooks.py, objects.py, messaging.py,
queues.py); nothing outside store/ does.
"""

from __future__ import annotations

import random
import time
import uuid
from typing import TYPE_CHECKING, Any

from registry_core.domain.artifacts import Upload
from registry_core.domain.entities import ModelVersion, RegisteredModel
from registry_core.domain.governance import HistoryRecord
from registry_core.store import clients, items, keys
from registry_core.store.base import (
    ConcurrentModification,
    HistoryIndex,
    HistoryQuery,
    Index,
    ItemTooLarge,
    Page,
    PageRequest,
    RegistryStore,
    ResumeKey,
    Write,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# DynamoDB's limits.
TRANSACTION_MAX_ITEMS = 100
BATCH_GET_MAX_KEYS = 100
BATCH_WRITE_MAX_ITEMS = 25
_UNPROCESSED_RETRIES = 8

_INDEX_NAMES: dict[Index, str | None] = {
    Index.MODELS_BY_NAME: "gsi1",
    Index.MODELS_BY_UPDATE: "gsi2",
    Index.VERSIONS_BY_NAME: "gsi1",
    Index.VERSIONS_BY_UPDATE: "gsi2",
    Index.VERSIONS_BY_RUN: "gsi3",
    Index.VERSIONS_OF_MODEL: None,
}
_HISTORY_INDEX: dict[HistoryIndex, str | None] = {
    HistoryIndex.MODEL: None,
    HistoryIndex.VERSION: "gsi3",
    HistoryIndex.VERSION_ALIAS_LEFT: "gsi2",
    HistoryIndex.ALIAS: "gsi1",
    HistoryIndex.STAGE_ENTERED: "gsi1",
    HistoryIndex.STAGE_LEFT: "gsi2",
}
_INDEX_KEY_ATTRIBUTES: dict[str | None, tuple[str, ...]] = {
    None: ("pk", "sk"),
    "gsi1": ("pk", "sk", "gsi1pk", "gsi1sk"),
    "gsi2": ("pk", "sk", "gsi2pk", "gsi2sk"),
    "gsi3": ("pk", "sk", "gsi3pk", "gsi3sk"),
}


def _history_partition(query: HistoryQuery) -> str:
    """The partition (of the table or of an index) that holds the records a history query asks for."""
    uid, subject = query.model_uid, query.subject
    if query.index is HistoryIndex.MODEL:
        return keys.history_pk(uid)
    if query.index in (HistoryIndex.VERSION, HistoryIndex.VERSION_ALIAS_LEFT):
        return keys.history_version_partition(uid, int(subject or 0))
    if query.index is HistoryIndex.ALIAS:
        return keys.history_alias_partition(uid, str(subject))
    if query.index is HistoryIndex.STAGE_ENTERED:
        return keys.history_stage_entered_partition(uid, str(subject))
    return keys.history_stage_left_partition(uid, str(subject))


def _history_bounds(query: HistoryQuery) -> tuple[str | None, str | None]:
    """Inclusive sort-key bounds for a history query's exclusive position bounds and inclusive time bound."""
    lower = keys.record_sk_just_after(keys.record_sk(*query.after)) if query.after else None
    uppers = []
    if query.before:
        uppers.append(keys.record_sk_just_before(keys.record_sk(*query.before)))
    if query.at_or_before_ms is not None:
        uppers.append(keys.record_sk_upper_bound_at(query.at_or_before_ms))
    return lower, min(uppers, default=None)


def _backoff(attempt: int) -> None:
    time.sleep(random.uniform(0, min(1.0, 0.02 * 2**attempt)))


def batch_write(client: DynamoDBClient, table: str, requests: list[dict[str, Any]]) -> int:
    """BatchWriteItem in chunks of 25, retrying what DynamoDB leaves unprocessed; returns the round trips made."""
    round_trips = 0
    for start in range(0, len(requests), BATCH_WRITE_MAX_ITEMS):
        pending: dict[str, Any] = {table: requests[start : start + BATCH_WRITE_MAX_ITEMS]}
        for attempt in range(_UNPROCESSED_RETRIES):
            round_trips += 1
            response = client.batch_write_item(RequestItems=pending)
            pending = response.get("UnprocessedItems") or {}
            if not pending:
                break
            _backoff(attempt)
        else:
            raise ConcurrentModification("DynamoDB left writes unprocessed; try again")
    return round_trips


class DynamoDbRegistryStore(RegistryStore):
    def __init__(self, table_name: str, client: DynamoDBClient | None = None) -> None:
        self._client: DynamoDBClient = client if client is not None else clients.dynamodb_client()
        self._table = table_name
        self.round_trips = 0  # counted for the benchmark

    # -- reads ---------------------------------------------------------------------------------------------

    def get_model(self, name: str) -> RegisteredModel | None:
        self.round_trips += 1
        response = self._client.get_item(
            TableName=self._table, Key=items.serialize(keys.model_key(name)), ConsistentRead=True
        )
        item = response.get("Item")
        return items.model_from_item(item) if item else None

    def get_model_and_versions(
        self, name: str, versions: list[int]
    ) -> tuple[RegisteredModel | None, dict[int, ModelVersion]]:
        found = self._batch_get([keys.model_key(name), *(keys.version_key(name, number) for number in set(versions))])
        model_item = found.pop((keys.model_pk(name), keys.MODEL_SK), None)
        read = [items.version_from_item(item) for item in found.values()]
        return (items.model_from_item(model_item) if model_item else None), {v.version: v for v in read}

    def get_version(self, name: str, version: int) -> ModelVersion | None:
        self.round_trips += 1
        response = self._client.get_item(
            TableName=self._table, Key=items.serialize(keys.version_key(name, version)), ConsistentRead=True
        )
        item = response.get("Item")
        return items.version_from_item(item) if item else None

    def get_models(self, names: list[str]) -> dict[str, RegisteredModel]:
        models: dict[str, RegisteredModel] = {}
        unique = list(dict.fromkeys(names))
        for start in range(0, len(unique), BATCH_GET_MAX_KEYS):
            found = self._batch_get([keys.model_key(name) for name in unique[start : start + BATCH_GET_MAX_KEYS]])
            for item in found.values():
                model = items.model_from_item(item)
                models[model.name] = model
        return models

    def _batch_get(self, key_list: list[dict[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        found: dict[tuple[str, str], dict[str, Any]] = {}
        request: dict[str, Any] = {
            self._table: {"Keys": [items.serialize(key) for key in key_list], "ConsistentRead": True}
        }
        for attempt in range(_UNPROCESSED_RETRIES):
            self.round_trips += 1
            response = self._client.batch_get_item(RequestItems=request)
            for item in response.get("Responses", {}).get(self._table, []):
                found[(item["pk"]["S"], item["sk"]["S"])] = item
            request = response.get("UnprocessedKeys") or {}
            if not request:
                return found
            _backoff(attempt)
        raise ConcurrentModification("DynamoDB left keys unprocessed; try again")

    def query_models(self, request: PageRequest) -> Page[RegisteredModel]:
        raw, last_key, index_name = self._query(request)
        key_names = _INDEX_KEY_ATTRIBUTES[index_name]
        return Page([(items.model_from_item(item), {name: item[name] for name in key_names}) for item in raw], last_key)

    def query_versions(self, request: PageRequest) -> Page[ModelVersion]:
        raw, last_key, index_name = self._query(request)
        key_names = _INDEX_KEY_ATTRIBUTES[index_name]
        return Page(
            [(items.version_from_item(item), {name: item[name] for name in key_names}) for item in raw], last_key
        )

    def _query(self, request: PageRequest) -> tuple[list[dict[str, Any]], ResumeKey | None, str | None]:
        index_name = _INDEX_NAMES[request.index]
        values: dict[str, Any] = {}
        if request.index is Index.VERSIONS_OF_MODEL:
            condition = "pk = :pk AND begins_with(sk, :sk)"
            values = {":pk": keys.model_pk(request.partition or ""), ":sk": keys.VERSION_SK_PREFIX}
        elif request.index is Index.VERSIONS_BY_RUN:
            condition = "gsi3pk = :pk"
            values = {":pk": keys.versions_of_run_partition(request.partition or "")}
        else:
            partition = (
                keys.MODELS_PARTITION
                if request.index in (Index.MODELS_BY_NAME, Index.MODELS_BY_UPDATE)
                else keys.VERSIONS_PARTITION
            )
            prefix_attr = "gsi1" if index_name == "gsi1" else "gsi2"
            condition = f"{prefix_attr}pk = :pk"
            values = {":pk": partition}
            if request.prefix:
                condition += f" AND begins_with({prefix_attr}sk, :prefix)"
                values[":prefix"] = request.prefix
        arguments: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": items.serialize(values),
            "ScanIndexForward": request.ascending,
            "Limit": request.limit,
        }
        if index_name:
            arguments["IndexName"] = index_name
        else:
            arguments["ConsistentRead"] = True
        if request.start_key:
            partition_attribute = f"{index_name}pk" if index_name else "pk"
            arguments["ExclusiveStartKey"] = items.exclusive_start_key(
                request.start_key, _INDEX_KEY_ATTRIBUTES[index_name], (partition_attribute, values[":pk"])
            )
        self.round_trips += 1
        response = self._client.query(**arguments)
        return response.get("Items", []), response.get("LastEvaluatedKey"), index_name

    def get_upload(self, name: str, upload_id: str) -> Upload | None:
        self.round_trips += 1
        response = self._client.get_item(
            TableName=self._table, Key=items.serialize(keys.upload_key(name, upload_id)), ConsistentRead=True
        )
        item = response.get("Item")
        return items.upload_from_item(item) if item else None

    def list_uploads(self, name: str, limit: int) -> list[Upload]:
        self.round_trips += 1
        response = self._client.query(
            TableName=self._table,
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :pk",
            ExpressionAttributeValues=items.serialize({":pk": keys.uploads_partition(name)}),
            ScanIndexForward=False,
            Limit=limit,
        )
        return [items.upload_from_item(item) for item in response.get("Items", [])]

    # -- writes --------------------------------------------------------------------------------------------

    def commit(self, write: Write) -> None:
        actions: list[dict[str, Any]] = []
        for model, expected_rev in write.put_models:
            actions.append({"Put": self._conditional_model_put(model, expected_rev)})
        for name, expected_rev in write.delete_models:
            actions.append(
                {
                    "Delete": {
                        "TableName": self._table,
                        "Key": items.serialize(keys.model_key(name)),
                        "ConditionExpression": "rev = :rev",
                        "ExpressionAttributeValues": items.serialize({":rev": expected_rev}),
                    }
                }
            )
        for version in write.new_versions:
            actions.append(
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": items.version_to_item(version),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
        for version in write.put_versions:
            actions.append({"Put": {"TableName": self._table, "Item": items.version_to_item(version)}})
        for upload, expected_rev in write.put_uploads:
            put: dict[str, Any] = {"TableName": self._table, "Item": items.upload_to_item(upload)}
            if expected_rev is None:
                put["ConditionExpression"] = "attribute_not_exists(pk)"
            else:
                put["ConditionExpression"] = "rev = :rev"
                put["ExpressionAttributeValues"] = items.serialize({":rev": expected_rev})
            actions.append({"Put": put})
        for name, number in write.delete_versions:
            actions.append(
                {"Delete": {"TableName": self._table, "Key": items.serialize(keys.version_key(name, number))}}
            )
        # Records are new items: a taken key (which a correct caller never produces) fails the whole change.
        for item in [*map(items.history_to_item, write.history), *map(items.event_to_item, write.events)]:
            actions.append(
                {"Put": {"TableName": self._table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}
            )
        if len(actions) > TRANSACTION_MAX_ITEMS:
            raise ItemTooLarge(
                f"a change may touch at most {TRANSACTION_MAX_ITEMS} items, this one touches {len(actions)}"
            )
        self.round_trips += 1
        from botocore.exceptions import ClientError  # botocore is loaded by then

        try:
            # One token per commit: botocore's own retries of this call reuse it, so DynamoDB applies the write once
            # even when a response was lost; a replay after a real conflict is a new commit with a new token.
            self._client.transact_write_items(
                TransactItems=actions,  # type: ignore[arg-type]
                ClientRequestToken=uuid.uuid4().hex,
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            message = error.response.get("Error", {}).get("Message", "")
            if code in (
                "TransactionCanceledException",
                "ConditionalCheckFailedException",
                "TransactionConflictException",
            ):
                if "ValidationError" in message or "size" in message.lower():
                    raise ItemTooLarge(message) from error
                raise ConcurrentModification(message) from error
            if code == "ValidationException" and "size" in message.lower():
                raise ItemTooLarge(message) from error
            raise

    def _conditional_model_put(self, model: RegisteredModel, expected_rev: int | None) -> dict[str, Any]:
        put: dict[str, Any] = {"TableName": self._table, "Item": items.model_to_item(model)}
        if expected_rev is None:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "rev = :rev"
            put["ExpressionAttributeValues"] = items.serialize({":rev": expected_rev})
        return put

    def query_history(self, query: HistoryQuery) -> list[HistoryRecord]:
        index_name = _HISTORY_INDEX[query.index]
        prefix = index_name or ""
        lower, upper = _history_bounds(query)
        raw = self._query_records(
            f"{prefix}pk" if index_name else "pk",
            f"{prefix}sk" if index_name else "sk",
            _history_partition(query),
            lower,
            upper,
            query.ascending,
            query.limit,
            index_name,
        )
        return [items.history_from_item(item) for item in raw]

    def _query_records(
        self,
        pk_name: str,
        sk_name: str,
        partition: str,
        lower: str | None,
        upper: str | None,
        ascending: bool,
        limit: int,
        index_name: str | None,
    ) -> list[dict[str, Any]]:
        """Up to `limit` items of one partition within inclusive sort-key bounds, following DynamoDB's pages."""
        condition = f"{pk_name} = :pk"
        values: dict[str, Any] = {":pk": partition}
        if lower is not None and upper is not None:
            condition += f" AND {sk_name} BETWEEN :lower AND :upper"
            values.update({":lower": lower, ":upper": upper})
        elif lower is not None:
            condition += f" AND {sk_name} >= :lower"
            values[":lower"] = lower
        elif upper is not None:
            condition += f" AND {sk_name} <= :upper"
            values[":upper"] = upper
        if lower is not None and upper is not None and lower > upper:
            return []
        arguments: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": items.serialize(values),
            "ScanIndexForward": ascending,
        }
        if index_name:
            arguments["IndexName"] = index_name
        else:
            arguments["ConsistentRead"] = True
        found: list[dict[str, Any]] = []
        while len(found) < limit:
            arguments["Limit"] = limit - len(found)
            self.round_trips += 1
            response = self._client.query(**arguments)
            found.extend(response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                break
            arguments["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return found

    def put_versions_in_batches(self, versions: list[ModelVersion]) -> None:
        self._batch_write([{"PutRequest": {"Item": items.version_to_item(version)}} for version in versions])

    def delete_versions_in_batches(self, name: str, versions: list[int]) -> None:
        self._batch_write(
            [{"DeleteRequest": {"Key": items.serialize(keys.version_key(name, number))}} for number in versions]
        )

    def _batch_write(self, requests: list[dict[str, Any]]) -> None:
        self.round_trips += batch_write(self._client, self._table, requests)
