"""SQL LIKE and ILIKE as MLflow's searches get them from SQLite, shared by the registry and tracking filters."""

from __future__ import annotations

import string
from typing import Final

__all__ = ["sql_ilike", "sql_like"]

_ASCII_LOWERCASE: Final = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


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
