"""MLflow's search filter grammar for registered models and model versions, as a pure module.

What MLflow 3 accepts, rejects and matches is the sum of two pieces of mlflow: the parser
(`mlflow.utils.search_utils.SearchModelUtils` / `SearchModelVersionUtils`, built on sqlparse) and the SQL store that
turns parsed clauses into SQL (`SqlAlchemyStore._get_search_registered_model_filter_query`,
`_get_search_model_versions_filter_clauses`, `_update_query_to_exclude_prompts`). This module reproduces that sum,
with `mlflow server` on SQLite as the reference, using a small tokenizer instead of sqlparse.

The shared grammar (tokenizer, clause parser) is `grammar.py`; this module resolves its clauses for registered
models and model versions, where it accepts:

    identifier  := name | version_number | run_id | source_path | tag(s).<key> | attribute.<name>
                                          -- `tags.a.b` is tag `a.b`; quotes are stripped, never unescaped
    comparator  := = != < <= > >= | LIKE | ILIKE | [NOT] IN
    value       := 'string' | "string" | integer | float | ( python-literal list of strings )

and what it means (see `matches_registered_model`):

- `=`, `!=`, `IN`, `NOT IN` compare exactly; `LIKE` is case-sensitive (MLflow sets `case_sensitive_like` on
  SQLite) with `%` for any run of characters and `_` for one, and no escape character; `ILIKE` is `LIKE` on
  ASCII-lowercased text (SQLite's `lower()`).
- A tag clause matches only an entity that has the tag: the SQL store joins the tag table, so `tags.k != 'v'` does
  not match an entity without tag `k`. A missing attribute (SQL NULL, e.g. a version without run_id) matches nothing.
- Prompts: unless the filter asks for prompts (its first clause on the `mlflow.prompt.is_prompt` tag is `= 'true'`
  or `!= 'false'`, any case), entities tagged `mlflow.prompt.is_prompt = 'true'` are left out and every clause on
  that tag is ignored. That is why the filter MLflow 3's client adds to every search,
  ``tags.`mlflow.prompt.is_prompt` != 'true'``, matches models that have no such tag.

An `EntitySpec` says which prefixes, attributes and comparators a search accepts. Which index a search reads is
planned from the parsed clauses in `index_plan.py`; LIKE matching is `like.py`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, cast

from registry_core.domain.errors import InvalidParameterValue
from registry_core.search.grammar import LIST_COMPARATORS, Operand, RawClause, parse_clauses, parse_string_list
from registry_core.search.like import sql_ilike, sql_like
from registry_core.search.order_by import (
    MODEL_VERSION_DEFAULT_ORDER_BY,
    OrderBy,
    SortKey,
    parse_model_version_order_by,
    parse_registered_model_order_by,
    sort_key_model_version,
    sort_key_registered_model,
    strip_key_quotes,
)

__all__ = [
    "IS_PROMPT_TAG_KEY",
    "MODEL_VERSION_DEFAULT_ORDER_BY",
    "MODEL_VERSION_SEARCH",
    "REGISTERED_MODEL_SEARCH",
    "ClauseKind",
    "Comparison",
    "ComparisonOperator",
    "EntitySpec",
    "OrderBy",
    "SortKey",
    "View",
    "matches_model_version",
    "matches_registered_model",
    "parse_filter",
    "parse_model_version_filter",
    "parse_model_version_order_by",
    "parse_registered_model_filter",
    "parse_registered_model_order_by",
    "sort_key_model_version",
    "sort_key_registered_model",
]

ClauseKind = Literal["attribute", "tag"]
ComparisonOperator = Literal["=", "!=", "LIKE", "ILIKE", "IN", "NOT IN", "<", "<=", ">", ">="]
View = Mapping[str, Any]

IS_PROMPT_TAG_KEY: Final = "mlflow.prompt.is_prompt"
_PROMPT_TAG_TRUE: Final = "true"

SQL_INTEGER_MIN: Final = -(2**63)
SQL_INTEGER_MAX: Final = 2**63 - 1
"""Range of a numeric filter value; SQLite's INTEGER, outside of which MLflow's store fails."""

_STRING_COMPARATORS: Final = frozenset({"=", "!=", "LIKE", "ILIKE", "IN", "NOT IN"})
_NUMERIC_COMPARATORS: Final = frozenset({"=", "!=", "<", "<=", ">", ">="})
_TAG_COMPARATORS: Final = frozenset({"=", "!=", "LIKE", "ILIKE"})
_REGISTRY_PREFIXES: Final[Mapping[str, ClauseKind]] = {"attribute": "attribute", "tag": "tag", "tags": "tag"}


@dataclass(frozen=True)
class Comparison:
    """One AND-ed clause of a filter.

    `key` is the view key the clause reads (for attributes: MLflow's `version_number` is `version`, `source_path` is
    `source`) or the tag key. `value` is a str, an int (numeric attributes) or a tuple of str (`IN`, `NOT IN`).
    """

    kind: ClauseKind
    key: str
    op: ComparisonOperator
    value: str | int | tuple[str, ...]


@dataclass(frozen=True)
class EntitySpec:
    """What one search accepts, on top of the shared tokenizer and clause parser."""

    entity: str
    prefixes: Mapping[str, ClauseKind]
    """Entity-type prefix (`tags` in `tags.k`) -> clause kind; an identifier without a prefix is an attribute."""
    string_attributes: Mapping[str, str]
    """MLflow's attribute name -> view key, for attributes holding strings."""
    numeric_attributes: Mapping[str, str]
    """MLflow's attribute name -> view key, for attributes holding integers."""
    list_attributes: frozenset[str]
    """String attributes that may be compared with a list (IN, NOT IN)."""
    string_comparators: frozenset[str]
    numeric_comparators: frozenset[str]
    tag_comparators: frozenset[str]

    @property
    def attributes(self) -> frozenset[str]:
        return frozenset(self.string_attributes) | frozenset(self.numeric_attributes)


REGISTERED_MODEL_SEARCH: Final = EntitySpec(
    entity="registered model",
    prefixes=_REGISTRY_PREFIXES,
    string_attributes={"name": "name"},
    numeric_attributes={},
    list_attributes=frozenset({"name"}),
    string_comparators=_STRING_COMPARATORS,
    numeric_comparators=frozenset(),
    tag_comparators=_TAG_COMPARATORS,
)

# Timestamps are numeric attributes of a version in MLflow but not searchable ones: only order_by accepts them.
MODEL_VERSION_SEARCH: Final = EntitySpec(
    entity="model version",
    prefixes=_REGISTRY_PREFIXES,
    string_attributes={"name": "name", "run_id": "run_id", "source_path": "source"},
    numeric_attributes={"version_number": "version"},
    list_attributes=frozenset({"name", "run_id"}),
    string_comparators=_STRING_COMPARATORS,
    numeric_comparators=_NUMERIC_COMPARATORS,
    tag_comparators=_TAG_COMPARATORS,
)


def parse_registered_model_filter(filter_string: str | None) -> list[Comparison]:
    """Parse a search_registered_models filter into AND-ed clauses ([] for None or "")."""
    return parse_filter(filter_string, REGISTERED_MODEL_SEARCH)


def parse_model_version_filter(filter_string: str | None) -> list[Comparison]:
    """Parse a search_model_versions filter into AND-ed clauses ([] for None or "")."""
    return parse_filter(filter_string, MODEL_VERSION_SEARCH)


def matches_registered_model(model: View, clauses: Sequence[Comparison]) -> bool:
    """Whether a registered model view (`name`, `tags`, ...) passes every clause, prompts aside (module docstring).

    `tags` must hold every tag of the model, reserved ones (`mlflow.prompt.is_prompt`) included.
    """
    return _matches(model, clauses)


def matches_model_version(version: View, clauses: Sequence[Comparison]) -> bool:
    """Whether a model version view (`name`, `version`, `run_id`, `source`, `tags`, ...) passes every clause.

    A version counts as a prompt when its own tags say so; MLflow looks at the tags of every version of the same
    model, which comes to the same thing because MLflow tags every version of a prompt.
    """
    return _matches(version, clauses)


def parse_filter(filter_string: str | None, spec: EntitySpec) -> list[Comparison]:
    """Parse a filter for the search described by `spec`; raise InvalidParameterValue as MLflow would."""
    raw_clauses = parse_clauses(filter_string)
    # MLflow parses every clause before its store checks any comparator; keep that order so errors agree.
    resolved = [_resolve_clause(raw, spec) for raw in raw_clauses]
    return [_validate_comparison(clause, spec) for clause in resolved]


# --- resolution against an entity -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ResolvedClause:
    kind: ClauseKind
    name: str
    """MLflow's attribute name or the tag key."""
    comparator: str
    value: str | int | float | tuple[str, ...]


def _resolve_clause(raw: RawClause, spec: EntitySpec) -> _ResolvedClause:
    """Identifier and value, as `SearchModelUtils._get_comparison` / `SearchModelVersionUtils._get_comparison`."""
    prefix, dot, key = raw.identifier.partition(".")
    kind: ClauseKind = "attribute"
    if dot:
        prefix_kind = spec.prefixes.get(prefix)
        if prefix_kind is None:
            raise InvalidParameterValue(
                f"Invalid entity type '{prefix}'. Valid entity types are {tuple(spec.prefixes)}"
            )
        kind = prefix_kind
    else:
        key = prefix
    # MLflow checks the attribute before unquoting it, so "name" or `name` is not the attribute name.
    if kind == "attribute" and key not in spec.attributes:
        raise InvalidParameterValue(
            f"Invalid attribute key '{key}' specified. Valid keys are '{sorted(spec.attributes)}'"
        )
    name = strip_key_quotes(key)
    return _ResolvedClause(kind, name, raw.comparator, _operand_value(raw.operand, kind, name, spec))


def _operand_value(
    operand: Operand, kind: ClauseKind, name: str, spec: EntitySpec
) -> str | int | float | tuple[str, ...]:
    if operand.kind == "string":
        return operand.text
    if operand.kind == "unquoted":
        raise InvalidParameterValue(
            "Parameter value is either not quoted or unidentified quote types used for string value "
            f"{operand.text}. Use either single or double quotes."
        )
    if kind == "tag":
        raise InvalidParameterValue(
            f"Expected a quoted string value for tag (e.g. 'my-value'). Got value {operand.text}"
        )
    if operand.kind == "list":
        if name not in spec.list_attributes:
            raise InvalidParameterValue(
                f"Only {sorted(spec.list_attributes)} attributes support comparison with a list of quoted string "
                "values."
            )
        return parse_string_list(operand.text)
    if name not in spec.numeric_attributes:
        raise InvalidParameterValue(
            f"Only the '{sorted(spec.numeric_attributes)}' attributes support comparison with numeric values."
        )
    try:
        return int(operand.text) if operand.kind == "integer" else float(operand.text)
    except ValueError as error:  # more digits than Python converts (sys.get_int_max_str_digits)
        raise InvalidParameterValue(f"Invalid value for numeric attribute '{name}': {operand.text}") from error


def _validate_comparison(clause: _ResolvedClause, spec: EntitySpec) -> Comparison:
    """The SQL store's checks on comparator and value, then the clause in view terms."""
    comparator, value = clause.comparator, clause.value
    if clause.kind == "tag":
        if comparator not in spec.tag_comparators:
            raise InvalidParameterValue(f"Invalid comparator for tag: {comparator}")
        return Comparison("tag", clause.name, cast(ComparisonOperator, comparator), cast(str, value))
    if clause.name in spec.numeric_attributes:
        if comparator not in spec.numeric_comparators:
            raise InvalidParameterValue(f"Invalid comparator for attribute {clause.name}: {comparator}")
        number = _integer(clause.name, value)
        return Comparison(
            "attribute", spec.numeric_attributes[clause.name], cast(ComparisonOperator, comparator), number
        )
    if comparator not in spec.string_comparators or (
        comparator in LIST_COMPARATORS and clause.name not in spec.list_attributes
    ):
        raise InvalidParameterValue(f"Invalid comparator for attribute: {comparator}")
    if isinstance(value, tuple) != (comparator in LIST_COMPARATORS):
        # MLflow lets `name = ('a', 'b')` through to the database, which fails; say why instead.
        raise InvalidParameterValue(
            f"Invalid comparator for attribute: {comparator} cannot compare '{clause.name}' with a list of values"
        )
    return Comparison(
        "attribute",
        spec.string_attributes[clause.name],
        cast(ComparisonOperator, comparator),
        cast(str | tuple[str, ...], value),
    )


def _integer(name: str, value: object) -> int:
    """The SQL store's `int(value)` for a numeric attribute: '3' and 3 pass, 3.0 and 'x' do not."""
    if isinstance(value, float | tuple):
        raise InvalidParameterValue(f"Invalid value for numeric attribute '{name}': {value!r}")
    try:
        number = int(cast(str | int, value))
    except (TypeError, ValueError) as error:
        raise InvalidParameterValue(f"Invalid value for numeric attribute '{name}': {value!r}") from error
    if not SQL_INTEGER_MIN <= number <= SQL_INTEGER_MAX:
        raise InvalidParameterValue(f"Invalid value for numeric attribute '{name}': {value!r} is out of range")
    return number


# --- matching ---------------------------------------------------------------------------------------------------

_COMPARATOR_FUNCTIONS: Final[Mapping[str, Callable[[Any, Any], bool]]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "LIKE": sql_like,
    "ILIKE": sql_ilike,
    "IN": lambda actual, values: actual in values,
    "NOT IN": lambda actual, values: actual not in values,
}


def _matches(view: View, clauses: Sequence[Comparison]) -> bool:
    tags: Mapping[str, str] = view.get("tags") or {}
    if not _queries_prompts(clauses):
        # The SQL store anti-joins every entity tagged as a prompt away and drops the clauses on that tag, so a
        # model without the tag passes `!= 'true'` although a tag clause otherwise needs the tag to exist.
        if tags.get(IS_PROMPT_TAG_KEY) == _PROMPT_TAG_TRUE:
            return False
        clauses = [clause for clause in clauses if not _is_prompt_clause(clause)]
    return all(_holds(view, tags, clause) for clause in clauses)


def _queries_prompts(clauses: Sequence[Comparison]) -> bool:
    """`SqlAlchemyStore._is_querying_prompt`: only the first clause on the prompt tag counts."""
    for clause in clauses:
        if _is_prompt_clause(clause):
            value = str(clause.value).lower()
            return (clause.op == "=" and value == "true") or (clause.op == "!=" and value == "false")
    return False


def _is_prompt_clause(clause: Comparison) -> bool:
    return clause.kind == "tag" and clause.key == IS_PROMPT_TAG_KEY


def _holds(view: View, tags: Mapping[str, str], clause: Comparison) -> bool:
    actual = tags.get(clause.key) if clause.kind == "tag" else view.get(clause.key)
    if actual is None:
        # No tag row to join, or a NULL column: SQL compares NULL to nothing, not even with != or NOT IN.
        return False
    return _COMPARATOR_FUNCTIONS[clause.op](actual, clause.value)
