"""The registry's rules, over an abstract store."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from registry_core.domain.entities import Caller
    from registry_core.service.history import HistoryService
    from registry_core.service.registry import RegistryService
    from registry_core.service.search import SearchService
    from registry_core.store.base import RegistryStore


@lru_cache(maxsize=1)
def default_store() -> RegistryStore:
    """The DynamoDB store named by the configuration; created once per Lambda container."""
    from registry_core.config import settings
    from registry_core.store.dynamodb import DynamoDbRegistryStore

    return DynamoDbRegistryStore(settings().table_name)


def registry_service(caller: Caller | None = None) -> RegistryService:
    """The registry, acting for `caller` (whose identity the rules may need: user_id, permissions, history)."""
    from registry_core.service.registry import RegistryService

    return RegistryService(default_store(), caller=caller)


def search_service() -> SearchService:
    from registry_core.service.search import SearchService

    return SearchService(default_store())


def history_service() -> HistoryService:
    from registry_core.service.history import HistoryService

    return HistoryService(default_store())
