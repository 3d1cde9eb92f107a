"""MLflow's run search (`search_runs`) filter and order_by, on the shared filter grammar of `grammar.py`.

What is accepted and what matches follows `mlflow.utils.search_utils.SearchUtils` (`parse_search_filter`,
`_does_run_match_clause`, `parse_order_by_for_search_runs`, `_get_value_for_sort`), which is what MLflow's
file store applies and what its SQL store reproduces:

- prefixes: `metric(s).`, `param(s).`/`parameter(s).`, `tag(s).`, `attribute(s).`/`attr.`/`run.`, `dataset(s).`;
  an identifier without a prefix is an attribute (`run_id`, `run_name`, `status`, `user_id`, `artifact_uri`,
  `start_time`, `end_time`, and the aliases `created`/`Created` and `run name`);
- metrics compare numerically (`=`, `!=`, `<`, `<=`, `>`, `>=`) with a number; params and tags with a quoted string
  (`=`, `!=`, `LIKE`, `ILIKE`); string attributes also take `IN`/`NOT IN` (only `run_id` with a list);
- a clause on a metric, param or tag the run does not have matches nothing (not even `!=`).

The experiment search (`search_experiments`) uses the same machinery with its own attributes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from registry_core.domain.errors import InvalidParameterValue
from registry_core.search.grammar import Operand, RawClause, parse_clauses, parse_string_list
from registry_core.search.like import sql_ilike, sql_like
from registry_core.search.order_by import strip_key_quotes

RunClauseKind = Literal["metric", "param", "tag", "attribute", "dataset"]

_PREFIXES: Final[Mapping[str, RunClauseKind]] = {
    "metric": "metric",
    "metrics": "metric",
    "parameter": "param",
    "parameters": "param",
    "param": "param",
    "params": "param",
    "tag": "tag",
    "tags": "tag",
    "attribute": "attribute",
    "attr": "attribute",
    "attributes": "attribute",
    "run": "attribute",
    "dataset": "dataset",
    "datasets": "dataset",
}
_IDENTIFIERS: Final = ["metric", "parameter", "tag", "attribute", "dataset"]
METRIC_COMPARATORS: Final = frozenset({">", ">=", "!=", "=", "<", "<="})
PARAM_COMPARATORS: Final = frozenset({"!=", "=", "LIKE", "ILIKE"})
STRING_ATTRIBUTE_COMPARATORS: Final = frozenset({"!=", "=", "LIKE", "ILIKE", "IN", "NOT IN"})
NUMERIC_RUN_ATTRIBUTES: Final = frozenset({"start_time", "end_time", "created", "Created"})
RUN_ATTRIBUTES: Final = frozenset(
    {"artifact_uri", "end_time", "run_id", "run_name", "start_time", "status", "user_id"}
    | {"created", "Created", "run name", "Run name", "Run Name"}
)
RUN_ORDER_BY_ATTRIBUTES: Final = frozenset(
    {"artifact_uri", "end_time", "run_id", "run_name", "start_time", "status", "user_id", "created", "Created"}
)
DATASET_ATTRIBUTES: Final = frozenset({"name", "digest", "context"})
LIST_ATTRIBUTES: Final = frozenset({"run_id"})
EXPERIMENT_ATTRIBUTES: Final = frozenset({"name", "creation_time", "last_update_time"})
NUMERIC_EXPERIMENT_ATTRIBUTES: Final = frozenset({"creation_time", "last_update_time"})
_ALIASES: Final = {"created": "start_time", "Created": "start_time", "run name": "run_name", "Run name": "run_name"}
_ALIASES_ALL: Final = {**_ALIASES, "Run Name": "run_name"}


@dataclass(frozen=True)
class RunComparison:
    kind: RunClauseKind
    key: str
    op: str
    value: str | float | int | tuple[str, ...]


@dataclass(frozen=True)
class RunOrder:
    kind: RunClauseKind
    key: str
    ascending: bool


@dataclass(frozen=True)
class _Spec:
    attributes: frozenset[str]
    numeric: frozenset[str]
    prefixes: Mapping[str, RunClauseKind]


RUN_SPEC: Final = _Spec(RUN_ATTRIBUTES, NUMERIC_RUN_ATTRIBUTES, _PREFIXES)
EXPERIMENT_SPEC: Final = _Spec(
    EXPERIMENT_ATTRIBUTES, NUMERIC_EXPERIMENT_ATTRIBUTES, {"attribute": "attribute", "tag": "tag", "tags": "tag"}
)


def parse_run_filter(filter_string: str | None) -> list[RunComparison]:
    """Parse a search_runs filter into AND-ed clauses ([] for None or "")."""
    return _parse(filter_string, RUN_SPEC)


def parse_experiment_filter(filter_string: str | None) -> list[RunComparison]:
    return _parse(filter_string, EXPERIMENT_SPEC)


def _parse(filter_string: str | None, spec: _Spec) -> list[RunComparison]:
    return [_resolve(raw, spec) for raw in parse_clauses(filter_string)]


def _identifier(text: str, spec: _Spec, valid_attributes: frozenset[str]) -> tuple[RunClauseKind, str]:
    prefix, dot, key = text.partition(".")
    kind: RunClauseKind = "attribute"
    if dot:
        found = spec.prefixes.get(prefix)
        if found is None:
            raise InvalidParameterValue(f"Invalid entity type '{prefix}'. Valid values are {_IDENTIFIERS}")
        kind = found
    else:
        key = prefix
    key = strip_key_quotes(key)
    if kind == "attribute" and key not in valid_attributes:
        raise InvalidParameterValue(
            f"Invalid attribute key '{key}' specified. Valid keys are '{set(sorted(valid_attributes))}'"
        )
    if kind == "dataset" and key not in DATASET_ATTRIBUTES:
        raise InvalidParameterValue(
            f"Invalid dataset key '{key}' specified. Valid keys are '{set(sorted(DATASET_ATTRIBUTES))}'"
        )
    return kind, key


def _quoted(kind: str, operand: Operand) -> str:
    if operand.kind == "string":
        return operand.text
    raise InvalidParameterValue(
        f"Expected a quoted string value for {kind} (e.g. 'my-value'). Got value {operand.text}"
    )


def _resolve(raw: RawClause, spec: _Spec) -> RunComparison:
    kind, key = _identifier(raw.identifier, spec, spec.attributes)
    operand, op = raw.operand, raw.comparator
    value: str | float | int | tuple[str, ...]
    if kind == "metric":
        if operand.kind not in ("integer", "float"):
            raise InvalidParameterValue(f"Expected numeric value type for metric. Found {operand.text}")
        value = float(operand.text)
        comparators = METRIC_COMPARATORS
    elif kind in ("param", "tag"):
        value = _quoted("parameter" if kind == "param" else "tag", operand)
        comparators = PARAM_COMPARATORS
    elif kind == "dataset":
        value = parse_string_list(operand.text) if operand.kind == "list" else _quoted("dataset", operand)
        comparators = STRING_ATTRIBUTE_COMPARATORS
    elif key in spec.numeric:
        if operand.kind not in ("integer", "float"):
            raise InvalidParameterValue(
                f"Expected numeric value type for numeric attribute: {key}. Found {operand.text}"
            )
        value = int(operand.text) if operand.kind == "integer" else float(operand.text)
        comparators = METRIC_COMPARATORS
    elif operand.kind == "list":
        if key not in LIST_ATTRIBUTES:
            raise InvalidParameterValue(
                f"Only {sorted(LIST_ATTRIBUTES)} attributes support comparison with a list of quoted string values."
            )
        value = parse_string_list(operand.text)
        comparators = STRING_ATTRIBUTE_COMPARATORS
    elif operand.kind == "string":
        value = operand.text
        comparators = STRING_ATTRIBUTE_COMPARATORS
    else:
        raise InvalidParameterValue(f"Expected a quoted string value for attributes. Got value {operand.text}")
    if op not in comparators:
        raise InvalidParameterValue(f"Invalid comparator '{op}' not one of '{set(sorted(comparators))}'")
    if isinstance(value, tuple) != (op in ("IN", "NOT IN")):
        raise InvalidParameterValue(
            f"Invalid comparator '{op}' for a {'list' if isinstance(value, tuple) else 'value'}"
        )
    return RunComparison(kind, _ALIASES_ALL.get(key, key) if kind == "attribute" else key, op, value)


_FUNCTIONS: Final = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "LIKE": sql_like,
    "ILIKE": sql_ilike,
    "IN": lambda a, b: a in b,
    "NOT IN": lambda a, b: a not in b,
}


def run_matches(view: Mapping[str, Any], clauses: Sequence[RunComparison]) -> bool:
    """Whether a run view (`attributes`, `metrics`, `params`, `tags`, `datasets`) passes every clause."""
    return all(_holds(view, clause) for clause in clauses)


def _holds(view: Mapping[str, Any], clause: RunComparison) -> bool:
    compare = _FUNCTIONS[clause.op]
    if clause.kind == "dataset":
        for dataset_input in view.get("datasets") or []:
            actual = _dataset_value(dataset_input, clause.key)
            if actual is not None and compare(actual, clause.value):
                return True
        return False
    section = {"metric": "metrics", "param": "params", "tag": "tags", "attribute": "attributes"}[clause.kind]
    actual = (view.get(section) or {}).get(clause.key)
    if actual is None:
        return False
    return bool(compare(actual, clause.value))


def _dataset_value(dataset_input: Any, key: str) -> Any:
    if key == "context":
        return (getattr(dataset_input, "tags", None) or {}).get("mlflow.data.context")
    dataset = getattr(dataset_input, "dataset", dataset_input)
    return getattr(dataset, key, None)


# --- order_by ---------------------------------------------------------------------------------------------------


def parse_run_order_by(order_by: Sequence[str] | None) -> list[RunOrder]:
    return [_parse_order(clause, RUN_SPEC, RUN_ORDER_BY_ATTRIBUTES) for clause in order_by or []]


def parse_experiment_order_by(order_by: Sequence[str] | None) -> list[RunOrder]:
    orders = [
        _parse_order(clause, EXPERIMENT_SPEC, EXPERIMENT_ATTRIBUTES | {"experiment_id"}) for clause in order_by or []
    ]
    # MLflow's SQL store: by default creation_time DESC, experiment_id ASC; else experiment_id DESC breaks ties.
    if not orders:
        return [RunOrder("attribute", "creation_time", False), RunOrder("attribute", "experiment_id", True)]
    if all(order.key != "experiment_id" for order in orders):
        orders.append(RunOrder("attribute", "experiment_id", False))
    return orders


def _parse_order(clause: str, spec: _Spec, valid: frozenset[str]) -> RunOrder:
    text = clause.strip()
    ascending = True
    words = text.rsplit(None, 1)
    if len(words) == 2 and words[1].lower() in ("asc", "desc"):
        ascending = words[1].lower() == "asc"
        text = words[0].strip()
    elif len(words) == 2 and not (text.endswith("`") or text.endswith('"')):
        raise InvalidParameterValue(f"Invalid order_by clause '{clause}'. Could not be parsed.")
    if not text:
        raise InvalidParameterValue(f"Invalid order_by clause '{clause}'. Could not be parsed.")
    kind, key = _identifier(text, spec, valid)
    if kind == "dataset":
        raise InvalidParameterValue(f"Invalid order_by entity type '{kind}'")
    return RunOrder(kind, _ALIASES_ALL.get(key, key) if kind == "attribute" else key, ascending)


def _sort_value(view: Mapping[str, Any], order: RunOrder) -> tuple[int, Any]:
    """SearchUtils._get_value_for_sort: values first, then NaN, then missing values, whichever the direction."""
    section = {"metric": "metrics", "param": "params", "tag": "tags", "attribute": "attributes"}[order.kind]
    value = (view.get(section) or {}).get(order.key)
    if value is None:
        return (2, None)
    if isinstance(value, float) and math.isnan(value):
        return (1, None)
    return (0, value)


class _Desc:
    """Reverses the order of a comparable value inside a tuple key."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __lt__(self, other: _Desc) -> bool:
        return bool(other.value < self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Desc) and self.value == other.value

    def __hash__(self) -> int:
        return hash(self.value)


def run_sort_key(view: Mapping[str, Any], orders: Sequence[RunOrder]) -> tuple[Any, ...]:
    """The sort key of a run: the requested orders, then MLflow's default (start_time DESC, run_id)."""
    parts: list[Any] = []
    for order in orders:
        rank, value = _sort_value(view, order)
        parts.append(rank)
        parts.append(0 if rank else (value if order.ascending else _Desc(value)))
    attributes = view.get("attributes") or {}
    parts.extend([_Desc(attributes.get("start_time") or 0), attributes.get("run_id") or ""])
    return tuple(parts)


def experiment_sort_key(view: Mapping[str, Any], orders: Sequence[RunOrder]) -> tuple[Any, ...]:
    parts: list[Any] = []
    for order in orders:
        rank, value = _sort_value(view, order)
        if order.key == "experiment_id" and not rank:
            value = int(value) if str(value).isdigit() else value
        parts.append(rank)
        parts.append(0 if rank else (value if order.ascending else _Desc(value)))
    return tuple(parts)
