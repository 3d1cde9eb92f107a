"""Requests werkzeug refuses before the gateway sees them are answered in JSON, as API Gateway answers them."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from smr_local.http_errors import make_api_server

PORT = 5531  # this test's own port


def _app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "application/json")])
    return [b"{}"]


@pytest.fixture
def server() -> Iterator[int]:
    http_server = make_api_server("127.0.0.1", PORT, _app)
    thread = threading.Thread(target=http_server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield http_server.server_port
    finally:
        http_server.shutdown()
        http_server.server_close()
        thread.join(timeout=10)


def _get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, str, dict[str, Any]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type") or "", json.loads(response.read())
    finally:
        connection.close()


def test_a_query_of_100000_characters_is_a_json_414(server: int) -> None:
    status, content_type, body = _get(server, "/api/2.0/mlflow/registered-models/get?name=" + "x" * 100_000)
    assert (status, content_type) == (414, "application/json")
    assert body["error_code"] == "BAD_REQUEST" and body["message"]


def test_an_oversize_header_is_a_json_431(server: int) -> None:
    status, content_type, body = _get(server, "/", {"X-Big": "y" * 70_000})
    assert (status, content_type) == (431, "application/json")
    assert set(body) == {"error_code", "message"}


def test_too_many_headers_is_a_json_431(server: int) -> None:
    status, _, body = _get(server, "/", {f"X-H{index}": "v" for index in range(120)})
    assert status == 431 and body["error_code"] == "BAD_REQUEST"


def test_an_ordinary_request_still_reaches_the_app(server: int) -> None:
    assert _get(server, "/api/2.0/mlflow/registered-models/get?name=m")[0] == 200
