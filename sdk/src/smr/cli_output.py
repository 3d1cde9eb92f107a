"""What the `smr` commands share: the context (client, output format), KEY=VALUE parsing and the output.

Table mode (the default) prints tables, with timestamps in local time; JSON (`-o json`) prints exactly the data.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import click
from pydantic import BaseModel

from smr.client import SmrClient

MODEL_COLUMNS = ("name", "description", "aliases", "tags", "last_updated_timestamp")
VERSION_COLUMNS = ("name", "version", "current_stage", "status", "aliases", "tags", "model_metrics", "source")
TABLE_WIDTH = 200


class Context:
    def __init__(self, endpoint: str | None, output: str, region: str | None) -> None:
        self._endpoint = endpoint
        self.output = output
        self._region = region
        self._client: SmrClient | None = None

    @property
    def client(self) -> SmrClient:
        if self._client is None:
            self._client = SmrClient(self._endpoint, region=self._region)
        return self._client


pass_context = click.make_pass_decorator(Context)


def pairs(values: Iterable[str], what: str) -> dict[str, str]:
    """KEY=VALUE options -> a dict (a usage error names the option)."""
    found: dict[str, str] = {}
    for value in values:
        key, sep, item = value.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{value!r} is not KEY=VALUE", param_hint=what)
        found[key] = item
    return found


def dump(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [dump(item) for item in value]
    if isinstance(value, dict):
        return {key: dump(item) for key, item in value.items()}
    return value


def local_time(milliseconds: int) -> str:
    """Epoch milliseconds as the local date and time, to the second, with the zone."""
    return datetime.fromtimestamp(milliseconds / 1000).astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")


def cell(value: Any, column: str = "") -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) and column.endswith("timestamp"):
        return local_time(value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(
            str(item) if not isinstance(item, BaseModel) else str(getattr(item, "version", item)) for item in value
        )
    return str(value)


def emit(ctx: Context, value: Any, columns: Sequence[str] = (), title: str | None = None) -> None:
    """Print `value`: JSON with -o json; else a table (models by `columns`, a dict as field/value rows)."""
    if ctx.output == "json":
        click.echo(json.dumps(dump(value), indent=2, sort_keys=True))
        return
    print_table(value, columns, title)


def print_table(value: Any, columns: Sequence[str] = (), title: str | None = None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=TABLE_WIDTH)
    if isinstance(value, str):
        click.echo(value)
        return
    if isinstance(value, dict):
        table = Table(title=title, show_header=False)
        table.add_column("field", style="bold")
        table.add_column("value")
        for key, item in value.items():
            table.add_row(str(key), cell(item, str(key)))
        console.print(table)
        return
    rows = value if isinstance(value, list) else [value]
    if not columns:
        seen: dict[str, None] = {}
        for row in rows:
            seen.update(dict.fromkeys(dump(row) if isinstance(row, BaseModel | dict) else {}))
        columns = tuple(seen)
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        data = row if isinstance(row, dict) else {column: getattr(row, column, None) for column in columns}
        table.add_row(*(cell(data.get(column), column) for column in columns))
    if not rows:
        click.echo(f"(no {title.lower() if title else 'results'})")
        return
    console.print(table)
