"""`make run`'s browser console: its static files, and a loopback-only sign-in that needs no keys in the browser.

The server prints `http://127.0.0.1:<port>/?token=<one-time random>`. Opening it exchanges the token (once) for a
session cookie (HttpOnly, SameSite=Strict) that acts as the printed local principal. An API request then passes with
that cookie only when it also carries the header `X-SMR-Console: 1` (a cross-site page cannot add a custom header
without a CORS preflight, which this server never grants) and comes from this origin (Origin / Sec-Fetch-Site); the
console signs it with the principal's key, here on the server, and hands it to the local API Gateway, which verifies
it like any other request. So the registry's rules judge every action, exactly as for the CLI.

A browser may instead sign its requests itself (SigV4 with keys typed into the console, as in AWS with Cognito's
temporary credentials); those pass through untouched. The Host header must name a loopback address, so a DNS
rebinding page cannot reach the console or its cookie.
"""

from __future__ import annotations

import hmac
import importlib.util
import io
import json
import logging
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING
from urllib.parse import quote

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from werkzeug.wrappers import Request, Response

from smr_local import sigv4
from smr_local.gateway import to_http_response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

LOGGER = logging.getLogger(__name__)

# The console's files are served by the very function that serves them in AWS (functions/serve_console).
CONSOLE_FUNCTION = Path(__file__).resolve().parents[2] / "functions" / "serve_console" / "app.py"
COOKIE_NAME = "smr_console"
CSRF_HEADER = "X-SMR-Console"
SESSION_PATH = "/console/session"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})


@dataclass
class ConsoleSessions:
    """One-time sign-in tokens and the sessions they became; everything in memory, gone when the server stops."""

    credential: sigv4.LocalCredential
    _token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    _sessions: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def token(self) -> str:
        return self._token

    def exchange(self, token: str) -> str | None:
        """A new session id for the current token, which is then replaced; None for any other token."""
        with self._lock:
            if not hmac.compare_digest(token.encode(), self._token.encode()):
                return None
            self._token = secrets.token_urlsafe(32)
            session = secrets.token_urlsafe(32)
            self._sessions.add(session)
            return session

    def valid(self, session: str | None) -> bool:
        if not session:
            return False
        with self._lock:
            return any(hmac.compare_digest(session.encode(), known.encode()) for known in self._sessions)


def sign_as(environ: WSGIEnvironment, body: bytes, credential: sigv4.LocalCredential, region: str) -> None:
    """Sign the request in `environ` with `credential` (SigV4, execute-api), as a client would have."""
    host = environ.get("HTTP_HOST", "")
    url = f"http://{host}{quote(environ.get('PATH_INFO', ''), safe='/-_.~%')}"
    if environ.get("QUERY_STRING"):
        url += f"?{environ['QUERY_STRING']}"
    request = AWSRequest(method=environ["REQUEST_METHOD"], url=url, data=body, headers={"host": host})
    SigV4Auth(Credentials(credential.access_key, credential.secret_key), sigv4.SERVICE, region).add_auth(request)
    environ["HTTP_AUTHORIZATION"] = request.headers["Authorization"]
    environ["HTTP_X_AMZ_DATE"] = request.headers["X-Amz-Date"]
    environ.pop("HTTP_X_AMZ_CONTENT_SHA256", None)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))


def _is_loopback(host_header: str) -> bool:
    host = host_header.rsplit(":", 1)[0] if not host_header.endswith("]") else host_header
    return host.lower() in LOOPBACK_HOSTS


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("Origin")
    if origin is not None and origin != f"{request.scheme}://{request.host}":
        return False
    return request.headers.get("Sec-Fetch-Site", "same-origin") in ("same-origin", "none")


def load_console_function(path: Path = CONSOLE_FUNCTION) -> ModuleType:
    """The console function's module, imported by file path as the gateway imports handlers."""
    spec = importlib.util.spec_from_file_location("smr_serve_console", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class LocalConsole:
    """WSGI middleware in front of the local API: `/` and `/console/*` are the console, the rest is the API."""

    def __init__(
        self,
        api: WSGIApplication,
        sessions: ConsoleSessions | None,
        region: str,
        console_function: ModuleType | None = None,
        announce: Callable[[str], None] | None = None,
    ) -> None:
        """`sessions` None: the server accepts unsigned requests anyway (--no-auth), so no sign-in is needed."""
        self._api = api
        self._sessions = sessions
        self._region = region
        self._function = console_function or load_console_function()
        self._announce = announce

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        if request.path == "/" or request.path.startswith("/console/"):
            return self._console(request)(environ, start_response)
        if self._sessions is not None and "HTTP_AUTHORIZATION" not in environ:
            session = request.cookies.get(COOKIE_NAME)
            if (
                request.headers.get(CSRF_HEADER) == "1"
                and _is_loopback(request.host)
                and _same_origin(request)
                and self._sessions.valid(session)
            ):
                sign_as(environ, request.get_data(cache=True), self._sessions.credential, self._region)
        return self._api(environ, start_response)

    def _plain(self, status: int, text: str) -> Response:
        headers = self._function.security_headers(self._region)
        return Response(text + "\n", status=status, content_type="text/plain; charset=utf-8", headers=headers)

    def _console(self, request: Request) -> Response:
        if not _is_loopback(request.host):
            return self._plain(403, "The console answers only on a loopback address.")
        if request.method not in ("GET", "HEAD"):
            return self._plain(405, "The console's pages are read with GET.")
        if request.path == "/" and "token" in request.args:
            return self._sign_in(request, request.args["token"])
        if request.path == SESSION_PATH:
            return self._session(request)
        # What API Gateway would hand the function for GET / and GET /console/{proxy+}.
        proxy = {} if request.path == "/" else {"proxy": request.path.removeprefix("/console/")}
        headers = {name.lower(): value for name, value in request.headers.items()}
        event = {"rawPath": request.path, "pathParameters": proxy, "headers": headers}
        return to_http_response(self._function.handler(event, None))

    def _sign_in(self, request: Request, token: str) -> Response:
        session = self._sessions.exchange(token) if self._sessions is not None else None
        if session is None:
            return self._plain(
                403, "This sign-in link is not valid (each one works once). Use the latest link the server printed."
            )
        headers = {**self._function.security_headers(self._region), "Location": "/#/models"}
        response = Response(status=303, headers=headers)
        response.set_cookie(COOKIE_NAME, session, httponly=True, samesite="Strict", path="/")
        if self._announce is not None and self._sessions is not None:
            self._announce(f"{request.host_url}?token={self._sessions.token}")
        return response

    def _session(self, request: Request) -> Response:
        """Whether the page may use the cookie, and as whom (no secret in the answer)."""
        answer: dict[str, str] = {"region": self._region}
        if self._sessions is None:
            answer["mode"] = "open"
        elif self._sessions.valid(request.cookies.get(COOKIE_NAME)):
            answer.update(mode="cookie", user=self._sessions.credential.user_name)
        else:
            answer["mode"] = "signin"
        headers = {**self._function.security_headers(self._region), "Cache-Control": "no-store"}
        return Response(json.dumps(answer), content_type="application/json", headers=headers)
