"""A stand-in for smr's presigned-transfer endpoints (docs/design.md, "Extension API and artifacts contract").

Until the artifacts work lands, the SDK's upload and download are tested against this: a small HTTP server that
answers `uploads/create`, `uploads/complete` and `model-versions/download-urls` itself, plays S3 for the presigned
URLs it hands out, and forwards every other request, signature and Host header intact, to a real local server (where
the version is registered with create-version). It checks signatures on its own endpoints as the gateway does.

For tests only; it keeps everything in memory.
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import requests
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from smr_local import sigv4

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

DEFAULT_MULTIPART_THRESHOLD = 8 * 1024 * 1024
PART_SIZE = 64 * 1024
_HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-encoding", "content-length"}


@dataclass
class _Upload:
    name: str
    files: dict[str, dict[str, Any]]
    parts: dict[str, dict[int, bytes]] = field(default_factory=dict)
    whole: dict[str, bytes] = field(default_factory=dict)


@dataclass
class ArtifactsStub:
    """State of the stub; tests read it (objects, requests) and steer it (corrupt_downloads)."""

    upstream: str
    credentials: dict[str, sigv4.LocalCredential]
    region: str = "us-east-1"
    url: str = ""
    uploads: dict[str, _Upload] = field(default_factory=dict)
    objects: dict[str, bytes] = field(default_factory=dict)
    manifests: dict[tuple[str, int], list[dict[str, Any]]] = field(default_factory=dict)
    requests_seen: list[str] = field(default_factory=list)
    corrupt_downloads: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- WSGI --------------------------------------------------------------------------------------------------

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        with self._lock:
            self.requests_seen.append(f"{request.method} {request.path}")
        response = self._route(request)
        return response(environ, start_response)

    def _route(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/stub-s3/"):
            return self._s3(request)
        handlers = {
            ("POST", "/api/2.0/smr/uploads/create"): self._create,
            ("POST", "/api/2.0/smr/uploads/complete"): self._complete,
            ("GET", "/api/2.0/smr/model-versions/download-urls"): self._download_urls,
        }
        handler = handlers.get((request.method, path))
        if handler is None:
            return self._forward(request)
        try:
            sigv4.verify(
                sigv4.IncomingRequest(
                    request.method,
                    request.path,
                    request.environ.get("QUERY_STRING", ""),
                    {name.lower(): value for name, value in request.headers.items()},
                    request.get_data(cache=True),
                ),
                self.credentials,
                self.region,
            )
        except sigv4.SignatureRejected as rejected:
            return _json(403, {"message": rejected.message})
        return handler(request)

    # -- the three endpoints -----------------------------------------------------------------------------------

    def _create(self, request: Request) -> Response:
        body = json.loads(request.get_data(cache=True) or b"{}")
        threshold = int(body.get("multipart_threshold") or DEFAULT_MULTIPART_THRESHOLD)
        upload_id = uuid.uuid4().hex
        upload = _Upload(body["name"], {entry["path"]: entry for entry in body["files"]})
        answer_files = []
        for entry in body["files"]:
            base = f"{self.url}/stub-s3/{upload_id}/{entry['path']}"
            if int(entry["size"]) > threshold:
                count = max(1, -(-int(entry["size"]) // PART_SIZE))
                answer_files.append(
                    {
                        "path": entry["path"],
                        "multipart_upload_id": uuid.uuid4().hex,
                        "part_size": PART_SIZE,
                        "part_urls": [f"{base}?partNumber={number}" for number in range(1, count + 1)],
                    }
                )
            else:
                answer_files.append({"path": entry["path"], "url": base})
        with self._lock:
            self.uploads[upload_id] = upload
        return _json(200, {"upload_id": upload_id, "files": answer_files, "expires_at": 0})

    def _complete(self, request: Request) -> Response:
        body = json.loads(request.get_data(cache=True) or b"{}")
        upload = self.uploads.get(body["upload_id"])
        if upload is None or upload.name != body["name"]:
            return _json(404, {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "no such upload"})
        contents: dict[str, bytes] = {}
        for path, entry in upload.files.items():
            if path in upload.whole:
                data = upload.whole[path]
            else:
                parts = upload.parts.get(path, {})
                etags = (body.get("parts") or {}).get(path, [])
                expected = [hashlib.md5(parts[n]).hexdigest() for n in sorted(parts)]
                if [etag.strip('"') for etag in etags] != expected:
                    return _json(400, {"error_code": "INVALID_PARAMETER_VALUE", "message": f"bad parts for {path}"})
                data = b"".join(parts[n] for n in sorted(parts))
            if hashlib.sha256(data).hexdigest() != entry["sha256"] or len(data) != int(entry["size"]):
                return _json(400, {"error_code": "INVALID_PARAMETER_VALUE", "message": f"checksum mismatch: {path}"})
            contents[path] = data
        created = self._upstream_call(
            "POST",
            "/api/2.0/mlflow/model-versions/create",
            {
                "name": body["name"],
                "source": f"stub://models/{body['name']}/files",  # not s3://: smr would try to copy it in
                "description": body.get("description"),
                "run_id": body.get("run_id"),
                "tags": body.get("tags") or [],
                # uploads/complete takes the metrics as a map (name -> number), as the registry does.
                "model_metrics": [
                    {"key": key, "value": float(value)} for key, value in dict(body.get("model_metrics") or {}).items()
                ],
            },
        )
        version = created["model_version"]
        number = int(version["version"])
        for alias in body.get("aliases") or []:
            self._upstream_call(
                "POST",
                "/api/2.0/mlflow/registered-models/alias",
                {"name": body["name"], "alias": alias, "version": str(number)},
            )
        if body.get("stage"):
            self._upstream_call(
                "POST",
                "/api/2.0/mlflow/model-versions/transition-stage",
                {"name": body["name"], "version": str(number), "stage": body["stage"]},
            )
        manifest = []
        with self._lock:
            for path, data in contents.items():
                key = f"models/{body['name']}/{number}/files/{path}"
                self.objects[key] = data
                manifest.append(
                    {"path": path, "size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "key": key}
                )
            self.manifests[(body["name"], number)] = manifest
            del self.uploads[body["upload_id"]]
        # The contract: the answer is PENDING_REGISTRATION; the registry says READY once the files are in place.
        version["status"] = "PENDING_REGISTRATION"
        return _json(200, {"model_version": version})

    def _download_urls(self, request: Request) -> Response:
        name = request.args.get("name", "")
        number = int(request.args.get("version", "0"))
        manifest = self.manifests.get((name, number))
        if manifest is None:
            return _json(404, {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": f"no files for {name} v{number}"})
        files = [
            {
                "path": entry["path"],
                "size": entry["size"],
                "sha256": entry["sha256"],
                "url": f"{self.url}/stub-s3/get/{entry['key']}",
            }
            for entry in manifest
        ]
        return _json(200, {"files": files, "expires_at": 0})

    # -- the S3 side of the presigned URLs ---------------------------------------------------------------------

    def _s3(self, request: Request) -> Response:
        rest = request.path.removeprefix("/stub-s3/")
        if request.method == "GET" and rest.startswith("get/"):
            data = self.objects.get(rest.removeprefix("get/"))
            if data is None:
                return Response(b"NoSuchKey", status=404)
            if self.corrupt_downloads and data:
                data = bytes([data[0] ^ 0xFF]) + data[1:]
            return Response(data, status=200, content_type="application/octet-stream")
        if request.method != "PUT":
            return Response(b"MethodNotAllowed", status=405)
        upload_id, _, path = rest.partition("/")
        upload = self.uploads.get(upload_id)
        if upload is None or path not in upload.files:
            return Response(b"NoSuchUpload", status=404)
        data = request.get_data()
        with self._lock:
            part = request.args.get("partNumber")
            if part is None:
                upload.whole[path] = data
            else:
                upload.parts.setdefault(path, {})[int(part)] = data
        return Response(b"", status=200, headers={"ETag": f'"{hashlib.md5(data).hexdigest()}"'})

    # -- the rest goes to the real registry --------------------------------------------------------------------

    def _forward(self, request: Request) -> Response:
        query = request.environ.get("QUERY_STRING", "")
        url = f"{self.upstream}{request.path}" + (f"?{query}" if query else "")
        headers = {name: value for name, value in request.headers.items() if name.lower() not in _HOP_HEADERS}
        answer = requests.request(request.method, url, data=request.get_data(), headers=headers, timeout=60)
        response = Response(answer.content, status=answer.status_code)
        for name, value in answer.headers.items():
            if name.lower() not in _HOP_HEADERS:
                response.headers[name] = value
        return response

    def _upstream_call(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        from requests_auth_aws_sigv4 import AWSSigV4

        credential = next(iter(self.credentials.values()))
        auth = AWSSigV4(
            "execute-api",
            region=self.region,
            aws_access_key_id=credential.access_key,
            aws_secret_access_key=credential.secret_key,
        )
        answer = requests.request(
            method,
            f"{self.upstream}{path}",
            json={k: v for k, v in body.items() if v is not None},
            auth=auth,
            timeout=60,
        )
        answer.raise_for_status()
        result: dict[str, Any] = answer.json()
        return result


def _json(status: int, body: dict[str, Any]) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


@contextmanager
def run_artifacts_stub(
    upstream: str, credentials: dict[str, sigv4.LocalCredential], region: str = "us-east-1"
) -> Iterator[ArtifactsStub]:
    """The stub on a free port in a thread, for the duration of the block."""
    stub = ArtifactsStub(upstream=upstream, credentials=credentials, region=region)
    server: BaseWSGIServer = make_server("127.0.0.1", 0, stub, threaded=True)
    stub.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
