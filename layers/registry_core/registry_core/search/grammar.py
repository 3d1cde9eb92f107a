"""The filter grammar MLflow's searches share: a tokenizer and a clause parser that know nothing of entities.

Both the registry search (`filters.py`: registered models, model versions) and the tracking search (`runs.py`: runs,
experiments) parse a filter string into `RawClause`s here, then resolve identifiers and values against their own
entities. The grammar, as MLflow accepts it (sqlparse's lexing, reproduced by a small tokenizer):

    filter      := (clause | AND)*        -- AND is optional, and may lead, trail or repeat
    clause      := identifier comparator value
    identifier  := word ("." part?)*      -- part: word, `backticked`, "double" or 'single' quoted, no spaces
    comparator  := = != < <= > >= (any run of <>=~!) | LIKE | ILIKE | RLIKE | REGEXP | [NOT] IN
    value       := 'string' | "string" | integer | float | unquoted word | ( parenthesized list )
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Final, Literal, NoReturn, cast

from registry_core.domain.errors import InvalidParameterValue

__all__ = [
    "LIST_COMPARATORS",
    "MAX_FILTER_TOKENS",
    "MAX_LIST_NESTING",
    "ClauseParser",
    "Operand",
    "RawClause",
    "parse_clauses",
    "parse_string_list",
]

MAX_FILTER_TOKENS: Final = 10_000
"""Longest filter (in tokens) we parse; sqlparse, and so MLflow, refuses to group more than this."""
MAX_LIST_NESTING: Final = 100
"""Deepest parenthesis nesting we accept; sqlparse's grouping depth limit."""
LIST_COMPARATORS: Final = frozenset({"IN", "NOT IN"})


def parse_clauses(filter_string: str | None) -> list[RawClause]:
    """The AND-ed clauses of a filter, unresolved ([] for None or ""); InvalidParameterValue as MLflow would."""
    if not filter_string:
        return []
    if filter_string.isspace():
        raise InvalidParameterValue(f"Invalid filter '{filter_string}'. Could not be parsed.")
    return ClauseParser(filter_string).parse()


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
class Operand:
    """A clause's value as written; the entity decides what it may be."""

    kind: Literal["string", "integer", "float", "list", "unquoted"]
    text: str
    """The string's content, the number or list as written, or the unquoted word."""


@dataclass(frozen=True)
class RawClause:
    """One clause before resolution: the identifier as written, the comparator upper-cased, the operand."""

    identifier: str
    comparator: str
    operand: Operand


class ClauseParser:
    """Recursive descent over the grammar in the module docstring; knows nothing of entities."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._tokens = _tokenize(text)
        self._position = 0

    def parse(self) -> list[RawClause]:
        clauses: list[RawClause] = []
        while (token := self._peek()) is not None:
            if token.is_word("AND"):
                self._position += 1
                continue
            clauses.append(self._clause(token))
        return clauses

    def _clause(self, first: _Token) -> RawClause:
        identifier = self._identifier(first)
        comparator = self._comparator(first)
        operand = self._operand(first, comparator)
        return RawClause(identifier, comparator, operand)

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

    def _operand(self, first: _Token, comparator: str) -> Operand:
        token = self._take(first)
        if token.is_punctuation("("):
            return Operand("list", self._parenthesized(first, token))
        if comparator in LIST_COMPARATORS:
            self._fail(first)
        if token.kind in ("single_quoted", "double_quoted"):
            return Operand("string", token.text[1:-1])
        if token.kind in ("integer", "float"):
            return Operand(cast(Literal["integer", "float"], token.kind), token.text)
        if token.kind in ("word", "backtick"):
            return Operand("unquoted", token.text)
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


def parse_string_list(text: str) -> tuple[str, ...]:
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
