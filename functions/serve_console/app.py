"""GET / and GET /console/{proxy+}: the browser console's static files and its sign-in settings, nothing else.

The only routes of the API without IAM authorization (a browser must load the page before anyone signs in), so this
function holds no right on the table, the bucket or anything else: it answers with the files packaged beside it and
`/console/session`, the Cognito ids the page signs in with (identifiers, not secrets). Every registry call the page
makes is SigV4-signed with the temporary credentials of the signed-in user's role, and checked as any other.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
SESSION_PATH = "console/session"


class ConsoleSettings(BaseModel):
    region: str
    user_pool_id: str
    user_pool_client_id: str
    identity_pool_id: str


@lru_cache(maxsize=1)
def settings() -> ConsoleSettings:
    """Read once per container, from the stack's environment."""
    return ConsoleSettings(
        region=os.environ.get("AWS_REGION", "us-east-1"),
        user_pool_id=os.environ.get("SMR_CONSOLE_USER_POOL_ID", ""),
        user_pool_client_id=os.environ.get("SMR_CONSOLE_USER_POOL_CLIENT_ID", ""),
        identity_pool_id=os.environ.get("SMR_CONSOLE_IDENTITY_POOL_ID", ""),
    )


def security_headers(region: str) -> dict[str, str]:
    cognito = f"https://cognito-idp.{region}.amazonaws.com https://cognito-identity.{region}.amazonaws.com"
    return {
        "Content-Security-Policy": (
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src 'self' {cognito}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        ),
        "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
    }


def static_file(relative: str) -> tuple[bytes, str] | None:
    """A packaged file and its content type; None for anything outside static/, hidden, or of another type."""
    candidate = (STATIC_DIR / (relative or "index.html")).resolve()
    if not candidate.is_relative_to(STATIC_DIR) or candidate.suffix not in STATIC_TYPES:
        return None
    if any(part.startswith(".") for part in candidate.relative_to(STATIC_DIR).parts) or not candidate.is_file():
        return None
    return candidate.read_bytes(), f"{STATIC_TYPES[candidate.suffix]}; charset=utf-8"


def handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    config = settings()
    headers = security_headers(config.region)
    relative = str((event.get("pathParameters") or {}).get("proxy", ""))
    if event.get("rawPath") == f"/{SESSION_PATH}":
        body = json.dumps({"mode": "cognito", **config.model_dump()})
        headers |= {"Content-Type": "application/json", "Cache-Control": "no-store"}
        return {"statusCode": 200, "headers": headers, "body": body}
    found = static_file(relative)
    if found is None:
        return {"statusCode": 404, "headers": headers | {"Content-Type": "text/plain"}, "body": "Not found.\n"}
    content, content_type = found
    # Revalidated on every load (a deploy shows at once), answered 304 when unchanged.
    etag = f'"{hashlib.sha256(content).hexdigest()[:32]}"'
    headers |= {"Content-Type": content_type, "Cache-Control": "no-cache", "ETag": etag}
    if (event.get("headers") or {}).get("if-none-match") == etag:
        return {"statusCode": 304, "headers": headers, "body": ""}
    return {"statusCode": 200, "headers": headers, "body": content.decode("utf-8")}
