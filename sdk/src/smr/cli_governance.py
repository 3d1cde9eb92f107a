"""`smr` commands for smr's extension routes: history, time travel, policies, metrics, webhooks, permissions,
uploads. `register(cli)` adds them to the top-level group."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click

from smr.cli_output import Context, emit, pairs, pass_context

HISTORY_COLUMNS = (
    "timestamp",
    "subject",
    "version",
    "from_stage",
    "to_stage",
    "alias",
    "from_version",
    "to_version",
    "principal",
    "comment",
    "reason",
)
WEBHOOK_COLUMNS = ("webhook_id", "name", "url", "events", "status", "last_updated_timestamp")
DELIVERY_COLUMNS = ("timestamp", "event_type", "attempt", "success", "status_code", "final", "error")
UPLOAD_COLUMNS = ("upload_id", "state", "version", "origin", "reason", "last_updated_timestamp")


def _timestamp_ms(text: str) -> int:
    """Epoch milliseconds, or an ISO date/time (local time unless it carries a zone)."""
    if text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is neither epoch milliseconds nor an ISO time like 2026-11-29T14:00", param_hint="--at"
        ) from None
    return int(moment.astimezone().timestamp() * 1000)


@click.command("history")
@click.argument("name")
@click.option("--version", default=None, help="only this version's records (stage moves, aliases to or from it)")
@click.option("--newest-first", is_flag=True, help="newest records first")
@click.option("--max", "limit", type=int, default=100, show_default=True, help="how many records")
@pass_context
def history(ctx: Context, name: str, version: str | None, newest_first: bool, limit: int) -> None:
    """Stage transitions and alias moves of a model (or of one version): who, when, from, to, why.

    \b
    Examples:
      smr history churn
      smr history churn --version 3 --newest-first
    """
    order = "desc" if newest_first else "asc"
    page = (
        ctx.client.get_version_history(name, version, max_results=limit, order=order)
        if version is not None
        else ctx.client.get_model_history(name, max_results=limit, order=order)
    )
    emit(ctx, page.items, HISTORY_COLUMNS, title="history")


@click.command("state-at")
@click.argument("name")
@click.option("--at", "at", required=True, help="a time: epoch milliseconds or ISO (2026-11-29T14:00)")
@click.option("--alias", default=None, help="where this alias pointed")
@click.option("--stage", default=None, help="which versions held this stage")
@pass_context
def state_at(ctx: Context, name: str, at: str, alias: str | None, stage: str | None) -> None:
    """Where an alias pointed, or which versions held a stage, at a past time.

    \b
    Examples:
      smr state-at churn --alias champion --at 2026-11-29T14:00
      smr state-at churn --stage Production --at 1795608000000
    """
    if (alias is None) == (stage is None):
        raise click.UsageError("give exactly one of --alias and --stage")
    found = ctx.client.get_state_at(name, _timestamp_ms(at), alias=alias, stage=stage)
    emit(ctx, found.model_dump(mode="json", exclude_none=True))


@click.group("policy")
def policy() -> None:
    """Promotion policies: the rules a version must meet to enter a stage or take an alias (docs/governance.md)."""


@policy.command("show")
@click.argument("name")
@pass_context
def policy_show(ctx: Context, name: str) -> None:
    """Show a model's promotion policy.

    \b
    Example:
      smr policy show churn
    """
    rules = ctx.client.get_promotion_policy(name)
    if ctx.output == "json":
        emit(ctx, rules)
        return
    rows = [
        {"target": target, "rule": json.dumps(rule, sort_keys=True)}
        for target, target_rules in rules.rules.items()
        for rule in target_rules
    ]
    emit(ctx, rows, ("target", "rule"), title="promotion policy")


@policy.command("set")
@click.argument("name")
@click.argument("policy_file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@pass_context
def policy_set(ctx: Context, name: str, policy_file: str) -> None:
    """Replace a model's promotion policy with the JSON in POLICY_FILE (`-`: standard input).

    \b
    Example:
      echo '{"rules": {"stage:Production": [{"type": "metric", "key": "auc", "op": ">=", "value": 0.9}]}}' \\
        | smr policy set churn -
    """
    text = click.get_text_stream("stdin").read() if policy_file == "-" else Path(policy_file).read_text()
    try:
        document = json.loads(text)
    except ValueError as error:
        raise click.BadParameter(f"not JSON: {error}", param_hint="POLICY_FILE") from None
    emit(ctx, ctx.client.set_promotion_policy(name, document))


@click.command("metrics")
@click.argument("name")
@click.argument("version")
@click.argument("metrics", nargs=-1)
@click.option("--param", "params", multiple=True, help="NAME=VALUE model param (repeatable)")
@pass_context
def metrics(ctx: Context, name: str, version: str, metrics: tuple[str, ...], params: tuple[str, ...]) -> None:
    """Set a version's model metrics (NAME=NUMBER ...) and params; a metric given replaces that metric.

    \b
    Example:
      smr metrics churn 3 accuracy=0.97 auc=0.91 --param max_depth=6
    """
    try:
        values = {key: float(value) for key, value in pairs(metrics, "NAME=NUMBER").items()}
    except ValueError:
        raise click.BadParameter("metric values must be numbers", param_hint="NAME=NUMBER") from None
    updated = ctx.client.set_model_version_metrics(name, version, values, params=pairs(params, "--param"))
    emit(ctx, updated, ("name", "version", "model_metrics"))


@click.group("webhooks")
def webhooks() -> None:
    """MLflow 3 webhooks: HMAC-signed POSTs on registry events, and their delivery log."""


@webhooks.command("create")
@click.argument("name")
@click.argument("url")
@click.option("--event", "events", multiple=True, required=True, help="e.g. model_version.created (repeatable)")
@click.option("--secret", default=None, help="HMAC secret (never returned)")
@click.option("--description", default=None)
@pass_context
def webhooks_create(
    ctx: Context, name: str, url: str, events: tuple[str, ...], secret: str | None, description: str | None
) -> None:
    """Create a webhook.

    \b
    Example:
      smr webhooks create promotions https://hooks.example.com/smr --event model_version_alias.created
    """
    created = ctx.client.create_webhook(name, url, list(events), secret=secret, description=description)
    emit(ctx, created, WEBHOOK_COLUMNS)


@webhooks.command("list")
@pass_context
def webhooks_list(ctx: Context) -> None:
    """List webhooks (first page)."""
    emit(ctx, ctx.client.list_webhooks().items, WEBHOOK_COLUMNS, title="webhooks")


@webhooks.command("show")
@click.argument("webhook_id")
@pass_context
def webhooks_show(ctx: Context, webhook_id: str) -> None:
    """Show one webhook."""
    emit(ctx, ctx.client.get_webhook(webhook_id), WEBHOOK_COLUMNS)


@webhooks.command("update")
@click.argument("webhook_id")
@click.option("--name", default=None)
@click.option("--url", default=None)
@click.option("--event", "events", multiple=True, help="replaces the events (repeatable)")
@click.option("--status", type=click.Choice(["ACTIVE", "DISABLED"], case_sensitive=False), default=None)
@pass_context
def webhooks_update(
    ctx: Context, webhook_id: str, name: str | None, url: str | None, events: tuple[str, ...], status: str | None
) -> None:
    """Change a webhook's name, URL, events or status."""
    updated = ctx.client.update_webhook(
        webhook_id, name=name, url=url, events=list(events) or None, status=status.upper() if status else None
    )
    emit(ctx, updated, WEBHOOK_COLUMNS)


@webhooks.command("delete")
@click.argument("webhook_id")
@pass_context
def webhooks_delete(ctx: Context, webhook_id: str) -> None:
    """Delete a webhook."""
    ctx.client.delete_webhook(webhook_id)
    emit(ctx, {"deleted_webhook": webhook_id})


@webhooks.command("test")
@click.argument("webhook_id")
@pass_context
def webhooks_test(ctx: Context, webhook_id: str) -> None:
    """Send a test event to a webhook now and show the receiver's answer."""
    emit(ctx, ctx.client.test_webhook(webhook_id))


@webhooks.command("deliveries")
@click.argument("webhook_id")
@click.option("--max", "limit", type=int, default=20, show_default=True)
@pass_context
def webhooks_deliveries(ctx: Context, webhook_id: str, limit: int) -> None:
    """The newest delivery attempts of a webhook."""
    attempts = ctx.client.get_webhook_deliveries(webhook_id, max_results=limit)
    emit(ctx, attempts, DELIVERY_COLUMNS, title="deliveries")


@click.group("permissions")
def permissions() -> None:
    """Who may READ, EDIT or MANAGE a model, and whether it is private (docs/auth.md)."""


@permissions.command("show")
@click.argument("name")
@pass_context
def permissions_show(ctx: Context, name: str) -> None:
    """Show a model's permissions."""
    emit(ctx, ctx.client.get_permissions(name).model_dump(mode="json"))


@permissions.command("grant")
@click.argument("name")
@click.argument("principal")
@click.argument("level", type=click.Choice(["READ", "EDIT", "MANAGE"], case_sensitive=False))
@pass_context
def permissions_grant(ctx: Context, name: str, principal: str, level: str) -> None:
    """Grant PRINCIPAL (an IAM ARN) a level on a model.

    \b
    Example:
      smr permissions grant churn arn:aws:iam::123456789012:user/bob READ
    """
    emit(ctx, ctx.client.set_permission(name, principal, level).model_dump(mode="json"))


@permissions.command("revoke")
@click.argument("name")
@click.argument("principal")
@pass_context
def permissions_revoke(ctx: Context, name: str, principal: str) -> None:
    """Take back PRINCIPAL's permission on a model."""
    emit(ctx, ctx.client.delete_permission(name, principal).model_dump(mode="json"))


@permissions.command("private")
@click.argument("name")
@click.argument("private", type=click.Choice(["on", "off"]))
@pass_context
def permissions_private(ctx: Context, name: str, private: str) -> None:
    """Make a model private (only principals with a permission see it) or not."""
    emit(ctx, ctx.client.set_private(name, private == "on").model_dump(mode="json"))


@click.group("uploads")
def uploads() -> None:
    """Upload records: presigned uploads and folders written under incoming/ (docs/artifacts.md)."""


@uploads.command("list")
@click.argument("name")
@pass_context
def uploads_list(ctx: Context, name: str) -> None:
    """A model's uploads, newest first."""
    emit(ctx, ctx.client.list_uploads(name), UPLOAD_COLUMNS, title="uploads")


@uploads.command("show")
@click.argument("name")
@click.argument("upload_id")
@pass_context
def uploads_show(ctx: Context, name: str, upload_id: str) -> None:
    """One upload: its state and the version it became (or why it failed)."""
    emit(ctx, ctx.client.get_upload(name, upload_id), UPLOAD_COLUMNS)


def register(cli: click.Group) -> None:
    for command in (history, state_at, policy, metrics, webhooks, permissions, uploads):
        cli.add_command(command)
