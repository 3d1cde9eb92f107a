"""The registry's rules, over an abstract store."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from registry_core.domain.entities import Caller
    from registry_core.service.registry import RegistryService
    from registry_core.service.search import SearchService
    from registry_core.service.tracking import TrackingService
    from registry_core.store.base import RegistryStore
    from registry_core.store.tracking_base import TrackingStore


@lru_cache(maxsize=1)
def default_store() -> RegistryStore:
    """The DynamoDB store named by the configuration; created once per Lambda container."""
    from registry_core.config import settings
    from registry_core.store.dynamodb import DynamoDbRegistryStore

    return DynamoDbRegistryStore(settings().table_name)


def registry_service(caller: Caller | None = None) -> RegistryService:
    """The registry, acting for `caller` (whose identity the rules may need: user_id, permissions, history)."""
    from registry_core.service.registry import RegistryService

    return RegistryService(
        default_store(),
        caller=caller,
        logged_model_location=lambda model_id: tracking_service().logged_model_location(model_id),
    )


def search_service() -> SearchService:
    from registry_core.service.search import SearchService

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
