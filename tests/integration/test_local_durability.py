"""`make run` holds up: acknowledged writes survive kill -9 and double signals, events survive lost races, and the
local health view tells what the event path is doing."""

from __future__ import annotations

import base64
import json
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.server import LocalServer, run_local_server, start_local_server, wait_for

from .test_events import Receiver

API = "/api/2.0/mlflow"
HEALTH = "/api/2.0/smr/local/health"
KILL_AFTER_ACKNOWLEDGED = 25
MAX_WRITES = 400  # the loop is bounded even if the kill never comes


def _post(server: LocalServer, path: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(f"{server.url}{API}/{path}", json=body, timeout=60, auth=server.auth())


def _version(server: LocalServer, name: str, version: int) -> requests.Response:
    return requests.get(
        f"{server.url}{API}/model-versions/get",
        params={"name": name, "version": str(version)},
        timeout=60,
        auth=server.auth(),
    )


# --- durability ---------------------------------------------------------------------------------------------------


def test_every_acknowledged_write_survives_a_sigkill_during_a_write_loop(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    acknowledged: dict[int, str] = {}
    server = start_local_server(data_dir)
    try:
        assert _post(server, "registered-models/create", {"name": "durable"}).status_code == 200

        def write_until_killed() -> None:
            for index in range(MAX_WRITES):
                source = f"s3://bucket/run-{index}"
                try:
                    answer = _post(server, "model-versions/create", {"name": "durable", "source": source})
                except requests.RequestException:
                    return  # the server is gone: this write was never acknowledged
                if answer.status_code != 200:
                    return
                acknowledged[int(answer.json()["model_version"]["version"])] = source

        writer = threading.Thread(target=write_until_killed)
        writer.start()
        wait_for(lambda: len(acknowledged) >= KILL_AFTER_ACKNOWLEDGED, 120, "acknowledged writes")
        server.process.kill()  # mid-loop: a write is usually in flight
        writer.join(timeout=60)
    finally:
        server.stop(signal.SIGKILL)

    with run_local_server(data_dir) as restarted:
        for version, source in acknowledged.items():
            answer = _version(restarted, "durable", version)
            assert answer.status_code == 200, f"acknowledged version {version} is gone: {answer.text}"
            assert answer.json()["model_version"]["source"] == source
        after = _post(restarted, "model-versions/create", {"name": "durable", "source": "s3://bucket/after"})
        assert after.status_code == 200, after.text
        assert int(after.json()["model_version"]["version"]) > max(acknowledged)


def test_two_sigterms_in_a_row_lose_no_acknowledged_write(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = start_local_server(data_dir)
    try:
        assert _post(server, "registered-models/create", {"name": "signalled"}).status_code == 200
        # What `make run` gets from a Ctrl-C or a SIGTERM to its process group: one from make, one from the shell.
        server.process.send_signal(signal.SIGTERM)
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(timeout=60)
    finally:
        server.stop(signal.SIGKILL)
    with run_local_server(data_dir) as restarted:
        answer = requests.get(
            f"{restarted.url}{API}/registered-models/get",
            params={"name": "signalled"},
            timeout=60,
            auth=restarted.auth(),
        )
        assert answer.status_code == 200, answer.text


def test_a_data_dir_of_the_previous_format_still_loads(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    (data_dir / "s3" / "blobs").mkdir(parents=True)
    binary = base64.b64encode(b"\x00\xffbinary").decode()
    item = {"pk": {"S": "M#legacy"}, "sk": {"S": "#MODEL"}, "blob": {"B": binary}, "rev": {"N": "3"}}
    (data_dir / "dynamodb.json").write_text(json.dumps({"format": 1, "items": [item]}))
    (data_dir / "s3" / "blobs" / "abc-5").write_bytes(b"bytes")
    manifest = {
        "format": 1,
        "objects": [
            {
                "key": "legacy/model.pkl",
                "version_id": "v1",
                "blob": "abc-5",
                "Metadata": {"run-id": "r1"},
                "ContentType": "application/octet-stream",
            }
        ],
    }
    (data_dir / "s3" / "manifest.json").write_text(json.dumps(manifest))

    for _ in range(2):  # converted on the first start, read in the new format on the second
        with run_local_server(data_dir) as server:
            import boto3

            session = boto3.session.Session(
                aws_access_key_id=server.env["AWS_ACCESS_KEY_ID"],
                aws_secret_access_key=server.env["AWS_SECRET_ACCESS_KEY"],
                region_name=server.env["AWS_DEFAULT_REGION"],
            )
            dynamodb = session.client("dynamodb", endpoint_url=server.aws_url)
            read = dynamodb.get_item(
                TableName=server.env["SMR_TABLE"], Key={"pk": {"S": "M#legacy"}, "sk": {"S": "#MODEL"}}
            )
            assert read["Item"]["blob"] == {"B": b"\x00\xffbinary"}
            s3_object = session.client("s3", endpoint_url=server.aws_url).get_object(
                Bucket=server.env["SMR_BUCKET"], Key="legacy/model.pkl"
            )
            assert s3_object["Body"].read() == b"bytes"
            assert s3_object["Metadata"] == {"run-id": "r1"}
            assert s3_object["ContentType"] == "application/octet-stream"
    assert not (data_dir / "dynamodb.json").exists()


# --- events after lost races, and the health view --------------------------------------------------------------------


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LocalServer]:
    with run_local_server(tmp_path / "data") as running:
        yield running


def test_events_still_arrive_after_a_burst_of_lost_races(server: LocalServer) -> None:
    receiver = Receiver("race-secret")
    try:
        hook = requests.post(
            f"{server.url}{API}/webhooks",
            json={
                "name": "races",
                "url": receiver.url,
                "events": [
                    {"entity": "MODEL_VERSION", "action": "CREATED"},
                    {"entity": "MODEL_VERSION_TAG", "action": "SET"},
                ],
                "secret": "race-secret",
            },
            timeout=60,
            auth=server.auth(),
        )
        assert hook.status_code == 200, hook.text
        assert _post(server, "registered-models/create", {"name": "raced"}).status_code == 200
        barrier = threading.Barrier(12)
        answers: list[requests.Response] = []

        def create() -> None:
            barrier.wait()
            answers.append(_post(server, "model-versions/create", {"name": "raced", "source": "s3://b/x"}))

        threads = [threading.Thread(target=create) for _ in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert [answer.status_code for answer in answers] == [200] * 12, [answer.text for answer in answers]
        assert sorted(int(answer.json()["model_version"]["version"]) for answer in answers) == list(range(1, 13))

        def delivered(action: str) -> list[dict[str, Any]]:
            bodies = [json.loads(delivery["payload"]) for delivery in receiver.received]
            return [body for body in bodies if f"{body['entity']}.{body['action']}" == action]

        wait_for(lambda: len(delivered("model_version.created")) >= 12, 60, "12 model_version.created deliveries")
        assert sorted(int(body["data"]["version"]) for body in delivered("model_version.created")) == list(range(1, 13))
        tagged = _post(server, "model-versions/set-tag", {"name": "raced", "version": "3", "key": "k", "value": "v"})
        assert tagged.status_code == 200, tagged.text
        wait_for(lambda: len(delivered("model_version_tag.set")) == 1, 60, "the tag's delivery")

        def reader() -> dict[str, Any]:
            health: dict[str, Any] = requests.get(f"{server.url}{HEALTH}", timeout=60).json()
            return dict(health["events"]["stream_reader"])

        # Deliveries are logged in the table too (more records): wait for the reader to catch up with them.
        wait_for(lambda: reader()["lag_records"] == 0, 60, "the stream reader to catch up")
        assert reader()["failures"] == 0
    finally:
        receiver.close()


def test_the_health_view_shows_the_event_path_the_pollers_and_the_journal(server: LocalServer) -> None:
    assert _post(server, "registered-models/create", {"name": "healthy"}).status_code == 200

    answer = requests.get(f"{server.url}{HEALTH}", timeout=60)

    assert answer.status_code == 200
    health = answer.json()
    assert set(health) == {"events", "queue_pollers", "journal"}
    assert {"handled", "failures", "last_error", "lag_records"} <= set(health["events"]["stream_reader"])
    assert {"queued", "dead_lettered"} <= set(health["events"]["webhook_deliveries"])
    assert all(poller["running"] for poller in health["queue_pollers"].values())
    assert health["journal"]["entries_since_snapshot"] >= 1
    refused = requests.post(f"{server.url}{HEALTH}", timeout=60)
    assert (refused.status_code, refused.json()["error_code"]) == (405, "ENDPOINT_NOT_FOUND")
