"""Page tokens for every paged route: opaque to clients, versioned, validated, and bound to the query they page.

A token is URL-safe base64 of a compact JSON object `{"v": TOKEN_VERSION, "q": <query>, "k": <key>, "o": <offset>}`:
- `q` is `query_fingerprint(route, *parameters)`: a hash of the route and of every request parameter that decides
  which items come back and in which order (filter, order, scope; never the page size). A token handed to another
  route, or to the same route with another filter or order, is refused rather than resuming in the wrong place.
- `k` is where to resume (a store's resume key or a sort key), `o` an offset into an ordered window; either may be
  absent.

Every way a token can be wrong (not base64, not JSON, not an object, another version, another query, fields of the
wrong type, longer than MAX_TOKEN_CHARS) is an `InvalidParameterValue` (400), never a 5xx. Tokens are not signed:
a client can build one for its own query, so a store still checks the resume key it is handed (see
`store/items.py: exclusive_start_key`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Final

from registry_core.domain.errors import InvalidParameterValue

__all__ = ["MAX_TOKEN_CHARS", "TOKEN_VERSION", "Cursor", "decode", "encode", "query_fingerprint"]

TOKEN_VERSION: Final = 1
MAX_TOKEN_CHARS: Final = 8192
"""Longest token we decode; ours are a few hundred characters, so anything longer was not issued by us."""
_FINGERPRINT_CHARS: Final = 16
_ANOTHER_QUERY: Final = (
    "The page token belongs to another route, or to a search with another filter or order; start again without it."
)


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: the first page has neither a key nor an offset."""

    key: str | dict[str, Any] | None = None
    offset: int = 0

    def string_key(self) -> str | None:
        """The resume key, which this route issues as a string."""
        if self.key is not None and not isinstance(self.key, str):
            raise InvalidParameterValue(_ANOTHER_QUERY)
        return self.key

    def mapping_key(self) -> dict[str, Any] | None:
        """The resume key, which this route issues as a JSON object (a store's resume key)."""
        if self.key is not None and not isinstance(self.key, dict):
            raise InvalidParameterValue(_ANOTHER_QUERY)
        return self.key


def query_fingerprint(route: str, *parameters: object) -> str:
    """The identity of a paged query: its route and the parameters that choose and order its items."""
    text = json.dumps([route, *parameters], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:_FINGERPRINT_CHARS]


def encode(query: str, *, key: str | dict[str, Any] | None = None, offset: int | None = None) -> str:
    """A token resuming `query` at `key` or at `offset`."""
    payload: dict[str, Any] = {"v": TOKEN_VERSION, "q": query}
    if key is not None:
        payload["k"] = key
    if offset is not None:
        payload["o"] = offset
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()


def decode(token: str | None, query: str) -> Cursor:
    """The cursor in `token` (the first page for None or ""), if it was issued for `query`."""
    if not token:
        return Cursor()
    payload = _payload(token)
    if payload.get("q") != query:
        raise InvalidParameterValue(_ANOTHER_QUERY)
    key = payload.get("k")
    offset = payload.get("o", 0)
    if key is not None and not isinstance(key, str | dict):
        raise InvalidParameterValue(f"Invalid page token: {_shown(token)}.")
    # bool is an int to Python, not an offset to us.
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise InvalidParameterValue(f"Invalid page token: {_shown(token)}.")
    return Cursor(key, offset)


def _payload(token: str) -> dict[str, Any]:
    if len(token) > MAX_TOKEN_CHARS:
        raise InvalidParameterValue(f"Invalid page token: longer than {MAX_TOKEN_CHARS} characters.")
    try:
        payload = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, ValueError, UnicodeError, RecursionError):
        raise InvalidParameterValue(f"Invalid page token: {_shown(token)}.") from None
    if not isinstance(payload, dict) or payload.get("v") != TOKEN_VERSION:
        raise InvalidParameterValue(f"Invalid page token: {_shown(token)}.")
    return payload


def _shown(token: str) -> str:
    return repr(token if len(token) <= 100 else token[:100] + "...")
