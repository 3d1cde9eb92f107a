"""`make run`'s console sign-in: a one-time link becomes a cookie session that acts only with the CSRF header."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

import pytest
from werkzeug.test import Client
from werkzeug.wrappers import Request, Response

from smr_local import sigv4
from smr_local.console import ConsoleSessions, LocalConsole

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

REGION = "us-east-1"
LOCAL = sigv4.LocalCredential("AKIDLOCAL", "local-secret", "smr-local")
HOST = "127.0.0.1:5000"
BASE = f"http://{HOST}"


class RecordingApi:
    """Stands in for the local API Gateway: verifies the signature the console may have added, as it would."""

    def __init__(self) -> None:
        self.verified: list[str | None] = []

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        incoming = sigv4.IncomingRequest(
            method=request.method,
            path=request.path,
            raw_query=environ.get("QUERY_STRING", ""),
            headers={name.lower(): value for name, value in request.headers.items()},
            body=request.get_data(),
        )
        try:
            self.verified.append(sigv4.verify(incoming, {LOCAL.access_key: LOCAL}, REGION).user_name)
        except sigv4.SignatureRejected:
            self.verified.append(None)
        return Response(json.dumps({"body": request.get_data(as_text=True)}))(environ, start_response)


@pytest.fixture
def api() -> RecordingApi:
    return RecordingApi()


@pytest.fixture
def sessions() -> ConsoleSessions:
    return ConsoleSessions(LOCAL)


@pytest.fixture
def console(api: RecordingApi, sessions: ConsoleSessions) -> Client:
    return Client(LocalConsole(api, sessions, REGION))


def _signed_in(console: Client, sessions: ConsoleSessions) -> None:
    response = console.get(f"/?token={sessions.token}", base_url=BASE)
    assert response.status_code == 303


def test_the_printed_link_works_once_and_sets_a_strict_http_only_cookie(
    console: Client, sessions: ConsoleSessions
) -> None:
    token = sessions.token
    response = console.get(f"/?token={token}", base_url=BASE)
    assert response.status_code == 303
    assert response.headers["Location"] == "/#/models"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert console.get(f"/?token={token}", base_url=BASE).status_code == 403
    assert console.get("/?token=guessed", base_url=BASE).status_code == 403
    assert sessions.token != token  # a fresh link for the next browser


def test_a_session_acts_only_with_the_console_header_from_this_origin(
    console: Client, sessions: ConsoleSessions, api: RecordingApi
) -> None:
    _signed_in(console, sessions)
    path = "/api/2.0/mlflow/registered-models/update"
    body = {"name": "m", "description": "d"}
    console.patch(path, json=body, base_url=BASE)  # a plain cross-site form or fetch cannot add the header
    console.patch(path, json=body, base_url=BASE, headers={"X-SMR-Console": "1", "Origin": "https://evil.example"})
    console.patch(path, json=body, base_url=BASE, headers={"X-SMR-Console": "1", "Sec-Fetch-Site": "cross-site"})
    response = console.patch(path, json=body, base_url=BASE, headers={"X-SMR-Console": "1", "Origin": BASE})
    assert api.verified == [None, None, None, "smr-local"]
    assert json.loads(json.loads(response.get_data())["body"]) == body  # the body reaches the API intact after signing


def test_without_a_session_the_header_alone_signs_nothing(console: Client, api: RecordingApi) -> None:
    console.get("/api/2.0/mlflow/registered-models/search?max_results=5", base_url=BASE, headers={"X-SMR-Console": "1"})
    assert api.verified == [None]


def test_the_console_answers_only_on_loopback(console: Client, sessions: ConsoleSessions) -> None:
    # A DNS-rebinding page reaches 127.0.0.1 under its own host name: no console, no sign-in for it.
    assert console.get("/", base_url="http://attacker.example:5000").status_code == 403
    assert console.get(f"/?token={sessions.token}", base_url="http://attacker.example:5000").status_code == 403


def test_static_files_carry_a_strict_policy_and_nothing_else_is_served(console: Client) -> None:
    page = console.get("/", base_url=BASE)
    assert page.status_code == 200
    assert b'<script type="module" src="/console/js/main.js">' in page.data
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unsafe" not in policy and "default-src 'none'" in policy
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert console.get("/console/js/main.js", base_url=BASE).headers["Content-Type"].startswith("text/javascript")
    for path in ("/console/../app.py", "/console/%2e%2e/app.py", "/console/js/missing.js", "/console/app.css.map"):
        assert console.get(path, base_url=BASE).status_code == 404, path
    assert console.post("/", base_url=BASE).status_code == 405


def test_the_session_endpoint_tells_the_page_how_to_sign_in(console: Client, sessions: ConsoleSessions) -> None:
    assert console.get("/console/session", base_url=BASE).get_json() == {"region": REGION, "mode": "signin"}
    _signed_in(console, sessions)
    answer = console.get("/console/session", base_url=BASE).get_json()
    assert answer == {"region": REGION, "mode": "cookie", "user": "smr-local"}
