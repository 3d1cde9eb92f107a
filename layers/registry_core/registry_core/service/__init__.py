"""The registry's rules, over an abstract store."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from registry_core.domain.entities import Caller
    from registry_core.service.artifacts import ArtifactService
    from registry_core.service.events import EventPublisher
    from registry_core.service.history import HistoryService
    from registry_core.service.registry import RegistryService
    from registry_core.service.search import SearchService
    from registry_core.service.tracking import TrackingService
    from registry_core.service.webhooks import WebhookService
    from registry_core.store.base import RegistryStore
    from registry_core.store.messaging import WebhookQueue
    from registry_core.store.objects import ArtifactObjects
    from registry_core.store.tracking_base import TrackingStore


@lru_cache(maxsize=1)
def default_store() -> RegistryStore:
    """The DynamoDB store named by the configuration; created once per Lambda container."""
    from registry_core.config import settings
    from registry_core.store.dynamodb import DynamoDbRegistryStore

    return DynamoDbRegistryStore(settings().table_name, read_timeout_s=settings().dynamodb_read_timeout_s)


def registry_service(caller: Caller) -> RegistryService:
    """The registry, acting for `caller` (whose identity the rules may need: user_id, permissions, history)."""
    from registry_core.service.registry import RegistryService

    return RegistryService(
        default_store(),
        caller=caller,
        logged_model_location=lambda model_id: tracking_service(caller).logged_model_location(model_id),
    )


def search_service(caller: Caller) -> SearchService:
    """Searches, acting for `caller` (private models it may not read are left out)."""
    from registry_core.service.search import SearchService

    return SearchService(default_store(), caller=caller)


def artifact_service(caller: Caller) -> ArtifactService:
    """Registry-owned artifacts (copy-in, presigned transfers, auto-registration) in the configured bucket."""
    from registry_core.config import settings
    from registry_core.service.artifacts import ArtifactService
    from registry_core.store.queues import CopyQueue

    config = settings()
    return ArtifactService(
        registry_service(caller),
        default_store(),
        _default_objects(),
        config.bucket_name,
        CopyQueue(config.copy_queue_url) if config.copy_queue_url else None,
        url_expiry_s=config.presigned_url_expiry_s,
        copy_from_buckets=config.copy_from_buckets,
    )


def history_service(caller: Caller) -> HistoryService:
    from registry_core.service.history import HistoryService

    return HistoryService(default_store(), caller)


def webhook_service(caller: Caller) -> WebhookService:
    """Webhooks, acting for `caller` (who owns the webhooks it creates and sees only those); the delivery consumer
    acts as `Caller.system()` and checks each event against the webhook owner's permissions."""
    from registry_core.config import settings
    from registry_core.service.webhooks import WebhookService
    from registry_core.store.webhooks import DynamoDbWebhookStore

    return WebhookService(
        DynamoDbWebhookStore(settings().table_name),
        caller,
        models=default_store(),
        admin_principals=settings().admin_principals,
        allow_loopback=settings().webhooks_allow_loopback,
    )


def auto_registration_caller(request_id: str = "") -> Caller:
    """Who a folder dropped under incoming/ acts as: the principal the stack names (config auto_registration_owner)."""
    from registry_core.config import settings
    from registry_core.domain.entities import Caller

    principal = settings().auto_registration_owner
    return Caller(principal=principal, request_id=request_id, admin=principal in settings().admin_principals)


@lru_cache(maxsize=1)
def _default_objects() -> ArtifactObjects:
    from registry_core.store.objects import ArtifactObjects

    return ArtifactObjects()


def event_publisher() -> EventPublisher:
    """The stream consumer's publisher: the configured EventBridge bus and webhook delivery queue."""
    from registry_core.config import settings
    from registry_core.service.events import EventPublisher
    from registry_core.store.messaging import EventBridgeBus, SqsWebhookQueue
    from registry_core.store.webhooks import DynamoDbWebhookStore

    config = settings()
    return EventPublisher(
        EventBridgeBus(config.event_bus_name),
        DynamoDbWebhookStore(config.table_name),
        SqsWebhookQueue(config.webhook_queue_url) if config.webhook_queue_url else None,
    )


@lru_cache(maxsize=1)
def webhook_queue() -> WebhookQueue:
    from registry_core.config import settings
    from registry_core.store.messaging import SqsWebhookQueue

    return SqsWebhookQueue(settings().webhook_queue_url)

    return SearchService(default_store())


@lru_cache(maxsize=1)
def default_tracking_store() -> TrackingStore:
    """The tracking store, in the registry's table; created once per Lambda container."""
    from registry_core.config import settings
    from registry_core.store.tracking_dynamodb import DynamoDbTrackingStore

    return DynamoDbTrackingStore(settings().table_name)


def tracking_service(caller: Caller | None = None) -> TrackingService:
    """Experiments, runs and logged models; artifacts go under s3://<bucket>/mlruns/<experiment id>/."""
    from registry_core.config import settings
    from registry_core.service.tracking import TrackingService

    return TrackingService(default_tracking_store(), artifact_root(settings().bucket_name), caller=caller)


def artifact_root(bucket_name: str) -> str:
    return f"s3://{bucket_name or 'smr-artifacts'}/mlruns"
