"""The embedded AWS backend: moto's server, in this process, with every AWS request made atomic.

moto's standalone server handles requests on many threads without serializing them, so two conditional writes
to the same item can both pass their condition and one update is lost. In AWS each request is atomic; here one
lock around moto's WSGI app gives the same guarantee (and the throughput of a single writer, which is plenty for
a development server).
"""

from __future__ import annotations

import io
import logging
import secrets
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal, overload

import boto3
from botocore.config import Config
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wsgi import get_input_stream

from smr_local import inprocess

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from moto.dynamodb.models.table import Table
    from moto.s3.models import S3Backend
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

LOGGER = logging.getLogger(__name__)

# moto accepts any credentials; these are the values its documentation uses. Never real ones.
LOCAL_ACCESS_KEY_ID = "testing"
LOCAL_SECRET_ACCESS_KEY = "testing"
LOCAL_REGION = "us-east-1"
# moto's account for any credentials it does not know (moto.core.DEFAULT_ACCOUNT_ID, without importing moto early)
DEFAULT_ACCOUNT_ID = "123456789012"

# A request carrying this header with the current token runs inside a snapshot (see SerializedWsgiApp.exclusive).
SNAPSHOT_HEADER = "X-Smr-Snapshot"
_SNAPSHOT_ENVIRON_KEY = "HTTP_X_SMR_SNAPSHOT"

# DynamoDB actions that change nothing; every other AWS request that is not a GET or HEAD counts as a change.
_DYNAMODB_READ_ACTIONS = frozenset(
    {
        "BatchGetItem",
        "DescribeContinuousBackups",
        "DescribeEndpoints",
        "DescribeTable",
        "DescribeTimeToLive",
        "GetItem",
        "ListTables",
        "ListTagsOfResource",
        "Query",
        "Scan",
        "TransactGetItems",
    }
)


def _changes_state(environ: WSGIEnvironment) -> bool:
    if environ.get("REQUEST_METHOD", "GET") in ("GET", "HEAD", "OPTIONS"):
        return False
    target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
    if target.startswith("DynamoDB_"):
        return target.partition(".")[2] not in _DYNAMODB_READ_ACTIONS
    return True


class SerializedWsgiApp:
    """Runs a WSGI app one request at a time and counts the requests that may have changed its state.

    `after_change`, when set, runs inside the lock after every request that may have changed something, before its
    response leaves: the journal makes the change durable there. If it fails the client gets a 500, not an
    acknowledgement of a write that would not survive a crash.
    """

    def __init__(self, app: WSGIApplication) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._snapshot_token: str | None = None
        self._generation = 0
        self.after_change: Callable[[], None] | None = None

    @property
    def generation(self) -> int:
        """How many state-changing requests have been served; persistence saves when it moves."""
        return self._generation

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        # Read the body before taking the lock, so that a slow upload does not hold up everyone else.
        body = get_input_stream(environ).read()
        environ["wsgi.input"] = io.BytesIO(body)
        token = self._snapshot_token
        if token is not None and environ.get(_SNAPSHOT_ENVIRON_KEY) == token:
            # The snapshot holder already has the lock; its own requests must not wait for it.
            return self._serve(environ, start_response)
        with self._lock:
            if not _changes_state(environ):
                return self._serve(environ, start_response)
            self._generation += 1
            served = self._serve(environ, start_response)
            if self.after_change is not None:
                try:
                    self.after_change()
                except Exception:
                    LOGGER.exception("a change could not be made durable; answering 500")
                    start_response("500 Internal Server Error", [("Content-Type", "text/plain")], sys.exc_info())
                    return [b"the change could not be saved to the data directory"]
            return served

    def _serve(self, environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        # Drain the response inside the lock: a lazily produced body would otherwise run unserialized.
        result = self._app(environ, start_response)
        try:
            return [b"".join(result)]
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the lock: for code that reads or changes moto's state directly, in this process."""
        with self._lock:
            yield

    @contextmanager
    def exclusive(self) -> Iterator[str]:
        """Hold the lock across several requests (a consistent snapshot); yields the token they must carry."""
        with self._lock:
            self._snapshot_token = secrets.token_hex(16)
            try:
                yield self._snapshot_token
            finally:
                self._snapshot_token = None


class EmbeddedAws:
    """moto's server on host:port (0 picks a free port), in a background thread; this process's own requests to it
    are served in process (smr_local.inprocess)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        # Imported here: moto is a development dependency and takes a moment to import.
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )

        from smr_local import moto_patches

        moto_patches.install()

        self.app = SerializedWsgiApp(DomainDispatcherApplication(create_backend_app))
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()
        self._host = host
        self._server: BaseWSGIServer = make_server(
            host, port, self.app, threaded=True, request_handler=MotoRequestHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="smr-aws", daemon=True
        )

    def table(self, name: str) -> Table:
        """moto's own object for a table (hold `app.locked()` while using it)."""
        from moto.dynamodb.models import dynamodb_backends

        table: Table = dynamodb_backends[DEFAULT_ACCOUNT_ID][LOCAL_REGION].get_table(name)
        return table

    def s3_backend(self) -> S3Backend:
        """moto's S3 (hold `app.locked()` while using it)."""
        from moto.s3.models import s3_backends

        backend: S3Backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
        return backend

    @property
    def port(self) -> int:
        return int(self._server.server_port)

    @property
    def endpoint_url(self) -> str:
        return f"http://{self._host}:{self.port}"

    def start(self) -> None:
        self._thread.start()
        # This process's own AWS calls (handlers, pumps, pollers) skip the port: same app, same lock, no socket.
        inprocess.serve_in_process(self.endpoint_url, self.app)

    def stop(self) -> None:
        inprocess.stop_serving(self.endpoint_url)
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()

    @overload
    def client(self, service: Literal["dynamodb"], snapshot_token: str | None = None) -> DynamoDBClient: ...

    @overload
    def client(self, service: Literal["s3"], snapshot_token: str | None = None) -> S3Client: ...

    @overload
    def client(self, service: Literal["sqs"], snapshot_token: str | None = None) -> SQSClient: ...

    def client(self, service: str, snapshot_token: str | None = None) -> Any:
        """A boto3 client for the embedded backend; with a token, its requests belong to that snapshot.

        Without a token the client is made once per service and shared (boto3 clients are thread-safe): making one
        loads botocore's service model, which cost the pollers more than their requests did."""
        if snapshot_token is None:
            with self._clients_lock:
                if service not in self._clients:
                    self._clients[service] = self._new_client(service, None)
                return self._clients[service]
        return self._new_client(service, snapshot_token)

    def has_visible_messages(self, queue_url: str) -> bool:
        """Whether a ReceiveMessage would get something: the pollers ask this, in process, before asking SQS."""
        from smr_local import moto_patches

        with self.app.locked():
            return moto_patches.has_visible_messages(DEFAULT_ACCOUNT_ID, LOCAL_REGION, queue_url)

    def _new_client(self, service: str, snapshot_token: str | None) -> Any:
        client = boto3.session.Session().client(
            service,  # type: ignore[call-overload]
            endpoint_url=self.endpoint_url,
            region_name=LOCAL_REGION,
            aws_access_key_id=LOCAL_ACCESS_KEY_ID,
            aws_secret_access_key=LOCAL_SECRET_ACCESS_KEY,
            config=Config(retries={"mode": "standard"}, s3={"addressing_style": "path"}),
        )
        if snapshot_token is not None:

            def add_token(request: Any, **_: Any) -> None:
                request.headers[SNAPSHOT_HEADER] = snapshot_token

            client.meta.events.register("before-send", add_token)
        return client
