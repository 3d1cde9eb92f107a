"""Entities -> MLflow's JSON shapes (proto field names; empty and unset fields omitted, as MLflow's server does)."""

from __future__ import annotations

from typing import Any

from registry_core.domain.artifacts import Upload
from registry_core.domain.entities import ModelVersion, RegisteredModel
from registry_core.domain.governance import DeliveryAttempt, HistoryRecord, Webhook


def _compact(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if value is not None and value != []}


def model_version_json(version: ModelVersion) -> dict[str, Any]:
    return _compact(
        {
            "name": version.name,
            "version": str(version.version),
            "creation_timestamp": version.creation_timestamp,
            "last_updated_timestamp": version.last_updated_timestamp,
            "user_id": version.user_id,
            "current_stage": str(version.current_stage),
            "description": version.description,
            "source": version.source,
            "run_id": version.run_id,
            "status": str(version.status),
            "status_message": version.status_message,
            "tags": [{"key": key, "value": value} for key, value in version.tags.items()],
            "run_link": version.run_link,
            "aliases": list(version.aliases),
            "model_id": version.model_id,
            "model_params": [{"name": name, "value": value} for name, value in version.model_params.items()],
            # Who recorded a metric and when are smr's (promotion policies read them), not MLflow's ModelMetric.
            "model_metrics": [
                metric.model_dump(exclude_none=True, exclude={"recorded_by", "recorded_at"})
                for metric in version.model_metrics
            ],
        }
    )


def registered_model_json(model: RegisteredModel) -> dict[str, Any]:
    return _compact(
        {
            "name": model.name,
            "creation_timestamp": model.creation_timestamp,
            "last_updated_timestamp": model.last_updated_timestamp,
            "description": model.description,
            "latest_versions": [model_version_json(version) for version in model.latest_versions()],
            "tags": [{"key": key, "value": value} for key, value in model.tags.items()],
            "aliases": [{"alias": alias, "version": str(version)} for alias, version in sorted(model.aliases.items())],
        }
    )


def upload_json(upload: Upload) -> dict[str, Any]:
    """An upload record as the extension API shows it (what a user polls after writing to incoming/)."""
    return _compact(
        {
            "name": upload.name,
            "upload_id": upload.upload_id,
            "origin": str(upload.origin),
            "state": str(upload.state),
            "version": str(upload.version) if upload.version is not None else None,
            "reason": upload.reason,
            "trigger_key": upload.trigger_key,
            "created_timestamp": upload.created_timestamp,
            "last_updated_timestamp": upload.last_updated_timestamp,
        }
    )


def history_record_json(record: HistoryRecord) -> dict[str, Any]:
    return _compact(
        {
            "model_name": record.model_name,
            "timestamp": record.timestamp,
            "subject": record.subject.value,
            "version": None if record.version is None else str(record.version),
            "from_stage": record.from_stage,
            "to_stage": record.to_stage,
            "alias": record.alias,
            "from_version": None if record.from_version is None else str(record.from_version),
            "to_version": None if record.to_version is None else str(record.to_version),
            "principal": record.principal,
            "request_id": record.request_id or None,
            "comment": record.comment,
            "reason": record.reason,
        }
    )


def permissions_json(model: RegisteredModel) -> dict[str, Any]:
    """smr's permissions of a model: {name, private, permissions: {principal: READ|EDIT|MANAGE}}."""
    return {"name": model.name, "private": model.private, "permissions": dict(sorted(model.permissions.items()))}


def webhook_json(webhook: Webhook) -> dict[str, Any]:
    """MLflow's Webhook JSON. The secret is never part of it."""
    return _compact(
        {
            "webhook_id": webhook.webhook_id,
            "name": webhook.name,
            "description": webhook.description,
            "url": webhook.url,
            "events": [{"entity": e.entity.upper(), "action": e.action.upper()} for e in webhook.events],
            "status": webhook.status.value,
            "creation_timestamp": webhook.creation_timestamp,
            "last_updated_timestamp": webhook.last_updated_timestamp,
        }
    )


def delivery_json(attempt: DeliveryAttempt) -> dict[str, Any]:
    return attempt.model_dump(mode="json", exclude_none=True, exclude={"expires_at"})
