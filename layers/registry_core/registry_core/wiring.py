"""Service wiring: the one place that builds services over the configured stores, for handlers and the local server.

Every service acts for a caller: a handler passes the request's; queue and stream consumers pass `Caller.system()`.
Stores and AWS clients are built once per Lambda container (`lru_cache`); services are cheap and built per call, since
the caller changes from request to request. Imports of service and store modules are deferred to the call, so a
function loads only what it uses; the settings are read at import, so a function missing one fails at start-up.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from registry_core.config import settings

if TYPE_CHECKING:
    from registry_core.domain.entities import Caller
    from registry_core.service.artifacts import ArtifactService
    from registry_core.service.events import EventPublisher
    from registry_core.service.governance import GovernanceService
    from registry_core.service.history import HistoryService
    from registry_core.service.permissions import PermissionService
    from registry_core.service.registration import RegistrationService
    from registry_core.service.registry import RegistryService
    from registry_core.service.search import SearchService
    from registry_core.service.tracking import TrackingService
    from registry_core.service.webhooks import WebhookService
    from registry_core.store.base import RegistryStore
    from registry_core.store.messaging import WebhookQueue
    from registry_core.store.objects import ArtifactObjects
    from registry_core.store.tracking_base import TrackingStore
    from registry_core.store.webhooks import WebhookStore

# Fail at start-up (module import, i.e. the Lambda's init phase), not on the first request, when a setting is missing.
settings()

DEFAULT_ARTIFACT_BUCKET = "smr-artifacts"


# -- stores, once per container ------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def default_store() -> RegistryStore:
    """The registry's DynamoDB store, in the configured table."""
    from registry_core.store.dynamodb import DynamoDbRegistryStore

    return DynamoDbRegistryStore(settings().table_name)


@lru_cache(maxsize=1)
def default_tracking_store() -> TrackingStore:
    """The tracking store, in the registry's table."""
    from registry_core.store.tracking_dynamodb import DynamoDbTrackingStore

    return DynamoDbTrackingStore(settings().table_name)


@lru_cache(maxsize=1)
def webhook_store() -> WebhookStore:
    from registry_core.store.webhooks import DynamoDbWebhookStore

    return DynamoDbWebhookStore(settings().table_name)


@lru_cache(maxsize=1)
def artifact_objects() -> ArtifactObjects:
    from registry_core.store.objects import ArtifactObjects

    return ArtifactObjects()


@lru_cache(maxsize=1)
def webhook_queue() -> WebhookQueue | None:
    """The webhook delivery queue, when the stack has one."""
    from registry_core.store.messaging import SqsWebhookQueue

    url = settings().webhook_queue_url
    return SqsWebhookQueue(url) if url else None


def clear_caches() -> None:
    """Forget the settings, stores and clients (tests that change the environment or the mocked AWS)."""
    from registry_core.store.clients import clear_clients

    for cached in (default_store, default_tracking_store, webhook_store, artifact_objects, webhook_queue, settings):
        cached.cache_clear()
    clear_clients()


# -- services, per caller ------------------------------------------------------------------------------------


def registry_service(caller: Caller) -> RegistryService:
    """MLflow's registry operations, acting for `caller`."""
    from registry_core.service.registry import RegistryService

    return RegistryService(
        default_store(),
        caller,
        logged_model_location=lambda model_id: tracking_service(caller).logged_model_location(model_id),
    )


def permission_service(caller: Caller) -> PermissionService:
    from registry_core.service.permissions import PermissionService

    return PermissionService(default_store(), caller)


def governance_service(caller: Caller) -> GovernanceService:
    from registry_core.service.governance import GovernanceService

    return GovernanceService(default_store(), caller)


def registration_service(caller: Caller) -> RegistrationService:
    from registry_core.service.registration import RegistrationService

    return RegistrationService(registry_service(caller), default_store(), caller)


def search_service(caller: Caller) -> SearchService:
    """Searches, acting for `caller` (private models it may not read are left out)."""
    from registry_core.service.search import SearchService

    return SearchService(default_store(), caller)


def history_service(caller: Caller) -> HistoryService:
    from registry_core.service.history import HistoryService

    return HistoryService(default_store(), caller)


def artifact_service(caller: Caller) -> ArtifactService:
    """Registry-owned artifacts (copy-in, presigned transfers, auto-registration) in the configured bucket."""
    from registry_core.service.artifacts import ArtifactService
    from registry_core.store.queues import CopyQueue

    config = settings()
    return ArtifactService(
        registration_service(caller),
        default_store(),
        caller,
        artifact_objects(),
        config.bucket_name,
        CopyQueue(config.copy_queue_url) if config.copy_queue_url else None,
        url_expiry_s=config.presigned_url_expiry_s,
        copy_from_buckets=config.copy_from_buckets,
    )


def webhook_service(caller: Caller) -> WebhookService:
    from registry_core.service.webhooks import WebhookService

    return WebhookService(webhook_store(), caller, allow_loopback=settings().webhooks_allow_loopback)


def event_publisher() -> EventPublisher:
    """The stream consumer's publisher: the configured EventBridge bus and webhook delivery queue."""
    from registry_core.service.events import EventPublisher
    from registry_core.store.messaging import EventBridgeBus

    return EventPublisher(EventBridgeBus(settings().event_bus_name), webhook_store(), webhook_queue())


def tracking_service(caller: Caller) -> TrackingService:
    """Experiments, runs and logged models; artifacts go under s3://<bucket>/mlruns/<experiment id>/."""
    from registry_core.service.tracking import TrackingService

    return TrackingService(default_tracking_store(), artifact_root(settings().bucket_name), caller)


def artifact_root(bucket_name: str) -> str:
    return f"s3://{bucket_name or DEFAULT_ARTIFACT_BUCKET}/mlruns"
