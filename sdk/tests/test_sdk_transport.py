"""Retries, backoff and signing of the SDK's transport, against a fault-injecting HTTP server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest
from botocore.credentials import Credentials
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from smr import RequestLimitExceeded, SmrClient, SmrError, TemporarilyUnavailable
from smr.transport import RetryPolicy, Transport, encode_query, retry_after_seconds

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

MODEL = {"registered_model": {"name": "m", "tags": [{"key": "a", "value": "b"}]}}


@dataclass
class FaultyServer:
    """Answers each request with the next scripted (status, headers) fault, then 200 with MODEL."""

    faults: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    seen: list[Request] = field(default_factory=list)
    url: str = ""

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        request.get_data(cache=True)
        self.seen.append(request)
        if self.faults:
            status, headers = self.faults.pop(0)
            body = {"error_code": "TEMPORARILY_UNAVAILABLE", "message": "try later"} if status == 503 else {}
            response = Response(json.dumps(body), status=status, headers=headers, content_type="application/json")
        else:
            response = Response(json.dumps(MODEL), status=200, content_type="application/json")
        return response(environ, start_response)


@pytest.fixture
def faulty() -> Iterator[FaultyServer]:
    app = FaultyServer()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield app
    server.shutdown()
    thread.join()
    server.server_close()


def _client(url: str, sleeps: list[float], max_retries: int = 4) -> SmrClient:
    transport = Transport(
        url,
        region="us-east-1",
        credentials=Credentials("AKID", "secret"),
        retry=RetryPolicy(max_retries=max_retries, base_s=1.0, cap_s=8.0),
        sleep=sleeps.append,
    )
    return SmrClient(transport=transport)


def test_a_503_then_200_is_retried_and_succeeds(faulty: FaultyServer) -> None:
    faulty.faults = [(503, {}), (503, {})]
    sleeps: list[float] = []
    model = _client(faulty.url, sleeps).get_registered_model("m")
    assert model.tags == {"a": "b"}
    assert len(faulty.seen) == 3
    # Full jitter: each wait is within [0, min(cap, base * 2^attempt)].
    assert len(sleeps) == 2 and 0 <= sleeps[0] <= 1.0 and 0 <= sleeps[1] <= 2.0


def test_retry_after_is_honoured(faulty: FaultyServer) -> None:
    faulty.faults = [(429, {"Retry-After": "3"})]
    sleeps: list[float] = []
    _client(faulty.url, sleeps).get_registered_model("m")
    assert sleeps == [3.0]


def test_each_attempt_is_signed_afresh(faulty: FaultyServer) -> None:
    faulty.faults = [(503, {})]
    _client(faulty.url, []).get_registered_model("m")
    assert all(r.headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKID/") for r in faulty.seen)
    assert all("x-amz-date" in r.headers for r in faulty.seen)


def test_retries_give_up_with_the_typed_error(faulty: FaultyServer) -> None:
    faulty.faults = [(503, {})] * 10
    with pytest.raises(TemporarilyUnavailable) as raised:
        _client(faulty.url, [], max_retries=2).get_registered_model("m")
    assert raised.value.status == 503
    assert len(faulty.seen) == 3


def test_a_429_without_error_code_is_request_limit_exceeded(faulty: FaultyServer) -> None:
    faulty.faults = [(429, {})] * 10
    with pytest.raises(RequestLimitExceeded):
        _client(faulty.url, [], max_retries=1).get_registered_model("m")


def test_a_500_on_a_create_is_not_retried_since_it_may_have_been_applied(faulty: FaultyServer) -> None:
    faulty.faults = [(500, {})]
    with pytest.raises(SmrError) as raised:
        _client(faulty.url, []).create_registered_model("m")
    assert raised.value.status == 500
    assert len(faulty.seen) == 1


def test_a_500_on_a_read_is_retried(faulty: FaultyServer) -> None:
    faulty.faults = [(500, {}), (502, {}), (504, {})]
    _client(faulty.url, []).get_registered_model("m")
    assert len(faulty.seen) == 4


def test_a_503_on_a_create_is_retried(faulty: FaultyServer) -> None:
    faulty.faults = [(503, {})]
    _client(faulty.url, []).create_registered_model("m")
    assert len(faulty.seen) == 2


def test_queries_use_percent_twenty_and_repeat_list_keys() -> None:
    assert encode_query({"filter": "name = 'a b'", "order_by": ["x ASC", "y"], "skip": None}) == (
        "filter=name%20%3D%20%27a%20b%27&order_by=x%20ASC&order_by=y"
    )


@pytest.mark.parametrize(("value", "expected"), [("5", 5.0), (None, None), ("soon", None), ("-3", 0.0)])
def test_retry_after_parsing(value: str | None, expected: float | None) -> None:
    assert retry_after_seconds(value) == expected


def test_retry_after_as_an_http_date() -> None:
    seconds = retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT")
    assert seconds == 0.0


class ScriptedTransport(Transport):
    """Answers get-version calls with the scripted statuses, in order."""

    def __init__(self, statuses: list[str]) -> None:
        super().__init__("http://registry.invalid", region="us-east-1", credentials=Credentials("a", "b"))
        self.statuses = statuses

    def request(self, method: str, path: str, **_: object) -> dict[str, object]:
        status = self.statuses.pop(0)
        return {"model_version": {"name": "m", "version": "1", "status": status, "status_message": "bad sha256"}}


def test_wait_until_ready_polls_until_ready() -> None:
    transport = ScriptedTransport(["PENDING_REGISTRATION", "PENDING_REGISTRATION", "READY"])
    version = SmrClient(transport=transport).wait_until_ready("m", 1, poll_interval_s=0)
    assert version.status == "READY" and transport.statuses == []


def test_wait_until_ready_raises_on_failed_registration() -> None:
    from smr import VersionRegistrationFailed

    transport = ScriptedTransport(["PENDING_REGISTRATION", "FAILED_REGISTRATION"])
    with pytest.raises(VersionRegistrationFailed, match="bad sha256"):
        SmrClient(transport=transport).wait_until_ready("m", 1, poll_interval_s=0)
