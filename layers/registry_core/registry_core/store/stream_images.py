"""Reading the table's DynamoDB stream: which records carry an outbox event, and the event they carry.

The image format (attribute values, the `kind` attribute, key attributes) is the table's item format, so it is read
here in `store/` and the service only ever sees `RegistryEvent`s.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from registry_core.domain.governance import RegistryEvent
from registry_core.store import items


def outbox_event(record: Mapping[str, Any]) -> RegistryEvent | None:
    """The registry event an inserted outbox item carries, or None for any other stream record."""
    if record.get("eventName") != "INSERT":
        return None
    image = (record.get("dynamodb") or {}).get("NewImage") or {}
    if image.get("kind", {}).get("S") != items.EVENT_KIND:
        return None
    return items.event_from_item(image)
