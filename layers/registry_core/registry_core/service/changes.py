"""What a write records beside the change itself: history records (audit) and outbox events.

A `ChangeSet` is built by one attempt of one operation and committed in the same transaction as the change, so a
change and its records land together or not at all. It is stamped with the model revision the transaction commits
(and each record with its position), which makes every record's key unique and every event id deterministic.
"""

from __future__ import annotations

import uuid
from typing import Any

from registry_core.domain.entities import Caller, ModelVersion, RegisteredModel
from registry_core.domain.governance import (
    OUTBOX_RETENTION_S,
    ChangeKind,
    EventType,
    HistoryRecord,
    RegistryEvent,
)

# Event ids are UUIDv5 of what makes an event unique (its model and its position in time): the same change always
# yields the same id, so a re-published event is recognisable as a duplicate.
EVENT_ID_NAMESPACE = uuid.UUID("6f1c2b1e-5a4e-4d59-9a57-2f6a0f6b7c11")


def event_id(model_uid: str, timestamp: int, rev: int, seq: int) -> str:
    return str(uuid.uuid5(EVENT_ID_NAMESPACE, f"{model_uid}|{timestamp}|{rev}|{seq}"))


def version_event_data(version: ModelVersion) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": version.name,
        "version": str(version.version),
        "source": version.source,
        "status": str(version.status),
        "current_stage": str(version.current_stage),
        "tags": dict(version.tags),
    }
    for field in ("run_id", "description", "model_id"):
        value = getattr(version, field)
        if value is not None:
            data[field] = value
    return data


class ChangeSet:
    def __init__(self, model: RegisteredModel, caller: Caller, now: int, comment: str | None = None) -> None:
        self._model = model
        self._caller = caller
        self._now = now
        self._comment = comment or None
        self.history: list[HistoryRecord] = []
        self.events: list[RegistryEvent] = []

    @property
    def comment(self) -> str | None:
        return self._comment

    def _who(self) -> dict[str, str]:
        if self._caller.recorded_principal is None:
            return {"principal": "", "request_id": ""}
        return {"principal": self._caller.principal, "request_id": self._caller.request_id}

    def stage(self, version: int, from_stage: str | None, to_stage: str | None, reason: str | None = None) -> None:
        self.history.append(
            HistoryRecord(
                model_uid=self._model.uid,
                model_name=self._model.name,
                timestamp=self._now,
                subject=ChangeKind.STAGE,
                version=version,
                from_stage=from_stage,
                to_stage=to_stage,
                comment=self._comment,
                reason=reason,
                **self._who(),
            )
        )

    def alias(self, alias: str, from_version: int | None, to_version: int | None, reason: str | None = None) -> None:
        self.history.append(
            HistoryRecord(
                model_uid=self._model.uid,
                model_name=self._model.name,
                timestamp=self._now,
                subject=ChangeKind.ALIAS,
                version=to_version if to_version is not None else from_version,
                alias=alias,
                from_version=from_version,
                to_version=to_version,
                comment=self._comment,
                reason=reason,
                **self._who(),
            )
        )

    def event(self, event_type: EventType, data: dict[str, Any]) -> None:
        self.events.append(
            RegistryEvent(
                type=event_type,
                timestamp=self._now,
                model_uid=self._model.uid,
                model_name=self._model.name,
                data=data,
                **self._who(),
            )
        )

    def stamped(self, rev: int, model_name: str | None = None) -> tuple[list[HistoryRecord], list[RegistryEvent]]:
        """The records as committed at model revision `rev` (under `model_name`, when it changes with the write)."""
        name = model_name or self._model.name
        history = [
            record.model_copy(update={"rev": rev, "seq": seq, "model_name": name})
            for seq, record in enumerate(self.history)
        ]
        events = [
            event.model_copy(
                update={
                    "rev": rev,
                    "seq": seq,
                    "model_name": name,
                    "id": event_id(event.model_uid, event.timestamp, rev, seq),
                    "expires_at": event.timestamp // 1000 + OUTBOX_RETENTION_S,
                }
            )
            for seq, event in enumerate(self.events)
        ]
        return history, events
