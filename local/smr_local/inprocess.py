"""Requests from this process to the embedded AWS go straight to its WSGI app: no socket, no thread, no HTTP parsing.

The handlers, pumps and pollers of `make run` run in the same process as the embedded AWS, yet each of their AWS
calls used to go over loopback HTTP to moto's server: a connection and a server thread per request, and the request
parsed twice. Here a botocore `before-send` handler (registered for every botocore session, as moto's own mock does)
hands a request aimed at an embedded endpoint to the WSGI app that endpoint's port serves (the same app, so the same
lock and the same journal) and returns its answer as botocore's response. Requests to any other URL are sent as usual;
clients in other processes (the SDK, mlflow, tests) still use the port.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.handlers import BUILTIN_HANDLERS
from werkzeug.test import EnvironBuilder, run_wsgi_app

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication


class _Body(io.BytesIO):
    """What botocore reads a response body from (urllib3's response offers stream())."""

    def stream(self, **_: Any) -> Iterator[bytes]:
        data = self.read()
        if data:
            yield data


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _body(request: AWSPreparedRequest) -> bytes:
    body: Any = request.body
    if body is None:
        return b""
    if hasattr(body, "read"):
        body = body.read()
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)


class _InProcessDispatch:
    """A botocore before-send handler: serves requests for a registered endpoint with that endpoint's app."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._apps: dict[str, WSGIApplication] = {}

    def serve(self, endpoint_url: str, app: WSGIApplication) -> None:
        with self._lock:
            self._apps = {**self._apps, endpoint_url.rstrip("/"): app}

    def forget(self, endpoint_url: str) -> None:
        with self._lock:
            self._apps = {url: app for url, app in self._apps.items() if url != endpoint_url.rstrip("/")}

    def _app_for(self, url: str) -> WSGIApplication | None:
        for prefix, app in self._apps.items():  # a copy-on-write dict: read without the lock
            if url == prefix or url.startswith(prefix + "/") or url.startswith(prefix + "?"):
                return app
        return None

    def __call__(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse | None:
        app = self._app_for(request.url)
        if app is None:
            return None  # botocore sends it over the network
        url = urlsplit(request.url)
        environ = EnvironBuilder(
            path=url.path or "/",
            base_url=f"{url.scheme}://{url.netloc}",
            query_string=url.query,
            method=request.method,
            headers=[(_text(name), _text(value)) for name, value in request.headers.items()],
            data=_body(request),
        ).get_environ()
        # What werkzeug's server adds: the path as sent (moto reads S3 keys with escaped characters from it).
        environ["RAW_URI"] = environ["REQUEST_URI"] = url.path + (f"?{url.query}" if url.query else "")
        app_iter, status, headers = run_wsgi_app(app, environ, buffered=True)
        try:
            data = b"".join(app_iter)
        finally:
            close = getattr(app_iter, "close", None)
            if close is not None:
                close()
        # AWSResponse wraps any mapping of headers in its case-insensitive HeadersDict (the stubs ask for more).
        answer_headers: Any = dict(headers.items())
        return AWSResponse(request.url, int(status.split()[0]), answer_headers, _Body(data))


_DISPATCH = _InProcessDispatch()
BUILTIN_HANDLERS.append(("before-send", _DISPATCH))


def serve_in_process(endpoint_url: str, app: WSGIApplication) -> None:
    """From now on, this process's botocore requests for endpoint_url are served by app, without the network.

    Applies to every client whose session is created after this module is imported (botocore copies its built-in
    handlers into each new session)."""
    _DISPATCH.serve(endpoint_url, app)


def stop_serving(endpoint_url: str) -> None:
    _DISPATCH.forget(endpoint_url)
