"""MLflow's `order_by` clauses for search_registered_models and search_model_versions, and sort keys for them.

Reproduces what mlflow's SQL store accepts and how it orders (`SqlAlchemyStore._parse_search_registered_models_order_by`
and `_parse_search_model_versions_order_by`, on top of `SearchUtils._parse_order_by_string`), including its quirks:

- registered models accept only `name`, `timestamp` and `last_updated_timestamp`; `timestamp` is an alias of
  `last_updated_timestamp` (the SQL store sorts both on `last_updated_time`), and `creation_timestamp` is rejected;
- model versions accept `name`, `version_number`, `creation_timestamp`, `last_updated_timestamp`, optionally behind an
  `attribute.`/`tag.`/`tags.` prefix that is then ignored (MLflow sorts `tags.name` by the model name);
- a key is unquoted (`"name"`, `` `name` ``) only when a direction follows it, except that model versions also strip
  one pair of quotes or backticks themselves, so `` `name` `` alone is valid for versions and not for models;
- a field named twice is an error, and the tie-breakers are appended: `name ASC` for models, `name ASC` then
  `version_number DESC` for versions (whose default order is last update first).

Parsed clauses are `(view key, ascending)` pairs, where the view key is the field of a registered model or model
version view (`version` for MLflow's `version_number`).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from functools import total_ordering
from typing import Any, Final

from registry_core.domain.errors import InvalidParameterValue

OrderBy = list[tuple[str, bool]]
"""Parsed order_by: (view key, ascending) pairs, most significant first, tie-breakers included."""

SortKey = Callable[[Mapping[str, Any]], tuple[Any, ...]]

MODEL_VERSION_DEFAULT_ORDER_BY: Final = ("last_updated_timestamp DESC", "name ASC", "version_number DESC")
"""What the SQL store sorts model versions by when the request has no order_by."""

# MLflow's order_by key -> view key.
_REGISTERED_MODEL_ORDER_KEYS: Final[Mapping[str, str]] = {
    "name": "name",
    "timestamp": "last_updated_timestamp",
    "last_updated_timestamp": "last_updated_timestamp",
}
_MODEL_VERSION_ORDER_KEYS: Final[Mapping[str, str]] = {
    "name": "name",
    "version_number": "version",
    "creation_timestamp": "creation_timestamp",
    "last_updated_timestamp": "last_updated_timestamp",
}
_MODEL_VERSION_ENTITY_PREFIXES: Final = ("attribute", "tag", "tags")
_DIRECTIONS: Final[Mapping[str, bool]] = {"asc": True, "desc": False}

# One clause is what sqlparse groups into a single identifier: dot-joined parts (words, `backticked` or
# "double-quoted" names) with no whitespace inside, then optionally whitespace and one more word (the direction).
_KEY_PART: Final = r"""(?:\w+|`(?:``|[^`])*`|"(?:""|\\"|[^"])*")"""
_ORDER_BY_CLAUSE: Final = re.compile(rf"(?P<key>{_KEY_PART}(?:\.{_KEY_PART})*)(?:\s+(?P<direction>\w+))?")


def parse_registered_model_order_by(order_by: Sequence[str] | None) -> OrderBy:
    """Parse search_registered_models' order_by; `name ASC` is appended unless the name is already a field."""
    parsed: OrderBy = []
    for clause in order_by or ():
        key, ascending = _split_clause(clause)
        view_key = _REGISTERED_MODEL_ORDER_KEYS.get(key.strip())
        if view_key is None:
            raise InvalidParameterValue(
                f"Invalid order by key '{key}' specified. Valid keys are '{sorted(_REGISTERED_MODEL_ORDER_KEYS)}'"
            )
        _append_field(parsed, view_key, ascending, order_by)
    _append_tie_breaker(parsed, "name", ascending=True)
    return parsed


def parse_model_version_order_by(order_by: Sequence[str] | None) -> OrderBy:
    """Parse search_model_versions' order_by (MLflow's default when empty); `name ASC`, `version DESC` break ties."""
    clauses = order_by or MODEL_VERSION_DEFAULT_ORDER_BY
    parsed: OrderBy = []
    for clause in clauses:
        key, ascending = _split_clause(clause)
        _append_field(parsed, _model_version_view_key(key.strip()), ascending, clauses)
    _append_tie_breaker(parsed, "name", ascending=True)
    _append_tie_breaker(parsed, "version", ascending=False)
    return parsed


def sort_key_registered_model(order_by: Sequence[tuple[str, bool]]) -> SortKey:
    """A key function for `sorted()` over registered model views, from `parse_registered_model_order_by`."""
    return _sort_key(order_by)


def sort_key_model_version(order_by: Sequence[tuple[str, bool]]) -> SortKey:
    """A key function for `sorted()` over model version views, from `parse_model_version_order_by`."""
    return _sort_key(order_by)


def _split_clause(clause: str) -> tuple[str, bool]:
    """Split one clause into (key, ascending) the way `SearchUtils._parse_order_by_string` does."""
    match = _ORDER_BY_CLAUSE.fullmatch(clause)
    if match is None:
        raise InvalidParameterValue(f"Invalid order_by clause '{clause}'. Could not be parsed.")
    if match["direction"] is None:
        # Without a direction MLflow keeps the clause verbatim, quotes and backticks included.
        return clause, True
    try:
        words = shlex.split(clause.replace("`", '"'))
    except ValueError as error:
        raise InvalidParameterValue(f"Invalid order_by clause '{clause}'. Could not be parsed.") from error
    if len(words) != 2:
        raise InvalidParameterValue(f"Invalid order_by clause '{clause}'. Could not be parsed.")
    key, direction = words
    ascending = _DIRECTIONS.get(direction.lower())
    if ascending is None:
        raise InvalidParameterValue(f"Invalid ordering key in order_by clause '{clause}'.")
    return key, ascending


def _model_version_view_key(key: str) -> str:
    """Resolve a model version key like `SearchExperimentsUtils._get_identifier` plus the SQL store's check."""
    prefix, dot, rest = key.partition(".")
    if dot:
        if prefix not in _MODEL_VERSION_ENTITY_PREFIXES:
            raise InvalidParameterValue(
                f"Invalid entity type '{prefix}'. Valid entity types are {_MODEL_VERSION_ENTITY_PREFIXES}"
            )
        key = rest
    key = strip_key_quotes(key)
    view_key = _MODEL_VERSION_ORDER_KEYS.get(key)
    if view_key is None:
        raise InvalidParameterValue(
            f"Invalid order by key '{key}' specified. Valid keys are {sorted(_MODEL_VERSION_ORDER_KEYS)}"
        )
    return view_key


def strip_key_quotes(key: str) -> str:
    """MLflow's `_trim_backticks(_strip_quotes(key))`: drop one pair of ' or ", then one pair of backticks.

    Nothing inside is unescaped: MLflow keeps a doubled quote (`a``b`) as two characters.
    """
    if len(key) >= 2 and key[0] == key[-1] and key[0] in "'\"":
        key = key[1:-1]
    if len(key) >= 2 and key[0] == key[-1] == "`":
        key = key[1:-1]
    return key


def _append_field(parsed: OrderBy, view_key: str, ascending: bool, order_by: Sequence[str] | None) -> None:
    if any(existing == view_key for existing, _ in parsed):
        # MLflow raises this without an error code (a 500); it is the client's mistake, so we say 400.
        raise InvalidParameterValue(f"`order_by` contains duplicate fields: {list(order_by or ())}")
    parsed.append((view_key, ascending))


def _append_tie_breaker(parsed: OrderBy, view_key: str, *, ascending: bool) -> None:
    if all(existing != view_key for existing, _ in parsed):
        parsed.append((view_key, ascending))


def _sort_key(order_by: Sequence[tuple[str, bool]]) -> SortKey:
    fields = tuple(order_by)

    def key(view: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(
            _nulls_first(view.get(field)) if ascending else _Descending(_nulls_first(view.get(field)))
            for field, ascending in fields
        )

    return key


def _nulls_first(value: Any) -> tuple[bool, Any]:
    """Order a missing value (SQL NULL) before every other value, as SQLite does: first ascending, last descending.

    Strings compare by code point, which is SQLite's BINARY collation (UTF-8 byte order is code point order).
    """
    return (value is not None, value)


@total_ordering
class _Descending:
    """Reverses the order of the wrapped value, so one ascending `sorted()` handles mixed directions."""

    __slots__ = ("value",)

    def __init__(self, value: tuple[bool, Any]) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Descending) and self.value == other.value

    def __lt__(self, other: _Descending) -> bool:
        return bool(other.value < self.value)

    __hash__ = None  # type: ignore[assignment]
