"""The route tables in README.md and docs/*.md are held to template.yaml, the only route table the stack has.

The rule: every route a doc table names is served by template.yaml, and every route template.yaml serves is named in
a doc table (README.md's API table or a table in docs/). A route in a table is either
- a row of a table with a `method` column and a `path` column, the path relative to the prefix the path column's
  header gives (`path (under /api/2.0/mlflow/)`), or to `/api/2.0/mlflow/` in README.md (its API section says all
  paths are under it); several methods and paths in one row pair up in order (`POST / DELETE` with
  `set-tag`, `delete-tag`), a bare name (`delete-tag`) sharing the folder of the path before it; or
- a cell holding `METHOD /api/2.0/...`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.template import http_routes, stack_template

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
README_PREFIX = "/api/2.0/mlflow/"
_METHOD = r"\b(GET|POST|PATCH|DELETE|PUT)\b"
_FULL_ROUTE = re.compile(rf"{_METHOD} (/api/2\.0/[^\s`|]+)")
_PREFIX_IN_HEADER = re.compile(r"under (/api/2\.0/[a-z]+/)")

Route = tuple[str, str]


def _tables(text: str) -> Iterator[list[list[str]]]:
    """Each markdown table of a document, as rows of cells (the separator row left out)."""
    table: list[list[str]] = []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if not all(re.fullmatch(r":?-+:?", cell) for cell in cells):
                table.append(cells)
        elif table:
            yield table
            table = []


def _paths(cell: str, prefix: str) -> list[str]:
    paths: list[str] = []
    for written in re.split(r",\s*", cell.replace("`", "")):
        path = written.strip()
        if not path:
            continue
        if "/" not in path and paths:
            path = paths[-1].rsplit("/", 1)[0] + "/" + path
        elif not path.startswith("/"):
            path = prefix + path
        paths.append(path)
    return paths


def documented_routes(document: Path) -> set[Route]:
    routes: set[Route] = set()
    for header, *rows in _tables(document.read_text()):
        lowered = [cell.lower() for cell in header]
        method_column = next((i for i, cell in enumerate(lowered) if cell == "method"), None)
        path_column = next((i for i, cell in enumerate(lowered) if cell.startswith("path")), None)
        for row in rows:
            if method_column is not None and path_column is not None and len(row) == len(header):
                found = _PREFIX_IN_HEADER.search(header[path_column])
                prefix = found.group(1) if found else README_PREFIX if document.name == "README.md" else "/"
                methods = re.findall(_METHOD, row[method_column])
                paths = _paths(row[path_column], prefix)
                if len(methods) == len(paths):
                    routes.update(zip(methods, paths, strict=True))
                else:
                    routes.update((method, path) for method in methods for path in paths)
                continue
            for cell in row:
                routes.update((method, path) for method, path in _FULL_ROUTE.findall(cell))
    return routes


def served_routes() -> set[Route]:
    return {(route.method, route.path) for route in http_routes(stack_template())}


def test_the_parser_reads_each_kind_of_table() -> None:
    readme = documented_routes(ROOT / "README.md")
    assert ("POST", "/api/2.0/mlflow/registered-models/set-tag") in readme
    assert ("DELETE", "/api/2.0/mlflow/registered-models/delete-tag") in readme
    assert ("GET", "/api/2.0/mlflow/registered-models/get-latest-versions") in readme
    design = documented_routes(ROOT / "docs" / "design.md")
    assert ("GET", "/api/2.0/mlflow/webhooks/{webhook_id}") in design
    assert ("POST", "/api/2.0/smr/uploads/create") in design


@pytest.mark.parametrize("document", DOCS, ids=lambda path: path.name)
def test_every_route_a_doc_table_names_is_served(document: Path) -> None:
    assert documented_routes(document) - served_routes() == set()


def test_every_served_route_is_in_a_doc_table() -> None:
    documented = set().union(*(documented_routes(document) for document in DOCS))
    served = served_routes()
    assert len(served) > 60
    assert served - documented == set()
