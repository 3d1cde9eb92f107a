"""smr's extension routes (/api/2.0/smr/...) and MLflow 3's webhook API, as SmrClient methods (a mixin)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from smr.models import (
    HistoryRecord,
    ModelVersion,
    Page,
    PromotionPolicy,
    StateAt,
    Upload,
    Webhook,
    WebhookDelivery,
)

MLFLOW = "/api/2.0/mlflow"
SMR = "/api/2.0/smr"
DEFAULT_HISTORY_PAGE = 100


class ExtensionRoutes:
    """History, time travel, promotion (policy and the atomic route), metrics, webhooks and uploads."""

    def _get(self, path: str, **params: Any) -> Any:
        raise NotImplementedError

    def _send(self, method: str, path: str, body: dict[str, Any], *, idempotent: bool = True) -> Any:
        raise NotImplementedError

    # -- history and time travel -----------------------------------------------------------------------------

    def get_model_history(
        self,
        name: str,
        *,
        max_results: int = DEFAULT_HISTORY_PAGE,
        page_token: str | None = None,
        order: str = "asc",
    ) -> Page[HistoryRecord]:
        """One page of a model's stage and alias history (`order`: "asc" oldest first, or "desc")."""
        answer = self._get(
            f"{SMR}/registered-models/history", name=name, max_results=max_results, page_token=page_token, order=order
        )
        return _history_page(answer)

    def get_version_history(
        self,
        name: str,
        version: int | str,
        *,
        max_results: int = DEFAULT_HISTORY_PAGE,
        page_token: str | None = None,
        order: str = "asc",
    ) -> Page[HistoryRecord]:
        """One page of a version's stage records and the alias moves to or away from it."""
        answer = self._get(
            f"{SMR}/model-versions/history",
            name=name,
            version=str(version),
            max_results=max_results,
            page_token=page_token,
            order=order,
        )
        return _history_page(answer)

    def get_state_at(
        self, name: str, timestamp_ms: int, *, alias: str | None = None, stage: str | None = None
    ) -> StateAt:
        """Where `alias` pointed, or which versions held `stage`, at `timestamp_ms` (give exactly one of them)."""
        answer = self._get(
            f"{SMR}/registered-models/state-at", name=name, timestamp=int(timestamp_ms), alias=alias, stage=stage
        )
        return StateAt.model_validate(answer)

    # -- promotion ----------------------------------------------------------------------------------------------

    def get_promotion_policy(self, name: str) -> PromotionPolicy:
        answer = self._get(f"{SMR}/registered-models/promotion-policy", name=name)
        return PromotionPolicy.model_validate(answer.get("policy") or {})

    def set_promotion_policy(self, name: str, policy: PromotionPolicy | Mapping[str, Any]) -> PromotionPolicy:
        """Replace the model's rules (`{"rules": {"stage:Production": [...]}}`); an empty policy removes them."""
        body = policy.model_dump(mode="json") if isinstance(policy, PromotionPolicy) else dict(policy)
        answer = self._send("POST", f"{SMR}/registered-models/promotion-policy", {"name": name, "policy": body})
        return PromotionPolicy.model_validate(answer.get("policy") or {})

    def promote(
        self,
        name: str,
        version: int | str,
        *,
        stage: str | None = None,
        aliases: list[str] | None = None,
        archive_existing_versions: bool = False,
        comment: str | None = None,
    ) -> ModelVersion:
        """Move a version to `stage` and point `aliases` at it in one transaction: all of it or nothing.

        The model's promotion policy is checked for every target before anything changes; a refusal raises
        InvalidParameterValue listing every broken rule.
        """
        answer = self._send(
            "POST",
            f"{SMR}/model-versions/promote",
            {
                "name": name,
                "version": str(version),
                "stage": stage,
                "aliases": list(aliases or []),
                "archive_existing_versions": archive_existing_versions,
                "comment": comment,
            },
        )
        return ModelVersion.model_validate(answer["model_version"])

    def set_model_version_metrics(
        self,
        name: str,
        version: int | str,
        metrics: Mapping[str, float] | None = None,
        *,
        params: Mapping[str, str] | None = None,
    ) -> ModelVersion:
        """Set a version's `model_metrics` (a key given replaces that key's entries) and upsert its params."""
        answer = self._send(
            "POST",
            f"{SMR}/model-versions/metrics",
            {
                "name": name,
                "version": str(version),
                "model_metrics": [{"key": key, "value": float(value)} for key, value in (metrics or {}).items()],
                "model_params": [{"name": key, "value": str(value)} for key, value in (params or {}).items()],
            },
        )
        return ModelVersion.model_validate(answer["model_version"])

    # -- webhooks (MLflow 3's API) and their delivery log ---------------------------------------------------------

    def create_webhook(
        self,
        name: str,
        url: str,
        events: list[str],
        *,
        description: str | None = None,
        secret: str | None = None,
        status: str | None = None,
    ) -> Webhook:
        """Subscribe `url` to `events` (MLflow's names, e.g. "model_version.created")."""
        answer = self._send(
            "POST",
            f"{MLFLOW}/webhooks",
            {
                "name": name,
                "url": url,
                "events": [_event(event) for event in events],
                "description": description,
                "secret": secret,
                "status": status,
            },
            idempotent=False,
        )
        return Webhook.model_validate(answer["webhook"])

    def list_webhooks(self, *, max_results: int = 100, page_token: str | None = None) -> Page[Webhook]:
        answer = self._get(f"{MLFLOW}/webhooks", max_results=max_results, page_token=page_token)
        return Page[Webhook](
            items=[Webhook.model_validate(w) for w in answer.get("webhooks", [])],
            next_page_token=answer.get("next_page_token") or None,
        )

    def get_webhook(self, webhook_id: str) -> Webhook:
        return Webhook.model_validate(self._get(f"{MLFLOW}/webhooks/{webhook_id}")["webhook"])

    def update_webhook(
        self,
        webhook_id: str,
        *,
        name: str | None = None,
        url: str | None = None,
        events: list[str] | None = None,
        description: str | None = None,
        secret: str | None = None,
        status: str | None = None,
    ) -> Webhook:
        answer = self._send(
            "PATCH",
            f"{MLFLOW}/webhooks/{webhook_id}",
            {
                "name": name,
                "url": url,
                "events": [_event(event) for event in events] if events else None,
                "description": description,
                "secret": secret,
                "status": status,
            },
        )
        return Webhook.model_validate(answer["webhook"])

    def delete_webhook(self, webhook_id: str) -> None:
        self._send("DELETE", f"{MLFLOW}/webhooks/{webhook_id}", {})

    def test_webhook(self, webhook_id: str) -> dict[str, Any]:
        """Send a test event to the webhook now; the receiver's answer (MLflow's WebhookTestResult)."""
        result: dict[str, Any] = self._send("POST", f"{MLFLOW}/webhooks/{webhook_id}/test", {}, idempotent=False)
        return dict(result.get("result", result))

    def get_webhook_deliveries(self, webhook_id: str, *, max_results: int = 100) -> list[WebhookDelivery]:
        """The newest delivery attempts of a webhook (status, error, whether it was the last try)."""
        answer = self._get(f"{SMR}/webhooks/deliveries", webhook_id=webhook_id, max_results=max_results)
        return [WebhookDelivery.model_validate(d) for d in answer.get("deliveries", [])]

    # -- uploads ----------------------------------------------------------------------------------------------

    def get_upload(self, name: str, upload_id: str) -> Upload:
        """An upload's record: its state, and the version it became (or why it failed)."""
        return Upload.model_validate(self._get(f"{SMR}/uploads/get", name=name, upload_id=upload_id)["upload"])

    def list_uploads(self, name: str, *, max_results: int = 100) -> list[Upload]:
        """A model's uploads, newest first."""
        answer = self._get(f"{SMR}/uploads/list", name=name, max_results=max_results)
        return [Upload.model_validate(u) for u in answer.get("uploads", [])]


def _history_page(answer: dict[str, Any]) -> Page[HistoryRecord]:
    return Page[HistoryRecord](
        items=[HistoryRecord.model_validate(r) for r in answer.get("records", [])],
        next_page_token=answer.get("next_page_token") or None,
    )


def _event(name: str) -> dict[str, str]:
    """ "model_version.created" -> MLflow's JSON spelling {"entity": "model_version", "action": "created"}."""
    entity, _, action = name.rpartition(".")
    return {"entity": entity, "action": action}
