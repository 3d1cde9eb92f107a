"""Which DynamoDB index a registry search can read, from its parsed clauses: the keys a filter pins down.

The service (`service/search.py`) streams or windows the narrowest source these allow; every clause still applies
to what is read, so these only ever narrow the source, never decide a match.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from registry_core.search.filters import Comparison

__all__ = ["exact_name", "name_prefix", "run_ids"]


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
