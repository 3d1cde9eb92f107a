"""`smr`: the registry from a shell.

Exit codes (stable, for scripts): 0 ok, 1 usage error, 2 not found, 3 conflict (already exists), 4 permission
denied (unsigned, unknown key, or no right on the model), 5 any other error. Errors go to stderr as
`error: <ERROR_CODE>: <message>`; results go to stdout as a table, or as JSON with --output json.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from typing import NoReturn

import click
from pydantic import BaseModel

from smr import cli_governance
from smr.cli_output import (
    MODEL_COLUMNS,
    VERSION_COLUMNS,
    Context,
    emit,
    pass_context,
    print_table,
)
from smr.cli_output import pairs as _pairs
from smr.errors import (
    InvalidParameterValue,
    PermissionDenied,
    ResourceAlreadyExists,
    ResourceDoesNotExist,
    SmrError,
)
from smr.models import RegisteredModel

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
  smr versions promote churn 3 --stage Production --alias champion --if-metric accuracy --threshold 0.95
  smr versions download churn @champion ./serving-model
  smr history churn --version 3
  smr search --filter "name LIKE 'churn%'" --output json | jq '.[].name'

\b
Global options (anywhere on the line): --endpoint URL, --region REGION, --output/-o table|json.
Tables show times in your local time zone; -o json prints the data as the API returns it.
Exit codes: 0 ok, 1 usage, 2 not found, 3 conflict, 4 permission denied, 5 other error, 6 not promoted.
"""


def _exit_code(error: SmrError) -> int:
    if isinstance(error, ResourceDoesNotExist):
        return EXIT_NOT_FOUND
    if isinstance(error, ResourceAlreadyExists):
        return EXIT_CONFLICT
    if isinstance(error, PermissionDenied):
        return EXIT_PERMISSION
    return EXIT_OTHER


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
    emit(ctx, found, MODEL_COLUMNS)


@models.command("show")
@click.argument("name")
@pass_context
def models_show(ctx: Context, name: str) -> None:
    """Show one model with its versions, their stages and aliases.

    \b
    Example:
      smr models show churn
    """
    model = ctx.client.get_registered_model(name)
    escaped = name.replace("'", "\\'")
    found = list(ctx.client.iter_model_versions(f"name = '{escaped}'", order_by=["version_number DESC"]))
    if ctx.output == "json":
        emit(ctx, {**model.model_dump(mode="json"), "versions": [v.model_dump(mode="json") for v in found]})
        return
    print_table(model, MODEL_COLUMNS, title=f"model {name}")
    print_table(found, VERSION_COLUMNS, title="versions")


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
    emit(
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
    emit(ctx, ctx.client.rename_registered_model(name, new_name), MODEL_COLUMNS)


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
    emit(ctx, {"deleted": name})


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
    emit(ctx, ctx.client.get_registered_model(name), MODEL_COLUMNS)


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
    emit(
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
    emit(ctx, ctx.client.resolve_version(name, reference), VERSION_COLUMNS)


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
    emit(ctx, version, VERSION_COLUMNS)


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
    emit(ctx, version, VERSION_COLUMNS)


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
    version = ctx.client.resolve_version(name, reference)
    path = ctx.client.download(name, version.version, dest)
    emit(ctx, {"name": name, "reference": reference, "version": version.version, "path": str(path)})


@versions.command("promote")
@click.argument("name")
@click.argument("version")
@click.option("--stage", default=None, help="Staging, Production, Archived or None")
@click.option("--alias", "aliases", multiple=True, help="alias to point at the version (repeatable)")
@click.option("--comment", default=None, help="kept in the history records")
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
    aliases: tuple[str, ...],
    comment: str | None,
    metric: str | None,
    threshold: float | None,
    lower_is_better: bool,
    keep_existing: bool,
) -> None:
    """Move a version to a stage and/or aliases, all in one transaction, optionally only if a metric clears a
    threshold. The model's promotion policy is checked for every target first: if it refuses, nothing changes.

    \b
    Examples:
      smr versions promote churn 3 --stage Production --alias champion
      smr versions promote churn 3 --stage Production --if-metric accuracy --threshold 0.95

    With --if-metric, exit code 0 when promoted and 6 when the rule does not hold (nothing changed).
    """
    if stage is None and not aliases:
        raise click.UsageError("give --stage and/or --alias")
    if (metric is None) != (threshold is None):
        raise click.UsageError("--if-metric and --threshold go together")
    archive = not keep_existing and stage is not None and stage.lower() in ("staging", "production")
    if metric is not None and threshold is not None:
        if len(aliases) > 1:
            raise click.UsageError("--if-metric promotes to one --alias at most")
        promoted = ctx.client.promote_if(
            name,
            version,
            metric=metric,
            threshold=threshold,
            stage=stage,
            alias=aliases[0] if aliases else None,
            higher_is_better=not lower_is_better,
            archive_existing_versions=archive,
        )
        current = ctx.client.get_model_version(name, version)
        emit(
            ctx,
            {
                "promoted": promoted,
                "version": current.version,
                "current_stage": current.current_stage,
                "aliases": current.aliases,
                "metric": metric,
                "value": current.metric(metric),
                "threshold": threshold,
            },
        )
        if not promoted:
            sys.exit(EXIT_NOT_PROMOTED)
        return
    result = ctx.client.promote(
        name, version, stage=stage, aliases=list(aliases), archive_existing_versions=archive, comment=comment
    )
    emit(ctx, result, VERSION_COLUMNS)


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
        emit(ctx, {"deleted_alias": alias, "name": name})
    else:
        assert version is not None
        ctx.client.set_registered_model_alias(name, alias, version)
        emit(ctx, ctx.client.get_model_version_by_alias(name, alias), VERSION_COLUMNS)


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
    emit(ctx, {"deleted": name, "version": version})


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
    emit(ctx, found, VERSION_COLUMNS if search_versions else MODEL_COLUMNS)


cli_governance.register(cli)


def _fail(code: int, message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


# Options of the top-level group that users put anywhere on the line (`smr search ... -o json`).
GLOBAL_OPTIONS = frozenset({"--output", "-o", "--endpoint", "--region"})


def hoist_global_options(argv: Sequence[str]) -> list[str]:
    """Move the global options (and their values) to the front, where click expects them; `--` ends the scan."""
    front: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(argv):
        token = argv[index]
        if token == "--":
            rest.extend(argv[index:])
            break
        name = token.split("=", 1)[0]
        if name in GLOBAL_OPTIONS and "=" in token:
            front.append(token)
        elif name in GLOBAL_OPTIONS and index + 1 < len(argv):
            front.extend(argv[index : index + 2])
            index += 1
        elif token.startswith("-o") and len(token) > 2 and not token.startswith("--"):
            front.append(token)  # -ojson
        else:
            rest.append(token)
        index += 1
    return front + rest


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: runs the CLI and turns every failure into a documented exit code."""
    args = hoist_global_options(list(argv) if argv is not None else sys.argv[1:])
    try:
        result = cli.main(args=args, prog_name="smr", standalone_mode=False)
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
