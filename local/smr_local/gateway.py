"""A local stand-in for API Gateway's HTTP API: route, build the payload v2.0 event, call the Lambda handler.

The handlers are the very `functions/<operation>/app.py` files that Lambda runs, imported by file path; their
response dicts become HTTP responses as API Gateway would make them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import importlib.util
import json
import logging
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from werkzeug.datastructures import Headers
from werkzeug.wrappers import Request, Response

from smr_local import sigv4
from smr_local.template import FunctionSettings, Route

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

LOGGER = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any], Any], Any]

API_ID = "smrlocal"
STAGE = "$default"


@dataclass(frozen=True)
class LocalIdentity:
    """Who every local request is from: what API Gateway's IAM authorizer would put in requestContext."""

    account_id: str = "123456789012"
    user_name: str = "smr-local"
    access_key: str = "AKIAIOSFODNN7SMRLOCAL"
    user_id: str = "AIDASMRLOCAL0000000000"

    @classmethod
    def of(cls, credential: sigv4.LocalCredential) -> LocalIdentity:
        """The IAM user a verified local credential belongs to."""
        digest = hashlib.sha256(credential.user_name.encode()).hexdigest().upper()[:17]
        return cls(user_name=credential.user_name, access_key=credential.access_key, user_id=f"AIDA{digest}")

    @property
    def user_arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:user/{self.user_name}"

    def authorizer(self) -> dict[str, Any]:
        return {
            "iam": {
                "accessKey": self.access_key,
                "accountId": self.account_id,
                "callerId": self.user_id,
                "cognitoIdentity": None,
                "principalOrgId": None,
                "userArn": self.user_arn,
                "userId": self.user_id,
            }
        }


# --- the event -----------------------------------------------------------------------------------------------


def _is_text(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def build_event(
    request: Request,
    route: Route,
    identity: LocalIdentity,
    now: datetime | None = None,
    request_id: str | None = None,
    path_parameters: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The API Gateway HTTP API payload format 2.0 event for a request matched to a route."""
    now = now or datetime.now(UTC)
    raw_query = request.environ.get("QUERY_STRING", "")
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers.items():
        lowered = name.lower()
        if lowered == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
            continue
        headers[lowered] = f"{headers[lowered]},{value}" if lowered in headers else value
    headers.setdefault("x-forwarded-for", request.remote_addr or "127.0.0.1")
    headers.setdefault("x-forwarded-proto", request.scheme)
    headers.setdefault("x-forwarded-port", str(request.environ.get("SERVER_PORT", "")))
    host = headers.get("host", "localhost")
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": request.path,
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": identity.account_id,
            "apiId": API_ID,
            "authorizer": identity.authorizer(),
            "domainName": host,
            "domainPrefix": host.split(".")[0],
            "http": {
                "method": request.method,
                "path": request.path,
                "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                "sourceIp": request.remote_addr or "127.0.0.1",
                "userAgent": request.headers.get("User-Agent", ""),
            },
            "requestId": request_id or uuid.uuid4().hex,
            "routeKey": route.route_key,
            "stage": STAGE,
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    if raw_query:
        # As API Gateway does: decoded, and the values of a repeated key joined with commas.
        parameters: dict[str, str] = {}
        for name, value in parse_qsl(raw_query, keep_blank_values=True):
            parameters[name] = f"{parameters[name]},{value}" if name in parameters else value
        event["queryStringParameters"] = parameters
    body = request.get_data(cache=False)
    if body:
        if _is_text(body):
            event["body"] = body.decode("utf-8")
        else:
            event["body"] = base64.b64encode(body).decode("ascii")
            event["isBase64Encoded"] = True
    return event


# --- the context ---------------------------------------------------------------------------------------------


@dataclass
class LambdaContext:
    """The parts of Lambda's context object that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str
    timeout_s: int
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_s
        self.log_group_name = self.log_group_name or f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def lambda_context(settings: FunctionSettings, identity: LocalIdentity, region: str) -> LambdaContext:
    function_name = f"smr-local-{settings.function_id}"
    return LambdaContext(
        function_name=function_name,
        memory_limit_in_mb=settings.memory_mb,
        invoked_function_arn=f"arn:aws:lambda:{region}:{identity.account_id}:function:{function_name}",
        aws_request_id=str(uuid.uuid4()),
        timeout_s=settings.timeout_s,
    )


# --- the handlers --------------------------------------------------------------------------------------------


class HandlerNotFound(LookupError):
    """The template names a function whose code is not there (yet)."""


class FunctionLoader:
    """Imports each function's handler once, by file path, as Lambda's cold start would."""

    def __init__(self, code_root: Path) -> None:
        self._code_root = code_root
        self._handlers: dict[str, Handler] = {}
        self._lock = threading.Lock()

    def handler(self, settings: FunctionSettings) -> Handler:
        with self._lock:
            if settings.function_id not in self._handlers:
                self._handlers[settings.function_id] = self._import(settings)
            return self._handlers[settings.function_id]

    def _import(self, settings: FunctionSettings) -> Handler:
        module_path, _, attribute = settings.handler.rpartition(".")
        source = self._code_root / settings.code_uri / (module_path.replace(".", "/") + ".py")
        if not source.is_file():
            raise HandlerNotFound(f"{settings.function_id}: {source} does not exist")
        # Every function has an app.py; a module name per function directory keeps them apart in sys.modules
        # (its last part is the operation, e.g. smr_functions.create_registered_model).
        module_name = f"smr_functions.{PurePosixPath(settings.code_uri).name}"
        spec = importlib.util.spec_from_file_location(module_name, source)
        if spec is None or spec.loader is None:
            raise HandlerNotFound(f"{settings.function_id}: cannot import {source}")
        module: ModuleType = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[module_name]
            raise
        handler = getattr(module, attribute, None)
        if not callable(handler):
            raise HandlerNotFound(f"{settings.function_id}: {source} has no function {attribute}")
        return handler


# --- the response --------------------------------------------------------------------------------------------


def error_response(status: int, error_code: str, message: str, headers: Iterable[tuple[str, str]] = ()) -> Response:
    """An MLflow-shaped error, {"error_code", "message"}."""
    response = Response(
        json.dumps({"error_code": error_code, "message": message}),
        status=status,
        content_type="application/json",
    )
    for name, value in headers:
        response.headers[name] = value
    return response


def signing_hint(region: str) -> str:
    """How to sign for `make run`: appended to API Gateway's refusal, which alone does not say what to do."""
    return (
        f" [smr local: every request must be SigV4-signed (service execute-api, region {region}) with the key "
        "`make run` prints. The stock mlflow client: export MLFLOW_TRACKING_AUTH=smr (the plugin in "
        '`pip install "./sdk[mlflow]"`) or MLFLOW_TRACKING_AWS_SIGV4=true, and the AWS_* keys '
        "(`source .smr/env` sets all of them). The smr SDK and CLI always sign. curl: --aws-sigv4 "
        f'"aws:amz:{region}:execute-api" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY", with the query '
        "parameters in sorted order. Or restart the server with SMR_LOCAL_AUTH=off.]"
    )


def forbidden_response(message: str, hint: str = "") -> Response:
    """API Gateway's answer to a request its IAM authorization rejects: 403 and its own body shape (its message
    first, then `hint`)."""
    error_type = "MissingAuthenticationTokenException" if message == sigv4.MISSING_TOKEN else "ForbiddenException"
    return Response(
        json.dumps({"message": message + hint}),
        status=403,
        content_type="application/json",
        headers={"x-amzn-ErrorType": error_type},
    )


def to_http_response(result: Any) -> Response:
    """What API Gateway makes of a handler's return value (payload format 2.0)."""
    if not (isinstance(result, Mapping) and "statusCode" in result):
        # Format 2.0 lets a handler return just the body: status 200, JSON.
        body = result if isinstance(result, str) else json.dumps(result)
        return Response(body, status=200, content_type="application/json")
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode("utf-8")
    headers = Headers()
    for name, value in (result.get("headers") or {}).items():
        headers.add(name, str(value))
    for name, values in (result.get("multiValueHeaders") or {}).items():
        for value in values:
            headers.add(name, str(value))
    for cookie in result.get("cookies") or []:
        headers.add("Set-Cookie", cookie)
    response = Response(data, status=int(result["statusCode"]), headers=headers)
    if "content-type" not in {name.lower() for name in headers.keys()}:  # noqa: SIM118 - Headers is multi-valued
        del response.headers["Content-Type"]
    return response


def _path_pattern(template: str) -> re.Pattern[str]:
    """`/a/{name}/b` -> a regex with a named group per parameter; a parameter is one path segment."""
    parts = re.split(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", template)
    pattern = "".join(re.escape(part) if index % 2 == 0 else f"(?P<{part}>[^/]+)" for index, part in enumerate(parts))
    return re.compile(pattern)


# --- the app -------------------------------------------------------------------------------------------------


class LocalHttpApi:
    """A WSGI app that serves the template's HttpApi routes with the functions' handlers."""

    def __init__(
        self,
        routes: Iterable[Route],
        functions: Mapping[str, FunctionSettings],
        loader: FunctionLoader,
        identity: LocalIdentity | None = None,
        region: str = "us-east-1",
        credentials: Mapping[str, sigv4.LocalCredential] | None = None,
    ) -> None:
        """With `credentials`, every request must carry a SigV4 signature by one of them (API Gateway's IAM
        authorization) and runs as that key's user; without, every request runs as `identity`."""
        self._routes: dict[str, dict[str, Route]] = {}
        for route in routes:
            self._routes.setdefault(route.path, {})[route.method] = route
        # Routes with `{name}` segments; as in API Gateway, a static route wins over a templated one.
        self._templates = [
            (_path_pattern(path), path)
            for path in sorted(self._routes, key=lambda p: (-p.count("/"), p))
            if "{" in path
        ]
        self._functions = functions
        self._loader = loader
        self._identity = identity or LocalIdentity()
        self._region = region
        self._credentials = credentials

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        started = time.monotonic()
        response, function_id = self._dispatch(request)
        LOGGER.info(
            "%s %s -> %d in %.0f ms%s",
            request.method,
            request.full_path.rstrip("?"),
            response.status_code,
            (time.monotonic() - started) * 1000,
            f" ({function_id})" if function_id else "",
        )
        return response(environ, start_response)

    def _verified_credential(self, request: Request) -> sigv4.LocalCredential:
        assert self._credentials is not None
        incoming = sigv4.IncomingRequest(
            method=request.method,
            path=request.path,
            raw_query=request.environ.get("QUERY_STRING", ""),
            headers={name.lower(): value for name, value in request.headers.items()},
            body=request.get_data(cache=True),
        )
        return sigv4.verify(incoming, self._credentials, self._region)

    def _match(self, path: str) -> tuple[dict[str, Route] | None, dict[str, str]]:
        methods = self._routes.get(path)
        if methods is not None:
            return methods, {}
        for pattern, template in self._templates:
            match = pattern.fullmatch(path)
            if match:
                return self._routes[template], dict(match.groupdict())
        return None, {}

    def _dispatch(self, request: Request) -> tuple[Response, str | None]:
        methods, path_parameters = self._match(request.path)
        if methods is None:
            return error_response(404, "ENDPOINT_NOT_FOUND", f"No API route for {request.path}"), None
        route = methods.get(request.method)
        if route is None:
            allowed = ", ".join(sorted(methods))
            message = f"Method {request.method} is not allowed for {request.path}; allowed: {allowed}"
            return error_response(405, "ENDPOINT_NOT_FOUND", message, [("Allow", allowed)]), None
        settings = self._functions[route.function_id]
        try:
            handler = self._loader.handler(settings)
        except HandlerNotFound as error:
            LOGGER.error("%s", error)
            return error_response(500, "INTERNAL_ERROR", str(error)), route.function_id
        except Exception as error:
            # An init error: Lambda logs it and tries the import again on the next invocation.
            LOGGER.exception("%s failed to import", route.function_id)
            message = f"{route.function_id} failed to import: {type(error).__name__}: {error}"
            return error_response(500, "INTERNAL_ERROR", message), route.function_id
        if self._credentials is None:
            identity = self._identity
        else:
            try:
                identity = LocalIdentity.of(self._verified_credential(request))
            except sigv4.SignatureRejected as rejected:
                return forbidden_response(rejected.message, signing_hint(self._region)), route.function_id
        event = build_event(request, route, identity, path_parameters=path_parameters)
        context = lambda_context(settings, identity, self._region)
        try:
            result = handler(event, context)
        except Exception as error:
            # In AWS this is an invocation error: the traceback goes to the function's log, the client gets a 500.
            LOGGER.exception("%s raised", route.function_id)
            return error_response(500, "INTERNAL_ERROR", f"{type(error).__name__}: {error}"), route.function_id
        if context.get_remaining_time_in_millis() == 0:
            LOGGER.warning("%s ran past its %d s timeout", route.function_id, settings.timeout_s)
        try:
            return to_http_response(result), route.function_id
        except (TypeError, ValueError, binascii.Error) as error:
            LOGGER.exception("%s returned a malformed response", route.function_id)
            return error_response(500, "INTERNAL_ERROR", f"malformed handler response: {error}"), route.function_id
