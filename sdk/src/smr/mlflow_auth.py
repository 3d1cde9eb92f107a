"""`MLFLOW_TRACKING_AUTH=smr`: the stock mlflow client signs its requests to smr with SigV4, cheaply.

mlflow's built-in `MLFLOW_TRACKING_AWS_SIGV4=true` (requests-auth-aws-sigv4) builds a new boto3 session for every
request to find the credentials again: ~10 ms of CPU per request, more than a whole registry call costs. This plugin
(mlflow's `mlflow.request_auth_provider` entry point, declared in the SDK's pyproject.toml) resolves the credential
chain once per process (refreshing credentials that expire) and signs each request the way the SDK does.
"""

from __future__ import annotations

import functools
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import requests
from mlflow.tracking.request_auth.abstract_request_auth_provider import RequestAuthProvider

from smr.signing import RequestSigner

PROVIDER_NAME = "smr"


class SigV4RequestAuth(requests.auth.AuthBase):
    """Adds a SigV4 (execute-api) signature to a `requests` request."""

    def __init__(self, signer: RequestSigner) -> None:
        self._signer = signer

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        parts = urlsplit(str(request.url))
        # The query in SigV4's canonical form (%20 for a space, not requests' +), sent as it is signed: API Gateway
        # canonicalizes what it receives and would otherwise compute another signature.
        query = urlencode(parse_qsl(parts.query, keep_blank_values=True), quote_via=quote, safe="-_.~")
        url = urlunsplit(parts._replace(query=query))
        request.url = url
        body = request.body or b""
        payload = body.encode() if isinstance(body, str) else bytes(body)
        region = self._signer.region_for(f"{parts.scheme}://{parts.netloc}")
        # Only what the signature adds: the headers requests and urllib3 send as they see fit stay unsigned.
        signature = self._signer.signed_headers(str(request.method), url, payload, {}, region)
        request.headers.update(signature)
        return request


@functools.cache
def _shared_auth() -> SigV4RequestAuth:
    return SigV4RequestAuth(RequestSigner())


class SmrRequestAuthProvider(RequestAuthProvider):
    def get_name(self) -> str:
        return PROVIDER_NAME

    def get_auth(self) -> SigV4RequestAuth:
        return _shared_auth()
