"""The local API's HTTP server: werkzeug's, with the errors it answers itself in JSON, as API Gateway answers them.

Some requests never reach the gateway: a request line over 64 KiB (414), a header line too long or more than 100
headers (431), a malformed request line (400). http.server answers those with an HTML page; a client of smr expects
MLflow's `{"error_code", "message"}` (which also carries API Gateway's `{"message"}`).
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import TYPE_CHECKING

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

_NO_BODY = (HTTPStatus.NO_CONTENT, HTTPStatus.RESET_CONTENT, HTTPStatus.NOT_MODIFIED)


class JsonErrorRequestHandler(WSGIRequestHandler):
    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        reason = self.responses.get(code, ("Error", ""))[0]
        error_code = "BAD_REQUEST" if code < 500 else "INTERNAL_ERROR"
        body = json.dumps({"error_code": error_code, "message": message or reason}).encode("utf-8")
        self.log_error("code %d, message %s", code, message or reason)
        self.send_response(code, reason)
        self.send_header("Connection", "close")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if getattr(self, "command", None) != "HEAD" and code >= 200 and code not in _NO_BODY:
            self.wfile.write(body)


def make_api_server(host: str, port: int, app: WSGIApplication) -> BaseWSGIServer:
    return make_server(host, port, app, threaded=True, request_handler=JsonErrorRequestHandler)
