"""The tracking store on DynamoDB, in the registry's table (layout in docs/tracking.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from registry_core.domain.tracking import Experiment, LoggedModel, Metric, Run
from registry_core.store import clients, keys, tracking_items
from registry_core.store.base import ItemTooLarge
from registry_core.store.dynamodb import batch_write
from registry_core.store.items import serialize
from registry_core.store.tracking_base import AlreadyExists, NameTaken, NotFound, ParamConflict, TrackingStore

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_LIST_PAGE = 500
# Points read per Query while filling a page of history. DynamoDB stops at 1 MB (~6,000 points) anyway; smaller
# queries keep each call short (moto, behind `make run`, serializes a large answer slowly enough to time out).
HISTORY_QUERY_CHUNK = 1000
_CONDITION_FAILED = ("ConditionalCheckFailedException", "TransactionCanceledException")


def _error_code(error: Exception) -> str:
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


class DynamoDbTrackingStore(TrackingStore):
    def __init__(self, table_name: str, client: DynamoDBClient | None = None) -> None:
        self._client = client if client is not None else clients.dynamodb_client()
        self._table = table_name
        self.round_trips = 0

    # -- helpers -------------------------------------------------------------------------------------------

    def _get(self, key: dict[str, str]) -> dict[str, Any] | None:
        self.round_trips += 1
        response = self._client.get_item(TableName=self._table, Key=serialize(key), ConsistentRead=True)
        return response.get("Item")

    def _query_all(self, index: str | None, partition_attribute: str, partition: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        arguments: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": f"{partition_attribute} = :pk",
            "ExpressionAttributeValues": serialize({":pk": partition}),
            "Limit": _LIST_PAGE,
        }
        if index:
            arguments["IndexName"] = index
        while True:
            self.round_trips += 1
            response = self._client.query(**arguments)
            found.extend(response.get("Items", []))
            last = response.get("LastEvaluatedKey")
            if not last:
                return found
            arguments["ExclusiveStartKey"] = last

    def _update(
        self,
        key: dict[str, str],
        sets: dict[str, Any],
        *,
        condition: str = "attribute_exists(pk)",
        names: dict[str, str] | None = None,
        values: dict[str, Any] | None = None,
        extra_set: list[str] | None = None,
        removes: list[str] | None = None,
        return_item: bool = False,
    ) -> dict[str, Any] | None:
        """One UpdateItem; raises the botocore ClientError on a failed condition (callers translate it)."""
        names = dict(names or {})
        values = dict(values or {})
        clauses = list(extra_set or [])
        for index, (attribute, value) in enumerate(sets.items()):
            names[f"#a{index}"] = attribute
            values[f":a{index}"] = value
            clauses.append(f"#a{index} = :a{index}")
        expression = ""
        if clauses:
            expression += "SET " + ", ".join(clauses)
        if removes:
            expression += " REMOVE " + ", ".join(removes)
        arguments: dict[str, Any] = {
            "TableName": self._table,
            "Key": serialize(key),
            "UpdateExpression": expression.strip(),
            "ConditionExpression": condition,
            "ReturnValues": "ALL_NEW" if return_item else "NONE",
        }
        if names:
            arguments["ExpressionAttributeNames"] = names
        if values:
            arguments["ExpressionAttributeValues"] = serialize(values)
        self.round_trips += 1
        from botocore.exceptions import ClientError

        try:
            response = self._client.update_item(**arguments)
        except ClientError as error:
            message = str(error.response.get("Error", {}).get("Message", ""))
            if _error_code(error) == "ValidationException" and "size" in message.lower():
                raise ItemTooLarge(message) from error
            raise
        return response.get("Attributes") if return_item else None

    def _batch_put(self, item_list: list[dict[str, Any]]) -> None:
        if len(item_list) == 1:
            # One point (log-metric) is a plain put: no BatchWriteItem right needed, and one round trip.
            self.round_trips += 1
            self._client.put_item(TableName=self._table, Item=item_list[0])
            return
        self.round_trips += batch_write(
            self._client, self._table, [{"PutRequest": {"Item": item}} for item in item_list]
        )

    # -- experiments ---------------------------------------------------------------------------------------

    def next_experiment_id(self) -> str:
        self.round_trips += 1
        response = self._client.update_item(
            TableName=self._table,
            Key=serialize(keys.experiment_counter_key()),
            UpdateExpression="ADD next_id :one",
            ExpressionAttributeValues=serialize({":one": 1}),
            ReturnValues="UPDATED_NEW",
        )
        return str(int(response["Attributes"]["next_id"]["N"]))

    def create_experiment(self, experiment: Experiment) -> None:
        from botocore.exceptions import ClientError

        claim = {**keys.experiment_name_key(experiment.name), "experiment_id": experiment.experiment_id}
        self.round_trips += 1
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": serialize(claim),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": tracking_items.experiment_to_item(experiment),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                ]
            )
        except ClientError as error:
            if _error_code(error) not in _CONDITION_FAILED:
                raise
            reasons = error.response.get("CancellationReasons") or []
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                raise NameTaken(experiment.name) from error
            raise AlreadyExists(experiment.experiment_id) from error

    def get_experiment(self, experiment_id: str) -> Experiment | None:
        item = self._get(keys.experiment_key(experiment_id))
        return tracking_items.experiment_from_item(item) if item else None

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        # The index answers in one round trip; it lags a write a little, so a miss is confirmed on the name claim.
        self.round_trips += 1
        response = self._client.query(
            TableName=self._table,
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :pk AND gsi1sk = :name",
            ExpressionAttributeValues=serialize({":pk": keys.EXPERIMENTS_PARTITION, ":name": name}),
        )
        for item in response.get("Items", []):
            experiment = tracking_items.experiment_from_item(item)
            if experiment.name == name:
                return experiment
        claim = self._get(keys.experiment_name_key(name))
        if claim is None:
            return None
        claimed = self.get_experiment(str(claim["experiment_id"]["S"]))
        return claimed if claimed is not None and claimed.name == name else None

    def list_experiments(self) -> list[Experiment]:
        raw = self._query_all("gsi1", "gsi1pk", keys.EXPERIMENTS_PARTITION)
        return [tracking_items.experiment_from_item(item) for item in raw]

    def rename_experiment(self, experiment: Experiment, new_name: str, now: int) -> None:
        from botocore.exceptions import ClientError

        self.round_trips += 1
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": serialize(
                                {**keys.experiment_name_key(new_name), "experiment_id": experiment.experiment_id}
                            ),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {"Delete": {"TableName": self._table, "Key": serialize(keys.experiment_name_key(experiment.name))}},
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": serialize(keys.experiment_key(experiment.experiment_id)),
                            "UpdateExpression": "SET #n = :new, gsi1sk = :new, last_update_time = :now",
                            "ConditionExpression": "#n = :old",
                            "ExpressionAttributeNames": {"#n": "name"},
                            "ExpressionAttributeValues": serialize(
                                {":new": new_name, ":old": experiment.name, ":now": now}
                            ),
                        }
                    },
                ]
            )
        except ClientError as error:
            if _error_code(error) in _CONDITION_FAILED:
                raise NameTaken(new_name) from error
            raise

    def update_experiment(self, experiment_id: str, changes: dict[str, Any]) -> None:
        from botocore.exceptions import ClientError

        try:
            self._update(keys.experiment_key(experiment_id), changes)
        except ClientError as error:
            if _error_code(error) in _CONDITION_FAILED:
                raise NotFound(experiment_id) from error
            raise

    # -- runs ----------------------------------------------------------------------------------------------

    def create_run(self, run: Run) -> None:
        self.round_trips += 1
        self._client.put_item(
            TableName=self._table,
            Item=tracking_items.run_to_item(run),
            ConditionExpression="attribute_not_exists(pk)",
        )

    def get_run(self, run_id: str) -> Run | None:
        item = self._get(keys.run_key(run_id))
        return tracking_items.run_from_item(item) if item else None

    def update_run(self, run_id: str, changes: dict[str, Any]) -> Run:
        from botocore.exceptions import ClientError

        try:
            item = self._update(keys.run_key(run_id), changes, return_item=True)
        except ClientError as error:
            if _error_code(error) in _CONDITION_FAILED:
                raise NotFound(run_id) from error
            raise
        assert item is not None
        return tracking_items.run_from_item(item)

    def log_run_values(
        self,
        run_id: str,
        params: dict[str, str] | None = None,
        tags: dict[str, str] | None = None,
        delete_tags: list[str] | None = None,
    ) -> None:
        from botocore.exceptions import ClientError

        names: dict[str, str] = {"#params": "params", "#tags": "tags"}
        values: dict[str, Any] = {}
        sets: list[str] = []
        conditions = ["attribute_exists(pk)"]
        for index, (key, value) in enumerate((params or {}).items()):
            names[f"#p{index}"] = key
            values[f":p{index}"] = value
            sets.append(f"#params.#p{index} = :p{index}")
            # Params are write-once; logging the same value again is allowed.
            conditions.append(f"(attribute_not_exists(#params.#p{index}) OR #params.#p{index} = :p{index})")
        for index, (key, value) in enumerate((tags or {}).items()):
            names[f"#t{index}"] = key
            values[f":t{index}"] = value
            sets.append(f"#tags.#t{index} = :t{index}")
        removes = []
        for index, key in enumerate(delete_tags or []):
            names[f"#d{index}"] = key
            removes.append(f"#tags.#d{index}")
        if not sets and not removes:
            return
        used = {name for name in names if any(name in clause for clause in [*sets, *removes, *conditions])}
        try:
            self._update(
                keys.run_key(run_id),
                {},
                condition=" AND ".join(conditions),
                names={name: names[name] for name in used},
                values=values,
                extra_set=sets,
                removes=removes,
            )
        except ClientError as error:
            if _error_code(error) not in _CONDITION_FAILED:
                raise
            run = self.get_run(run_id)
            if run is None:
                raise NotFound(run_id) from error
            for key, value in (params or {}).items():
                if key in run.params and run.params[key] != value:
                    raise ParamConflict(key) from error
            raise

    def add_metric_points(self, run_id: str, metrics: list[Metric]) -> None:
        from botocore.exceptions import ClientError

        self._batch_put([tracking_items.metric_point_item(run_id, metric) for metric in metrics])
        latest: dict[str, Metric] = {}
        for metric in metrics:
            if metric.key not in latest or metric.order() > latest[metric.key].order():
                latest[metric.key] = metric
        for metric in latest.values():
            document = tracking_items.metric_document(metric)
            try:
                # Only ever raises the latest value: a concurrent writer with a newer point makes this a no-op.
                self._update(
                    keys.run_key(run_id),
                    {},
                    condition="attribute_exists(pk) AND (attribute_not_exists(#m.#k) OR #m.#k.#o < :o)",
                    names={"#m": "metrics", "#k": metric.key, "#o": "o"},
                    values={":o": document["o"], ":doc": document},
                    extra_set=["#m.#k = :doc"],
                )
            except ClientError as error:
                if _error_code(error) not in _CONDITION_FAILED:
                    raise

    def append_to_run(self, run_id: str, attribute: str, values: list[dict[str, Any]] | list[str]) -> None:
        from botocore.exceptions import ClientError

        try:
            self._update(
                keys.run_key(run_id),
                {},
                names={"#l": attribute},
                values={":new": list(values), ":empty": []},
                extra_set=["#l = list_append(if_not_exists(#l, :empty), :new)"],
            )
        except ClientError as error:
            if _error_code(error) in _CONDITION_FAILED:
                raise NotFound(run_id) from error
            raise

    def list_runs(self, experiment_id: str) -> list[Run]:
        raw = self._query_all("gsi1", "gsi1pk", keys.runs_of_experiment_partition(experiment_id))
        return [tracking_items.run_from_item(item) for item in raw]

    def metric_history(
        self, run_id: str, key: str, start_after: str | None, limit: int
    ) -> tuple[list[Metric], str | None]:
        points: list[Metric] = []
        last_sk: str | None = start_after
        arguments: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": serialize(
                {":pk": keys.run_key(run_id)["pk"], ":prefix": keys.metric_history_prefix(key)}
            ),
            "ConsistentRead": True,
        }
        while len(points) < limit:
            arguments["Limit"] = min(limit - len(points), HISTORY_QUERY_CHUNK)
            if last_sk is not None:
                arguments["ExclusiveStartKey"] = serialize({"pk": keys.run_key(run_id)["pk"], "sk": last_sk})
            self.round_trips += 1
            response = self._client.query(**arguments)
            found = response.get("Items", [])
            points.extend(tracking_items.metric_point_from_item(item) for item in found)
            if found:
                last_sk = found[-1]["sk"]["S"]
            if not response.get("LastEvaluatedKey"):
                return points, None
        return points, last_sk

    # -- logged models ---------------------------------------------------------------------------------------

    def create_logged_model(self, model: LoggedModel) -> None:
        self.round_trips += 1
        self._client.put_item(
            TableName=self._table,
            Item=tracking_items.logged_model_to_item(model),
            ConditionExpression="attribute_not_exists(pk)",
        )

    def get_logged_model(self, model_id: str) -> LoggedModel | None:
        item = self._get(keys.logged_model_key(model_id))
        return tracking_items.logged_model_from_item(item) if item else None

    def update_logged_model(
        self,
        model_id: str,
        changes: dict[str, Any],
        set_tags: dict[str, str] | None = None,
        delete_tags: list[str] | None = None,
    ) -> LoggedModel:
        from botocore.exceptions import ClientError

        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        extra: list[str] = []
        removes: list[str] = []
        if set_tags or delete_tags:
            names["#tags"] = "tags"
        for index, (key, value) in enumerate((set_tags or {}).items()):
            names[f"#t{index}"] = key
            values[f":t{index}"] = value
            extra.append(f"#tags.#t{index} = :t{index}")
        for index, key in enumerate(delete_tags or []):
            names[f"#d{index}"] = key
            removes.append(f"#tags.#d{index}")
        try:
            item = self._update(
                keys.logged_model_key(model_id),
                changes,
                names=names,
                values=values,
                extra_set=extra,
                removes=removes,
                return_item=True,
            )
        except ClientError as error:
            if _error_code(error) in _CONDITION_FAILED:
                raise NotFound(model_id) from error
            raise
        assert item is not None
        return tracking_items.logged_model_from_item(item)

    def list_logged_models(self, experiment_id: str) -> list[LoggedModel]:
        raw = self._query_all("gsi1", "gsi1pk", keys.logged_models_of_experiment_partition(experiment_id))
        return [tracking_items.logged_model_from_item(item) for item in raw]
