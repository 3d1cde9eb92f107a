"""MLflow's search filter grammar for registered models and model versions, as a pure module.

What MLflow 3 accepts, rejects and matches is the sum of two pieces of mlflow: the parser
(`mlflow.utils.search_utils.SearchModelUtils` / `SearchModelVersionUtils`, built on sqlparse) and the SQL store that
turns parsed clauses into SQL (`SqlAlchemyStore._get_search_registered_model_filter_query`,
`_get_search_model_versions_filter_clauses`, `_update_query_to_exclude_prompts`). This module reproduces that sum,
with `mlflow server` on SQLite as the reference, using a small tokenizer instead of sqlparse.

The grammar, as MLflow accepts it:

    filter      := (clause | AND)*        -- AND is optional, and may lead, trail or repeat
    clause      := identifier comparator value
    identifier  := word ("." part?)*      -- part: word, `backticked`, "double" or 'single' quoted, no spaces
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

The tokenizer and clause parser know nothing of registered models: an `EntitySpec` says which prefixes, attributes
and comparators a search accepts, so the run search (`metrics.`, `params.`) can be another spec later.
"""

from __future__ import annotations

import ast
import operator
import re
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, NoReturn, cast

from registry_core.domain.errors import InvalidParameterValue
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
    "exact_name",
    "matches_model_version",
    "matches_registered_model",
    "name_prefix",
    "parse_filter",
    "parse_model_version_filter",
    "parse_model_version_order_by",
    "parse_registered_model_filter",
    "parse_registered_model_order_by",
    "run_ids",
    "sort_key_model_version",
    "sort_key_registered_model",
    "sql_ilike",
    "sql_like",
]

ClauseKind = Literal["attribute", "tag"]
ComparisonOperator = Literal["=", "!=", "LIKE", "ILIKE", "IN", "NOT IN", "<", "<=", ">", ">="]
View = Mapping[str, Any]

IS_PROMPT_TAG_KEY: Final = "mlflow.prompt.is_prompt"
_PROMPT_TAG_TRUE: Final = "true"

MAX_FILTER_TOKENS: Final = 10_000
"""Longest filter (in tokens) we parse; sqlparse, and so MLflow, refuses to group more than this."""
MAX_LIST_NESTING: Final = 100
"""Deepest parenthesis nesting we accept; sqlparse's grouping depth limit."""
SQL_INTEGER_MIN: Final = -(2**63)
SQL_INTEGER_MAX: Final = 2**63 - 1
"""Range of a numeric filter value; SQLite's INTEGER, outside of which MLflow's store fails."""

_LIST_COMPARATORS: Final = frozenset({"IN", "NOT IN"})
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


def exact_name(clauses: Sequence[Comparison]) -> str | None:
    """The name in a `name = 'x'` clause, if any: every match has that name (other clauses still apply)."""
    for clause in clauses:
        if clause.kind == "attribute" and clause.key == "name" and clause.op == "=":
            return cast(str, clause.value)
    return None


def name_prefix(clauses: Sequence[Comparison]) -> str | None:
    """The prefix in a case-sensitive `name LIKE 'abc%'` clause whose only wildcards are trailing %s, if any.

    A backslash disqualifies the clause: SQLite reads it literally but other databases as an escape.
    """
    for clause in clauses:
        if clause.kind != "attribute" or clause.key != "name" or clause.op != "LIKE":
            continue
        pattern = cast(str, clause.value)
        prefix = pattern.rstrip("%")
        if prefix and prefix != pattern and not any(char in prefix for char in "%_\\"):
            return prefix
    return None


def run_ids(clauses: Sequence[Comparison]) -> tuple[str, ...] | None:
    """The run ids a match must have, from `run_id = 'x'` and `run_id IN (...)` clauses, or None if unconstrained.

    Several such clauses intersect; an empty tuple means nothing can match.
    """
    allowed: tuple[str, ...] | None = None
    for clause in clauses:
        if clause.kind != "attribute" or clause.key != "run_id":
            continue
        values: tuple[str, ...]
        if clause.op == "=":
            values = (cast(str, clause.value),)
        elif clause.op == "IN":
            values = cast(tuple[str, ...], clause.value)
        else:
            continue
        unique = tuple(dict.fromkeys(values))
        allowed = unique if allowed is None else tuple(run_id for run_id in allowed if run_id in unique)
    return allowed


def sql_like(value: str, pattern: str) -> bool:
    """SQL LIKE as MLflow gets it from SQLite: case-sensitive, `%` any run, `_` one character, no escape.

    Matched segment by segment rather than through a regex, so a pattern full of `%` cannot backtrack for ages.
    """
    segments = pattern.split("%")
    if len(segments) == 1:
        return len(value) == len(pattern) and _segment_at(value, 0, pattern)
    first, *middle, last = segments
    if len(first) + len(last) > len(value):
        return False
    if not _segment_at(value, 0, first) or not _segment_at(value, len(value) - len(last), last):
        return False
    position, end = len(first), len(value) - len(last)
    for segment in middle:
        found = _find_segment(value, segment, position, end)
        if found < 0:
            return False
        position = found + len(segment)
    return True


def sql_ilike(value: str, pattern: str) -> bool:
    """SQLAlchemy's ILIKE on SQLite: `lower(value) LIKE lower(pattern)`, where `lower()` folds ASCII letters only."""
    return sql_like(value.translate(_ASCII_LOWERCASE), pattern.translate(_ASCII_LOWERCASE))


def parse_filter(filter_string: str | None, spec: EntitySpec) -> list[Comparison]:
    """Parse a filter for the search described by `spec`; raise InvalidParameterValue as MLflow would."""
    if not filter_string:
        return []
    if filter_string.isspace():
        raise InvalidParameterValue(f"Invalid filter '{filter_string}'. Could not be parsed.")
    raw_clauses = _ClauseParser(filter_string).parse()
    # MLflow parses every clause before its store checks any comparator; keep that order so errors agree.
    resolved = [_resolve_clause(raw, spec) for raw in raw_clauses]
    return [_validate_comparison(clause, spec) for clause in resolved]


# --- tokens -----------------------------------------------------------------------------------------------------

# The token shapes are sqlparse's (keywords.SQL_REGEX), so that strings, numbers and words split where MLflow's do:
# quoted strings keep '' and \' inside without unescaping them, and a number must not run into a letter.
_NOT_LETTER_AHEAD: Final = r"(?![_A-ZÀ-Ü])"
_TOKEN_PATTERNS: Final = (
    ("space", r"\s+"),
    ("backtick", r"`(?:``|[^`])*`"),
    ("float", rf"-?\d+(?:\.\d+)?E-?\d+|{_NOT_LETTER_AHEAD}-?(?:\d+\.\d*|\.\d+){_NOT_LETTER_AHEAD}"),
    ("integer", rf"{_NOT_LETTER_AHEAD}-?\d+{_NOT_LETTER_AHEAD}"),
    ("single_quoted", r"'(?:''|\\'|[^'])*'"),
    ("double_quoted", r'"(?:""|\\"|[^"])*"'),
    ("word", r"\w+"),
    ("operator", r"[<>=~!]+"),
    ("punctuation", r"[(),.]"),
    ("other", r"."),
)
_TOKEN: Final = re.compile(
    "|".join(f"(?P<{name}>{pattern})" for name, pattern in _TOKEN_PATTERNS), re.IGNORECASE | re.DOTALL
)

# sqlparse lexes these as keywords even right after a dot, so `tags.from` is not an identifier to MLflow.
_KEYWORDS_NEVER_NAMES: Final = frozenset({"AS", "CASE", "FROM", "IN", "USING", "VALUES"})
_WORD_COMPARATORS: Final = frozenset({"LIKE", "ILIKE", "RLIKE", "REGEXP", "IN"})
_IDENTIFIER_START_KINDS: Final = frozenset({"word", "backtick", "double_quoted"})
_IDENTIFIER_PART_KINDS: Final = frozenset({"word", "backtick", "double_quoted", "single_quoted"})


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    def is_punctuation(self, char: str) -> bool:
        return self.kind == "punctuation" and self.text == char

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.text.upper() in words


def _tokenize(text: str) -> list[_Token]:
    """Split a filter into tokens, whitespace dropped (adjacency is still known from the offsets)."""
    tokens = [
        _Token(match.lastgroup or "other", match.group(), match.start())
        for match in _TOKEN.finditer(text)
        if match.lastgroup != "space"
    ]
    if len(tokens) > MAX_FILTER_TOKENS:
        raise InvalidParameterValue(f"Error on parsing filter: more than {MAX_FILTER_TOKENS} tokens.")
    return tokens


# --- clauses ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Operand:
    kind: Literal["string", "integer", "float", "list", "unquoted"]
    text: str
    """The string's content, the number or list as written, or the unquoted word."""


@dataclass(frozen=True)
class _RawClause:
    identifier: str
    comparator: str
    operand: _Operand


class _ClauseParser:
    """Recursive descent over the grammar in the module docstring; knows nothing of entities."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._tokens = _tokenize(text)
        self._position = 0

    def parse(self) -> list[_RawClause]:
        clauses: list[_RawClause] = []
        while (token := self._peek()) is not None:
            if token.is_word("AND"):
                self._position += 1
                continue
            clauses.append(self._clause(token))
        return clauses

    def _clause(self, first: _Token) -> _RawClause:
        identifier = self._identifier(first)
        comparator = self._comparator(first)
        operand = self._operand(first, comparator)
        return _RawClause(identifier, comparator, operand)

    def _identifier(self, first: _Token) -> str:
        token = self._take(first)
        if token.kind not in _IDENTIFIER_START_KINDS:
            self._fail(first)
        end = token.end
        while (dot := self._peek()) is not None and dot.is_punctuation(".") and dot.start == end:
            self._position += 1
            end = dot.end
            # A part may be empty, as in MLflow: `tags.env.` is the tag "env.", `tags.` the tag "".
            part = self._peek()
            if part is not None and part.start == end and _is_identifier_part(part):
                self._position += 1
                end = part.end
        return self._text[token.start : end]

    def _comparator(self, first: _Token) -> str:
        token = self._take(first)
        if token.kind == "operator":
            return token.text
        if token.is_word(*_WORD_COMPARATORS):
            return token.text.upper()
        if token.is_word("NOT"):
            negated = self._take(first)
            if negated.is_word(*_WORD_COMPARATORS):
                return f"NOT {negated.text.upper()}"
        self._fail(first)

    def _operand(self, first: _Token, comparator: str) -> _Operand:
        token = self._take(first)
        if token.is_punctuation("("):
            return _Operand("list", self._parenthesized(first, token))
        if comparator in _LIST_COMPARATORS:
            self._fail(first)
        if token.kind in ("single_quoted", "double_quoted"):
            return _Operand("string", token.text[1:-1])
        if token.kind in ("integer", "float"):
            return _Operand(cast(Literal["integer", "float"], token.kind), token.text)
        if token.kind in ("word", "backtick"):
            return _Operand("unquoted", token.text)
        self._fail(first)

    def _parenthesized(self, first: _Token, opening: _Token) -> str:
        """The text from `opening` to its matching parenthesis; MLflow reads it as a Python literal."""
        depth, token = 1, opening
        while depth:
            token = self._take(first)
            if token.is_punctuation("("):
                depth += 1
                if depth > MAX_LIST_NESTING:
                    raise InvalidParameterValue(f"Error on parsing filter: lists nest deeper than {MAX_LIST_NESTING}.")
            elif token.is_punctuation(")"):
                depth -= 1
        return self._text[opening.start : token.end]

    def _peek(self, ahead: int = 0) -> _Token | None:
        index = self._position + ahead
        return self._tokens[index] if index < len(self._tokens) else None

    def _take(self, first: _Token) -> _Token:
        token = self._peek()
        if token is None:
            self._fail(first)
        self._position += 1
        return token

    def _fail(self, first: _Token) -> NoReturn:
        raise InvalidParameterValue(f"Invalid clause(s) in filter string: {self._text[first.start :]}")


def _is_identifier_part(token: _Token) -> bool:
    if token.kind == "word":
        return token.text.upper() not in _KEYWORDS_NEVER_NAMES
    return token.kind in _IDENTIFIER_PART_KINDS


# --- resolution against an entity -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ResolvedClause:
    kind: ClauseKind
    name: str
    """MLflow's attribute name or the tag key."""
    comparator: str
    value: str | int | float | tuple[str, ...]


def _resolve_clause(raw: _RawClause, spec: EntitySpec) -> _ResolvedClause:
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
    operand: _Operand, kind: ClauseKind, name: str, spec: EntitySpec
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
        return _string_list(operand.text)
    if name not in spec.numeric_attributes:
        raise InvalidParameterValue(
            f"Only the '{sorted(spec.numeric_attributes)}' attributes support comparison with numeric values."
        )
    try:
        return int(operand.text) if operand.kind == "integer" else float(operand.text)
    except ValueError as error:  # more digits than Python converts (sys.get_int_max_str_digits)
        raise InvalidParameterValue(f"Invalid value for numeric attribute '{name}': {operand.text}") from error


def _string_list(text: str) -> tuple[str, ...]:
    """A parenthesized list as MLflow reads it: `ast.literal_eval`, so ('a' 'b') is ('ab',) and ('a') is ('a',)."""
    try:
        parsed = ast.literal_eval(text)
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError) as error:
        # MLflow answers a SyntaxError with this message and lets the rest escape as a 500.
        raise InvalidParameterValue(
            "While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list."
        ) from error
    values = parsed if isinstance(parsed, tuple) else (parsed,)
    if not values:
        raise InvalidParameterValue(
            "While parsing a list in the query, expected a non-empty list of string values, but got empty list"
        )
    if not all(isinstance(value, str) for value in values):
        raise InvalidParameterValue(
            "While parsing a list in the query, expected string value, punctuation, or whitespace, but got "
            f"different type in list: {values}"
        )
    return values


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
        comparator in _LIST_COMPARATORS and clause.name not in spec.list_attributes
    ):
        raise InvalidParameterValue(f"Invalid comparator for attribute: {comparator}")
    if isinstance(value, tuple) != (comparator in _LIST_COMPARATORS):
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

_ASCII_LOWERCASE: Final = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)

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


def _segment_at(value: str, start: int, segment: str) -> bool:
    """Whether a %-free LIKE segment (`_` = any one character) matches `value` at `start`."""
    if start < 0 or start + len(segment) > len(value):
        return False
    return all(wanted in ("_", value[start + offset]) for offset, wanted in enumerate(segment))


def _find_segment(value: str, segment: str, start: int, end: int) -> int:
    """Leftmost position in value[start:end] where the segment matches, or -1."""
    if "_" not in segment:
        return value.find(segment, start, end)
    for position in range(start, end - len(segment) + 1):
        if _segment_at(value, position, segment):
            return position
    return -1
