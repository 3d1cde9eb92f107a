"""SigV4 (service execute-api) for requests to the registry, with credentials resolved once and refreshed as needed.

Shared by the SDK's transport and by the stock mlflow client's `smr` auth plugin (smr.mlflow_auth).
"""

from __future__ import annotations

import threading
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.session import Session as BotocoreSession

from smr.errors import SmrError

SERVICE = "execute-api"
DEFAULT_REGION = "us-east-1"


def region_of(endpoint: str) -> str | None:
    """The region in an API Gateway URL (https://<id>.execute-api.<region>.amazonaws.com), if it is one."""
    parts = (urlsplit(endpoint).hostname or "").split(".")
    if "execute-api" in parts:
        index = parts.index("execute-api")
        if index + 1 < len(parts):
            return parts[index + 1]
    return None


class RequestSigner:
    """Signs requests with the AWS credential chain (or the given credentials), looked up on first use only."""

    def __init__(self, credentials: Credentials | None = None, botocore_session: BotocoreSession | None = None) -> None:
        self._credentials = credentials
        self._boto = botocore_session or BotocoreSession()
        self._lock = threading.Lock()

    def region_for(self, endpoint: str, region: str | None = None) -> str:
        """The region to sign for: given, else the one in the endpoint's URL, else the AWS configuration's."""
        return region or region_of(endpoint) or self._boto.get_config_variable("region") or DEFAULT_REGION

    def _current_credentials(self) -> Credentials:
        with self._lock:
            if self._credentials is None:
                found = self._boto.get_credentials()
                if found is None:
                    raise SmrError(
                        "No AWS credentials found (environment, profile, SSO, instance role...); smr signs every "
                        "request.",
                        error_code="UNAUTHENTICATED",
                    )
                self._credentials = found
            credentials = self._credentials
        # Refreshable credentials (SSO, roles) hand out a current frozen set.
        frozen = credentials.get_frozen_credentials()
        return Credentials(frozen.access_key or "", frozen.secret_key or "", frozen.token)

    def signed_headers(
        self, method: str, url: str, body: bytes, headers: dict[str, str], region: str
    ) -> dict[str, str]:
        """headers plus the signature (Authorization, X-Amz-Date, X-Amz-Security-Token) for this request."""
        request = AWSRequest(method=method, url=url, data=body, headers=headers)
        SigV4Auth(self._current_credentials(), SERVICE, region).add_auth(request)
        return dict(request.headers.items())
