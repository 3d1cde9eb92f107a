"""HTTP to the registry: SigV4-signed (service execute-api), pooled, with timeouts and retries.

Retries: 429 and 503 always (the registry answers them before changing anything), other 5xx and connection errors
only for requests that are safe to repeat. The wait is exponential with full jitter, or the server's Retry-After
when it sends one (capped at MAX_RETRY_AFTER_S).
"""

from __future__ import annotations

import email.utils
import json
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import requests
from botocore.credentials import Credentials
from botocore.session import Session as BotocoreSession
from requests.adapters import HTTPAdapter

from smr.errors import SmrError, error_from_response
from smr.signing import RequestSigner

DEFAULT_CONNECT_TIMEOUT_S = 5.0
DEFAULT_READ_TIMEOUT_S = 60.0
DEFAULT_MAX_RETRIES = 5
BACKOFF_BASE_S = 0.5
BACKOFF_CAP_S = 20.0
MAX_RETRY_AFTER_S = 120.0
POOL_CONNECTIONS = 32
ALWAYS_RETRIED = frozenset({429, 503})
# A server that refuses connections is most likely not running: retry briefly (a restart), then say so, within ~2 s.
UNREACHABLE_RETRY_BUDGET_S = 1.5
UNREACHABLE_RETRY_WAIT_S = 0.3
RETRIED_WHEN_IDEMPOTENT = frozenset({500, 502, 504})


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = DEFAULT_MAX_RETRIES
    base_s: float = BACKOFF_BASE_S
    cap_s: float = BACKOFF_CAP_S

    def backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2^attempt)]."""
        return random.uniform(0, min(self.cap_s, self.base_s * 2**attempt))


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def encode_query(params: Mapping[str, Any]) -> str:
    """Query string with %20 for spaces and repeated keys for lists: the form SigV4 canonicalizes to."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        if value is None:
            continue
        for item in value if isinstance(value, list | tuple) else [value]:
            pairs.append((key, str(item).lower() if isinstance(item, bool) else str(item)))
    return urlencode(pairs, quote_via=quote, safe="-_.~")


def _never_connected(error: Exception) -> bool:
    """The request could not even open a connection (refused, unknown host, connect timeout): nothing was sent."""
    return isinstance(error, requests.exceptions.ConnectTimeout) or "Failed to establish a new connection" in str(error)


class Transport:
    """Sends requests to one registry endpoint, signed with the AWS credential chain (or given credentials)."""

    def __init__(
        self,
        endpoint: str,
        *,
        region: str | None = None,
        credentials: Credentials | None = None,
        botocore_session: BotocoreSession | None = None,
        timeout: tuple[float, float] = (DEFAULT_CONNECT_TIMEOUT_S, DEFAULT_READ_TIMEOUT_S),
        retry: RetryPolicy | None = None,
        sign: bool = True,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self._signer = RequestSigner(credentials, botocore_session)
        self.region = self._signer.region_for(self.endpoint, region)
        self._sign = sign
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self.session = session or requests.Session()
        adapter = HTTPAdapter(pool_connections=POOL_CONNECTIONS, pool_maxsize=POOL_CONNECTIONS)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def _signed_headers(self, method: str, url: str, body: bytes, headers: dict[str, str]) -> dict[str, str]:
        if not self._sign:
            return headers
        return self._signer.signed_headers(method, url, body, headers, self.region)

    def _unreachable(self, method: str, url: str, error: Exception) -> SmrError:
        text = str(error)
        reason = next(
            (
                label
                for marker, label in (
                    ("Connection refused", "connection refused"),
                    ("Name or service not known", "unknown host"),
                    ("nodename nor servname", "unknown host"),
                    ("timed out", "timed out"),
                )
                if marker in text
            ),
            type(error).__name__,
        )
        return SmrError(
            f"Cannot reach the registry at {self.endpoint} ({reason}; {method} {url}). Is the server running "
            "(`make run`), and are --endpoint / SMR_ENDPOINT right?",
            error_code="CONNECTION_ERROR",
        )

    def request(
        self, method: str, path: str, *, params: Mapping[str, Any] | None = None, body: Any = None, idempotent: bool
    ) -> Any:
        """Send one API call; returns the parsed JSON answer or raises the typed SmrError."""
        url = f"{self.endpoint}{path}"
        query = encode_query(params or {})
        if query:
            url = f"{url}?{query}"
        data = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        base_headers = {"Content-Type": "application/json"} if data else {}
        attempt = 0
        started = time.monotonic()
        while True:
            # Signed afresh for each attempt: X-Amz-Date must stay within the server's clock-skew window.
            headers = self._signed_headers(method, url, data, dict(base_headers))
            try:
                response = self.session.request(method, url, data=data or None, headers=headers, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as error:
                if _never_connected(error):
                    # Nothing reached a server (most likely none is running): repeat briefly whatever the method
                    # (a restart), then say so, within ~2 s rather than after a full backoff.
                    if time.monotonic() - started < UNREACHABLE_RETRY_BUDGET_S:
                        self._sleep(UNREACHABLE_RETRY_WAIT_S)
                        attempt += 1
                        continue
                elif idempotent and attempt < self.retry.max_retries:
                    self._sleep(self.retry.backoff(attempt))
                    attempt += 1
                    continue
                raise self._unreachable(method, url, error) from error
            status = response.status_code
            retryable = status in ALWAYS_RETRIED or (idempotent and status in RETRIED_WHEN_IDEMPOTENT)
            if retryable and attempt < self.retry.max_retries:
                wait = retry_after_seconds(response.headers.get("Retry-After"))
                self._sleep(min(wait, MAX_RETRY_AFTER_S) if wait is not None else self.retry.backoff(attempt))
                attempt += 1
                continue
            try:
                parsed = response.json() if response.content else {}
            except ValueError:
                parsed = None
            if 200 <= status < 300:
                return parsed if parsed is not None else {}
            raise error_from_response(status, parsed, response.text[:500])
