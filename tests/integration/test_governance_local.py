"""`make run` delivers events too: a webhook on loopback gets signed deliveries of changes made over HTTP, and the
stock mlflow client manages webhooks through MLflow 3's API."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests

from tests.support.server import LocalServer, run_local_server, wait_for

from .test_events import Receiver

API = "/api/2.0/mlflow"
SMR = "/api/2.0/smr"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    with run_local_server(tmp_path_factory.mktemp("smr-governance")) as running:
        yield running


def test_a_change_over_http_reaches_a_loopback_webhook_signed(server: LocalServer) -> None:
    receiver = Receiver("local-secret")
    try:
        created = requests.post(
            f"{server.url}{API}/webhooks",
            json={
                "name": "versions",
                "url": receiver.url,
                "events": [{"entity": "MODEL_VERSION", "action": "CREATED"}],
                "secret": "local-secret",
            },
            timeout=30,
            auth=server.auth(),
        )
        assert created.status_code == 200, created.text
        webhook = created.json()["webhook"]
        assert "secret" not in webhook and webhook["status"] == "ACTIVE"
        fetched = requests.get(f"{server.url}{API}/webhooks/{webhook['webhook_id']}", timeout=30, auth=server.auth())
        assert fetched.status_code == 200 and fetched.json()["webhook"]["name"] == "versions"
        assert "local-secret" not in fetched.text

        requests.post(
            f"{server.url}{API}/registered-models/create", json={"name": "evented"}, timeout=30, auth=server.auth()
        )
        version = requests.post(
            f"{server.url}{API}/model-versions/create",
            json={"name": "evented", "source": "s3://b/1"},
            timeout=30,
            auth=server.auth(),
        )
        assert version.status_code == 200, version.text
        wait_for(lambda: len(receiver.received) >= 1, 30, "the webhook delivery")
        (delivery,) = receiver.received
        assert delivery["verified"] is True
        body = json.loads(delivery["payload"])
        assert (body["entity"], body["action"], body["data"]["name"]) == ("model_version", "created", "evented")

        def logged() -> bool:
            answer = requests.get(
                f"{server.url}{SMR}/webhooks/deliveries",
                params={"webhook_id": webhook["webhook_id"]},
                timeout=30,
                auth=server.auth(),
            )
            return answer.status_code == 200 and len(answer.json()["deliveries"]) == 1

        wait_for(logged, 10, "the delivery log")
        deleted = requests.delete(f"{server.url}{API}/webhooks/{webhook['webhook_id']}", timeout=30, auth=server.auth())
        assert deleted.status_code == 200
    finally:
        receiver.close()


def test_a_private_webhook_url_is_refused_even_locally(server: LocalServer) -> None:
    answer = requests.post(
        f"{server.url}{API}/webhooks",
        json={"name": "n", "url": "https://10.0.0.1/x", "events": [{"entity": "MODEL_VERSION", "action": "CREATED"}]},
        timeout=30,
        auth=server.auth(),
    )
    assert (answer.status_code, answer.json()["error_code"]) == (400, "INVALID_PARAMETER_VALUE")


def test_the_mlflow_client_manages_webhooks(server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from mlflow import MlflowClient

    for name, value in server.env.items():  # the export lines: signing on, with the local key
        monkeypatch.setenv(name, value)

    receiver = Receiver("client-secret")
    try:
        client = MlflowClient(tracking_uri=server.url, registry_uri=server.url)
        hook = client.create_webhook(
            name="from-client", url=receiver.url, events=["model_version_alias.created"], secret="client-secret"
        )
        assert client.get_webhook(hook.webhook_id).name == "from-client"
        assert hook.webhook_id in [listed.webhook_id for listed in client.list_webhooks()]
        updated = client.update_webhook(hook.webhook_id, description="watch aliases")
        assert updated.description == "watch aliases"
        result = client.test_webhook(hook.webhook_id)
        assert result.success is True and receiver.received[-1]["verified"] is True
        client.delete_webhook(hook.webhook_id)
    finally:
        receiver.close()


def test_two_concurrent_optimistic_alias_moves_over_http_exactly_one_wins(server: LocalServer) -> None:
    import threading

    requests.post(f"{server.url}{API}/registered-models/create", json={"name": "raced"}, timeout=30, auth=server.auth())
    for _ in range(3):
        requests.post(
            f"{server.url}{API}/model-versions/create",
            json={"name": "raced", "source": "s3://b"},
            timeout=30,
            auth=server.auth(),
        )
    first = requests.post(
        f"{server.url}{API}/registered-models/alias",
        json={"name": "raced", "alias": "champion", "version": "1", "expected_version": ""},
        timeout=30,
        auth=server.auth(),
    )
    assert first.status_code == 200, first.text
    barrier = threading.Barrier(2)
    statuses: dict[str, int] = {}

    def move(version: str) -> None:
        barrier.wait()
        answer = requests.post(
            f"{server.url}{API}/registered-models/alias",
            json={"name": "raced", "alias": "champion", "version": version, "expected_version": "1"},
            timeout=30,
            auth=server.auth(),
        )
        statuses[version] = answer.status_code

    threads = [threading.Thread(target=move, args=(version,)) for version in ("2", "3")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses.values()) == [200, 409]
    winner = next(version for version, status in statuses.items() if status == 200)
    alias = requests.get(
        f"{server.url}{API}/registered-models/alias",
        params={"name": "raced", "alias": "champion"},
        timeout=30,
        auth=server.auth(),
    )
    assert alias.json()["model_version"]["version"] == winner
    history = requests.get(
        f"{server.url}{SMR}/registered-models/history",
        params={"name": "raced", "order": "desc"},
        timeout=30,
        auth=server.auth(),
    ).json()["records"]
    alias_moves = [(r.get("from_version"), r["to_version"]) for r in history if r["subject"] == "alias"]
    assert alias_moves == [("1", winner), (None, "1")]
