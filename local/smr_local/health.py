"""`GET /api/2.0/smr/local/health`: the local server's own state, for the person running it.

Not a route of the API (template.yaml has no such route, and AWS has no such thing): the stream reader's position and
lag, what waits to be delivered, the queue pollers, and the journal. Served only to loopback clients, unsigned.
"""

from __future__ import annotations

import ipaddress
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

LOGGER = logging.getLogger("smr_local")

HEALTH_PATH = "/api/2.0/smr/local/health"


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


class LocalHealthView:
    """Answers HEALTH_PATH itself and hands every other request to `app`."""

    def __init__(self, app: WSGIApplication, sections: Mapping[str, Callable[[], Any]]) -> None:
        self._app = app
        self._sections = sections

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != HEALTH_PATH:
            return self._app(environ, start_response)
        return self._respond(environ)(environ, start_response)

    def _respond(self, environ: WSGIEnvironment) -> Response:
        if not _is_loopback(str(environ.get("REMOTE_ADDR", ""))):
            return _error(403, "PERMISSION_DENIED", "the local health view is served to loopback clients only")
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return _error(405, "ENDPOINT_NOT_FOUND", f"{HEALTH_PATH} answers GET only")
        body: dict[str, Any] = {}
        for name, section in self._sections.items():
            try:
                body[name] = section()
            except Exception as error:  # one broken section must not hide the others
                LOGGER.exception("health section %s failed", name)
                body[name] = {"error": f"{type(error).__name__}: {error}"}
        return Response(json.dumps(body, default=str), status=200, content_type="application/json")


def _error(status: int, code: str, message: str) -> Response:
    return Response(
        json.dumps({"error_code": code, "message": message}), status=status, content_type="application/json"
    )
