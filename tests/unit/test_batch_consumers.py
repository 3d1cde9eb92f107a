"""The queue and stream consumers fed their sample events (events/*.json): when one record of a batch fails, only
that record is reported in `batchItemFailures` (SQS by message id, the stream by sequence number)."""

from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from registry_core.config import settings
from registry_core.domain.entities import Caller
from registry_core.service.events import EventPublisher
from registry_core.store.messaging import InMemoryEventBus

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _configured(monkeypatch: pytest.MonkeyPatch) -> None:
    """A handler reads its settings when imported; the services it would build are replaced in each test."""
    monkeypatch.setenv("SMR_TABLE_NAME", "smr-unit-tests")
    settings.cache_clear()


def _handler_module(function: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"smr_batch_{function}", ROOT / "functions" / function / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _batch(function: str, count: int) -> list[dict[str, Any]]:
    """`count` copies of the function's sample record, each with its own message id / sequence number."""
    (record,) = json.loads((ROOT / "events" / f"{function}.json").read_text())["Records"]
    records = []
    for index in range(count):
        copied = copy.deepcopy(record)
        if "messageId" in copied:
            copied["messageId"] = f"message-{index}"
        else:
            copied["dynamodb"]["SequenceNumber"] = f"{index + 1:024d}"
            copied["dynamodb"]["NewImage"]["id"] = {"S": f"event-{index}"}
        records.append(copied)
    return records


def _failures(result: dict[str, Any]) -> list[str]:
    return [failure["itemIdentifier"] for failure in result["batchItemFailures"]]


def test_a_copy_that_fails_is_the_only_message_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    module = _handler_module("copy_model_version_artifacts")
    records = _batch("copy_model_version_artifacts", 3)
    records[1]["body"] = json.dumps({**json.loads(records[1]["body"]), "version": 2})
    copied: list[int] = []

    class Artifacts:
        def __init__(self, caller: Caller) -> None:
            # Consumers act for smr itself, never for a missing caller.
            assert caller.is_system

        def copy_version(self, name: str, version: int, source: str, upload_id: str | None) -> None:
            if version == 2:
                raise RuntimeError("S3 said no")
            copied.append(version)

    monkeypatch.setattr(module, "artifact_service", Artifacts)
    assert _failures(module.handler({"Records": records}, None)) == ["message-1"]
    assert copied == [1, 1]


def test_an_upload_event_that_fails_is_the_only_message_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    module = _handler_module("register_uploads")
    records = _batch("register_uploads", 3)
    records[2]["body"] = "{not json"
    registered: list[str] = []

    class Artifacts:
        def __init__(self, caller: Caller) -> None:
            # Consumers act for smr itself, never for a missing caller.
            assert caller.is_system

        def register_from_event(self, bucket: str, key: str, etag: str | None) -> None:
            registered.append(key)

    monkeypatch.setattr(module, "artifact_service", Artifacts)
    assert _failures(module.handler({"Records": records}, None)) == ["message-2"]
    assert len(registered) == 2


def test_only_the_deliveries_that_failed_or_crashed_are_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    module = _handler_module("deliver_webhooks")
    records = _batch("deliver_webhooks", 3)
    outcomes = iter([True, False, "crash"])
    attempts: list[int] = []

    class Webhooks:
        def __init__(self, caller: Caller) -> None:
            # Consumers act for smr itself, never for a missing caller.
            assert caller.is_system

        def deliver(self, body: str, attempt: int, receipt_handle: str | None, queue: object) -> bool:
            attempts.append(attempt)
            outcome = next(outcomes)
            if outcome == "crash":
                raise RuntimeError("crashed")
            return bool(outcome)

    monkeypatch.setattr(module, "webhook_service", Webhooks)
    monkeypatch.setattr(module, "webhook_queue", lambda: None)
    assert _failures(module.handler({"Records": records}, None)) == ["message-1", "message-2"]
    assert attempts == [1, 1, 1]


def test_an_event_the_bus_refuses_is_the_only_stream_record_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    module = _handler_module("publish_registry_events")
    records = _batch("publish_registry_events", 3)
    bus = InMemoryEventBus()
    bus.failing = {"event-1"}
    monkeypatch.setattr(module, "event_publisher", lambda: EventPublisher(bus))
    result = module.handler({"Records": records}, None)
    assert _failures(result) == [records[1]["dynamodb"]["SequenceNumber"]]
    assert [event.id for event in bus.published] == ["event-0", "event-2"]


def test_an_empty_batch_reports_nothing() -> None:
    module = _handler_module("deliver_webhooks")
    assert module.handler({"Records": []}, None) == {"batchItemFailures": []}
