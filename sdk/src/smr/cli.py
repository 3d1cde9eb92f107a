"""`smr`: the registry from a shell.

Exit codes (stable, for scripts): 0 ok, 1 usage error, 2 not found, 3 conflict (already exists), 4 permission
denied (unsigned, unknown key, or no right on the model), 5 any other error. Errors go to stderr as
`error: <ERROR_CODE>: <message>`; results go to stdout as a table, or as JSON with --output json.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any, NoReturn

import click
from pydantic import BaseModel

from smr.client import SmrClient
from smr.errors import (
    InvalidParameterValue,
    PermissionDenied,
    ResourceAlreadyExists,
    ResourceDoesNotExist,
    SmrError,
)
from smr.models import ModelVersion, RegisteredModel

EXIT_OK = 0
EXIT_USAGE = 1
EXIT_NOT_FOUND = 2
EXIT_CONFLICT = 3
EXIT_PERMISSION = 4
EXIT_OTHER = 5

MAIN_HELP = """smr: the serverless MLflow model registry from a shell.

\b
The endpoint comes from --endpoint or SMR_ENDPOINT; requests are SigV4-signed with your AWS credentials
(environment, profile, SSO or role, as the AWS CLI finds them).

\b
Examples:
  smr models create churn --description "churn classifier" --tag team=growth
  smr versions upload churn ./model --tag metric.accuracy=0.97 --alias candidate
  smr versions promote churn 3 --stage Production --if-metric accuracy --threshold 0.95
  smr versions download churn @champion ./serving-model
  smr search --filter "name LIKE 'churn%'" --output json | jq '.[].name'

\b
Exit codes: 0 ok, 1 usage, 2 not found, 3 conflict, 4 permission denied, 5 other error.
"""


def _exit_code(error: SmrError) -> int:
    if isinstance(error, ResourceDoesNotExist):
        return EXIT_NOT_FOUND
    if isinstance(error, ResourceAlreadyExists):
        return EXIT_CONFLICT
    if isinstance(error, PermissionDenied):
        return EXIT_PERMISSION
    return EXIT_OTHER


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


def _pairs(values: Iterable[str], what: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values:
        key, sep, item = value.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{value!r} is not KEY=VALUE", param_hint=what)
        pairs[key] = item
    return pairs


def _dump(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_dump(item) for item in value]
    return value


def _emit(ctx: Context, value: Any, columns: Sequence[str] = (), title: str | None = None) -> None:
    if ctx.output == "json":
        click.echo(json.dumps(_dump(value), indent=2, sort_keys=True))
        return
    rows = value if isinstance(value, list) else [value]
    if not rows or not isinstance(rows[0], BaseModel):
        click.echo(json.dumps(_dump(value), indent=2) if not isinstance(value, str) else value)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(_cell(getattr(row, column, "")) for column in columns))
    Console(width=200).print(table)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(
            str(item) if not isinstance(item, BaseModel) else str(getattr(item, "version", item)) for item in value
        )
    return str(value)


MODEL_COLUMNS = ("name", "description", "aliases", "tags", "last_updated_timestamp")
VERSION_COLUMNS = ("name", "version", "current_stage", "status", "aliases", "tags", "source")


@click.group(help=MAIN_HELP, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 120})
@click.option("--endpoint", envvar="SMR_ENDPOINT", help="registry URL (default: $SMR_ENDPOINT)")
@click.option("--region", envvar="SMR_REGION", default=None, help="AWS region to sign for (default: from the URL)")
@click.option(
    "--output", "-o", type=click.Choice(["table", "json"]), default="table", show_default=True, help="output format"
)
@click.version_option(package_name="smr-sdk", prog_name="smr")
@click.pass_context
def cli(click_ctx: click.Context, endpoint: str | None, region: str | None, output: str) -> None:
    click_ctx.obj = Context(endpoint, output, region)


# -- models -----------------------------------------------------------------------------------------------------


@cli.group()
def models() -> None:
    """Registered models.

    \b
    Examples:
      smr models list
      smr models show churn -o json
    """
    pass


@models.command("list")
@click.option("--filter", "filter_", help="MLflow filter, e.g. \"name LIKE 'churn%'\"")
@click.option("--order-by", multiple=True, help="e.g. 'name ASC' (repeatable)")
@click.option("--max", "limit", type=int, default=None, help="stop after this many")
@pass_context
def models_list(ctx: Context, filter_: str | None, order_by: tuple[str, ...], limit: int | None) -> None:
    """List registered models (all pages).

    \b
    Example:
      smr models list --filter "name LIKE 'churn%'"
    """
    found: list[RegisteredModel] = []
    for model in ctx.client.iter_registered_models(filter_, order_by=list(order_by) or None):
        found.append(model)
        if limit is not None and len(found) >= limit:
            break
    _emit(ctx, found, MODEL_COLUMNS)


@models.command("show")
@click.argument("name")
@pass_context
def models_show(ctx: Context, name: str) -> None:
    """Show one model.

    \b
    Example:
      smr models show churn
    """
    _emit(ctx, ctx.client.get_registered_model(name), MODEL_COLUMNS)


@models.command("create")
@click.argument("name")
@click.option("--description", default=None)
@click.option("--tag", "tags", multiple=True, help="KEY=VALUE (repeatable)")
@pass_context
def models_create(ctx: Context, name: str, description: str | None, tags: tuple[str, ...]) -> None:
    """Create a model.

    \b
    Example:
      smr models create churn --tag team=growth
    """
    _emit(
        ctx,
        ctx.client.create_registered_model(name, tags=_pairs(tags, "--tag"), description=description),
        MODEL_COLUMNS,
    )


@models.command("rename")
@click.argument("name")
@click.argument("new_name")
@pass_context
def models_rename(ctx: Context, name: str, new_name: str) -> None:
    """Rename a model.

    \b
    Example:
      smr models rename churn churn-v2
    """
    _emit(ctx, ctx.client.rename_registered_model(name, new_name), MODEL_COLUMNS)


@models.command("delete")
@click.argument("name")
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
@pass_context
def models_delete(ctx: Context, name: str, yes: bool) -> None:
    """Delete a model and all its versions.

    \b
    Example:
      smr models delete churn --yes
    """
    if not yes and not click.confirm(f"Delete model {name} and all its versions?"):
        raise click.UsageError("not confirmed (pass --yes)")
    ctx.client.delete_registered_model(name)
    _emit(ctx, {"deleted": name})


@models.command("tag")
@click.argument("name")
@click.argument("pairs", nargs=-1)
@click.option("--delete", "deletes", multiple=True, help="tag key to delete (repeatable)")
@pass_context
def models_tag(ctx: Context, name: str, pairs: tuple[str, ...], deletes: tuple[str, ...]) -> None:
    """Set (KEY=VALUE) or delete (--delete KEY) model tags.

    \b
    Example:
      smr models tag churn team=growth --delete old
    """
    if not pairs and not deletes:
        raise click.UsageError("give KEY=VALUE pairs to set or --delete KEY")
    for key, value in _pairs(pairs, "KEY=VALUE").items():
        ctx.client.set_registered_model_tag(name, key, value)
    for key in deletes:
        ctx.client.delete_registered_model_tag(name, key)
    _emit(ctx, ctx.client.get_registered_model(name), MODEL_COLUMNS)


# -- versions ---------------------------------------------------------------------------------------------------


@cli.group(
    help="Model versions. A version is named by number (3), alias (@champion or champion) or stage (Production)."
)
def versions() -> None:
    pass


@versions.command("list")
@click.argument("name")
@pass_context
def versions_list(ctx: Context, name: str) -> None:
    """List the versions of a model.

    \b
    Example:
      smr versions list churn
    """
    escaped = name.replace("'", "\\'")
    _emit(
        ctx,
        list(ctx.client.iter_model_versions(f"name = '{escaped}'", order_by=["version_number DESC"])),
        VERSION_COLUMNS,
    )


@versions.command("show")
@click.argument("name")
@click.argument("reference")
@pass_context
def versions_show(ctx: Context, name: str, reference: str) -> None:
    """Show one version.

    \b
    Examples:
      smr versions show churn 3
      smr versions show churn @champion
    """
    _emit(ctx, ctx.client.resolve_version(name, reference), VERSION_COLUMNS)


@versions.command("create")
@click.argument("name")
@click.argument("source")
@click.option("--run-id", default=None)
@click.option("--description", default=None)
@click.option("--tag", "tags", multiple=True, help="KEY=VALUE (repeatable)")
@pass_context
def versions_create(
    ctx: Context, name: str, source: str, run_id: str | None, description: str | None, tags: tuple[str, ...]
) -> None:
    """Register artifacts already at SOURCE.

    \b
    Example:
      smr versions create churn s3://bucket/churn/model
    """
    version = ctx.client.create_model_version(
        name, source, run_id=run_id, description=description, tags=_pairs(tags, "--tag")
    )
    _emit(ctx, version, VERSION_COLUMNS)


@versions.command("upload")
@click.argument("name")
@click.argument("path", type=click.Path(exists=True))
@click.option("--description", default=None)
@click.option("--tag", "tags", multiple=True, help="KEY=VALUE (repeatable)")
@click.option("--metric", "metrics", multiple=True, help="NAME=NUMBER model metric (repeatable)")
@click.option("--alias", "aliases", multiple=True, help="alias to point at the new version (repeatable)")
@click.option("--stage", default=None, help="stage to put the new version in")
@click.option("--run-id", default=None)
@click.option("--no-wait", is_flag=True, help="return once uploaded, without waiting for READY")
@pass_context
def versions_upload(
    ctx: Context,
    name: str,
    path: str,
    description: str | None,
    tags: tuple[str, ...],
    metrics: tuple[str, ...],
    aliases: tuple[str, ...],
    stage: str | None,
    run_id: str | None,
    no_wait: bool,
) -> None:
    """Upload a folder as a new version; waits until READY.

    \b
    Example:
      smr versions upload churn ./model --metric accuracy=0.97 --alias candidate
    """
    try:
        model_metrics = {key: float(value) for key, value in _pairs(metrics, "--metric").items()}
    except ValueError:
        raise click.BadParameter("metric values must be numbers", param_hint="--metric") from None
    version = ctx.client.upload_version(
        name,
        path,
        description=description,
        tags=_pairs(tags, "--tag"),
        model_metrics=model_metrics or None,
        aliases=list(aliases) or None,
        stage=stage,
        run_id=run_id,
        wait=not no_wait,
    )
    _emit(ctx, version, VERSION_COLUMNS)


@versions.command("download")
@click.argument("name")
@click.argument("reference")
@click.argument("dest", type=click.Path())
@pass_context
def versions_download(ctx: Context, name: str, reference: str, dest: str) -> None:
    """Download a version's files, checking their SHA-256.

    \b
    Example:
      smr versions download churn @champion ./model
    """
    path = ctx.client.download(name, reference, dest)
    _emit(ctx, {"name": name, "reference": reference, "path": str(path)})


@versions.command("promote")
@click.argument("name")
@click.argument("version")
@click.option("--stage", default=None, help="Staging, Production, Archived or None")
@click.option("--alias", default=None, help="alias to point at the version")
@click.option("--if-metric", "metric", default=None, help="promote only if this metric clears --threshold")
@click.option("--threshold", type=float, default=None)
@click.option("--lower-is-better", is_flag=True, help="the metric must be <= threshold")
@click.option(
    "--keep-existing",
    is_flag=True,
    help="do not archive the stage's current holder (smr archives it anyway for Staging/Production)",
)
@pass_context
def versions_promote(
    ctx: Context,
    name: str,
    version: str,
    stage: str | None,
    alias: str | None,
    metric: str | None,
    threshold: float | None,
    lower_is_better: bool,
    keep_existing: bool,
) -> None:
    """Move a version to a stage (and/or alias), optionally only if a metric clears a threshold.

    \b
    Examples:
      smr versions promote churn 3 --stage Production
      smr versions promote churn 3 --stage Production --if-metric accuracy --threshold 0.95

    With --if-metric, exit code 0 when promoted and 6 when the rule does not hold (nothing changed).
    """
    if stage is None and alias is None:
        raise click.UsageError("give --stage and/or --alias")
    if (metric is None) != (threshold is None):
        raise click.UsageError("--if-metric and --threshold go together")
    if metric is not None and threshold is not None:
        promoted = ctx.client.promote_if(
            name,
            version,
            metric=metric,
            threshold=threshold,
            stage=stage,
            alias=alias,
            higher_is_better=not lower_is_better,
            archive_existing_versions=not keep_existing,
        )
        current = ctx.client.get_model_version(name, version)
        _emit(ctx, {"promoted": promoted, "metric": metric, "value": current.metric(metric), "threshold": threshold})
        if not promoted:
            sys.exit(EXIT_NOT_PROMOTED)
        return
    result: ModelVersion | None = None
    if stage is not None:
        result = ctx.client.transition_model_version_stage(
            name,
            version,
            stage,
            archive_existing_versions=not keep_existing and stage.lower() in ("staging", "production"),
        )
    if alias is not None:
        ctx.client.set_registered_model_alias(name, alias, version)
        result = ctx.client.get_model_version(name, version)
    _emit(ctx, result, VERSION_COLUMNS)


EXIT_NOT_PROMOTED = 6


@versions.command("alias")
@click.argument("name")
@click.argument("alias")
@click.argument("version", required=False)
@click.option("--delete", is_flag=True, help="delete the alias")
@pass_context
def versions_alias(ctx: Context, name: str, alias: str, version: str | None, delete: bool) -> None:
    """Point an alias at a version, or delete it.

    \b
    Examples:
      smr versions alias churn champion 3
      smr versions alias churn champion --delete
    """
    if delete == (version is not None):
        raise click.UsageError("give a VERSION to point the alias at, or --delete")
    if delete:
        ctx.client.delete_registered_model_alias(name, alias)
        _emit(ctx, {"deleted_alias": alias, "name": name})
    else:
        assert version is not None
        ctx.client.set_registered_model_alias(name, alias, version)
        _emit(ctx, ctx.client.get_model_version_by_alias(name, alias), VERSION_COLUMNS)


@versions.command("delete")
@click.argument("name")
@click.argument("version")
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
@pass_context
def versions_delete(ctx: Context, name: str, version: str, yes: bool) -> None:
    """Delete a version.

    \b
    Example:
      smr versions delete churn 2 --yes
    """
    if not yes and not click.confirm(f"Delete version {version} of {name}?"):
        raise click.UsageError("not confirmed (pass --yes)")
    ctx.client.delete_model_version(name, version)
    _emit(ctx, {"deleted": name, "version": version})


# -- search -----------------------------------------------------------------------------------------------------


@cli.command("search")
@click.option("--filter", "filter_", default=None)
@click.option("--versions", "search_versions", is_flag=True, help="search model versions instead of models")
@click.option("--order-by", multiple=True)
@click.option("--max", "limit", type=int, default=None, help="stop after this many")
@pass_context
def search(
    ctx: Context, filter_: str | None, search_versions: bool, order_by: tuple[str, ...], limit: int | None
) -> None:
    """Search models (or, with --versions, model versions) with an MLflow filter.

    \b
    Examples:
      smr search --filter "name LIKE 'churn%'"
      smr search --versions --filter "tags.team = 'growth'" -o json
    """
    iterator: Iterable[BaseModel] = (
        ctx.client.iter_model_versions(filter_, order_by=list(order_by) or None)
        if search_versions
        else ctx.client.iter_registered_models(filter_, order_by=list(order_by) or None)
    )
    found: list[BaseModel] = []
    for item in iterator:
        found.append(item)
        if limit is not None and len(found) >= limit:
            break
    _emit(ctx, found, VERSION_COLUMNS if search_versions else MODEL_COLUMNS)


def _fail(code: int, message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: runs the CLI and turns every failure into a documented exit code."""
    try:
        result = cli.main(args=list(argv) if argv is not None else None, prog_name="smr", standalone_mode=False)
    except click.exceptions.Exit as done:
        return int(done.exit_code)
    except click.UsageError as error:
        hint = f"\n{error.ctx.get_usage()}" if error.ctx is not None else ""
        _fail(EXIT_USAGE, f"{error.format_message()}{hint}")
    except click.Abort:
        _fail(EXIT_USAGE, "aborted")
    except InvalidParameterValue as error:
        _fail(EXIT_OTHER, str(error))
    except SmrError as error:
        _fail(_exit_code(error), str(error))
    return int(result) if isinstance(result, int) else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
