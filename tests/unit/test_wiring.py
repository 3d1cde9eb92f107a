"""Service wiring and the AWS client factory: settings honoured, clients built once, a missing table fails early."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from registry_core.domain.entities import Caller

LAYER = Path(__file__).resolve().parents[2] / "layers" / "registry_core"
ALICE = Caller(principal="arn:aws:iam::1:user/alice")
BOB = Caller(principal="arn:aws:iam::1:user/bob")


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SMR_TABLE_NAME", "the-table")
    monkeypatch.setenv("SMR_WEBHOOK_QUEUE_URL", "http://127.0.0.1:5299/123456789012/deliveries")
    monkeypatch.setenv("SMR_DYNAMODB_READ_TIMEOUT_S", "33")
    monkeypatch.setenv("SMR_AWS_READ_TIMEOUT_S", "44")
    monkeypatch.setenv("SMR_AWS_CONNECT_TIMEOUT_S", "3")
    monkeypatch.setenv("SMR_AWS_MAX_ATTEMPTS", "7")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5299")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    from registry_core import wiring

    wiring.clear_caches()
    yield
    wiring.clear_caches()


def test_every_client_honours_the_settings(configured: None) -> None:
    from registry_core.store import clients

    for client, read_timeout in (
        (clients.dynamodb_client(), 33),
        (clients.s3_client(), 44),
        (clients.sqs_client(), 44),
        (clients.events_client(), 44),
    ):
        config: Any = client.meta.config
        assert (config.read_timeout, config.connect_timeout) == (read_timeout, 3)
        assert config.retries == {"mode": "standard", "total_max_attempts": 7}
        assert client.meta.endpoint_url == "http://127.0.0.1:5299"


def test_services_share_the_containers_clients_instead_of_building_new_ones(configured: None) -> None:
    from registry_core import wiring
    from registry_core.store import clients

    dynamodb = clients.dynamodb_client()
    assert clients.dynamodb_client() is dynamodb
    assert wiring.webhook_service(ALICE)._store is wiring.webhook_service(BOB)._store
    first, second = wiring.event_publisher(), wiring.event_publisher()
    assert first.webhooks is second.webhooks and first.queue is second.queue
    assert first.bus._client is second.bus._client is clients.events_client()  # type: ignore[attr-defined]
    assert wiring.default_store()._client is dynamodb  # type: ignore[attr-defined]
    assert wiring.default_tracking_store()._client is dynamodb  # type: ignore[attr-defined]


def test_each_service_acts_for_the_caller_it_was_built_for(configured: None) -> None:
    from registry_core import wiring

    assert wiring.history_service(ALICE)._caller == ALICE
    assert wiring.webhook_service(BOB)._caller == BOB
    assert wiring.artifact_service(ALICE)._caller == ALICE


def test_a_function_without_a_table_name_fails_at_start_up() -> None:
    environment = {key: value for key, value in os.environ.items() if key != "SMR_TABLE_NAME"}
    environment["PYTHONPATH"] = str(LAYER)
    started = subprocess.run(
        [sys.executable, "-c", "import registry_core.wiring"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert started.returncode != 0
    assert "MissingConfiguration: SMR_TABLE_NAME is not set" in started.stderr


def test_threads_racing_to_build_the_first_clients_all_get_the_same_working_ones(configured: None) -> None:
    # make run serves requests on threads of one process: the first burst of requests builds the clients at once.
    from registry_core.store import clients

    clients.clear_clients()
    barrier = threading.Barrier(12)
    built: list[object] = []
    failures: list[BaseException] = []

    def build() -> None:
        barrier.wait()
        try:
            built.append(clients.s3_client())
            built.append(clients.dynamodb_client())
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=build) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len({id(client) for client in built}) == 2
    # and a client built afterwards still works (the injection hooks were registered once)
    clients.clear_clients()
    assert clients.s3_client().meta.service_model.service_name == "s3"
