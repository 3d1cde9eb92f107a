"""Configuration, read from the environment once. No other module reads os.environ."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel


class Settings(BaseModel):
    table_name: str
    bucket_name: str = ""
    # The identity used when a request carries none (only the local server sends such requests).
    default_principal: str = "anonymous"
    # Events (issue 5): the EventBridge bus, and the queue webhook deliveries wait in.
    event_bus_name: str = ""
    webhook_queue_url: str = ""
    # Only the local server sets this: webhooks may then use http:// and loopback addresses.
    webhooks_allow_loopback: bool = False


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings(
        table_name=os.environ.get("SMR_TABLE_NAME", "smr-registry"),
        bucket_name=os.environ.get("SMR_BUCKET_NAME", ""),
        event_bus_name=os.environ.get("SMR_EVENT_BUS_NAME", ""),
        webhook_queue_url=os.environ.get("SMR_WEBHOOK_QUEUE_URL", ""),
        webhooks_allow_loopback=os.environ.get("SMR_WEBHOOKS_ALLOW_LOOPBACK", "").lower() in ("1", "true", "yes"),
    )
