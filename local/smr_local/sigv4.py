"""What API Gateway's IAM authorization does before a request reaches a function: verify its SigV4 signature.

The signature is recomputed with botocore from the request as received (method, path, query, the headers the client
says it signed, the body's SHA-256) and the secret of the access key it names, at the request's own X-Amz-Date, then
compared in constant time. A request that fails gets a 403 with API Gateway's own bodies (`{"message": ...}`, not
MLflow's error shape: in AWS it never reaches the registry either).

Query strings are canonicalized as AWS does (decoded, re-encoded with %20, sorted). Some clients (the
`requests-auth-aws-sigv4` package that the stock mlflow client uses) sign the query as they sent it instead (`+` for a
space); that form is accepted too. Both forms cover every byte of the query, so neither lets a tampered query through.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SERVICE = "execute-api"
ALGORITHM = "AWS4-HMAC-SHA256"
# API Gateway rejects a signature dated more than five minutes away from its clock.
MAX_CLOCK_SKEW = timedelta(minutes=5)
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"

MISSING_TOKEN = "Missing Authentication Token"
INVALID_KEY = "The security token included in the request is invalid."
SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)

_AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+),\s*SignedHeaders=(?P<signed>[^,\s]+),"
    r"\s*Signature=(?P<signature>[0-9a-f]{64})\s*$"
)


@dataclass(frozen=True)
class LocalCredential:
    """A key pair the local API Gateway knows, and the IAM user it belongs to."""

    access_key: str
    secret_key: str
    user_name: str


class SignatureRejected(Exception):
    """The request is not signed by a known key, or not signed right; `message` is API Gateway's body."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class IncomingRequest:
    method: str
    path: str
    raw_query: str
    headers: Mapping[str, str]  # lower-cased names
    body: bytes


def _aws_canonical_query(raw_query: str) -> str:
    pairs = parse_qsl(raw_query, keep_blank_values=True)
    encoded = sorted((quote(key, safe="-_.~"), quote(value, safe="-_.~")) for key, value in pairs)
    return "&".join(f"{key}={value}" for key, value in encoded)


def _as_sent_canonical_query(raw_query: str) -> str:
    if not raw_query:
        return ""
    return "&".join(sorted(raw_query.split("&")))


def _parse_amz_date(value: str) -> datetime:
    try:
        return datetime.strptime(value, AMZ_DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise SignatureRejected(f"Invalid X-Amz-Date: {value!r}; expected the format {AMZ_DATE_FORMAT}.") from None


def _expected_signature(
    request: IncomingRequest, credential: LocalCredential, region: str, signed: list[str], amz_date: str, query: str
) -> str:
    headers = {name: request.headers.get(name, "") for name in signed}
    url = f"http://{headers.get('host') or 'localhost'}{quote(request.path, safe='/-_.~%')}"
    if query:
        url += f"?{query}"
    aws_request = AWSRequest(method=request.method, url=url, data=request.body, headers=headers)
    aws_request.context["timestamp"] = amz_date
    signer = SigV4Auth(Credentials(credential.access_key, credential.secret_key), SERVICE, region)
    canonical = signer.canonical_request(aws_request)
    return str(signer.signature(signer.string_to_sign(aws_request, canonical), aws_request))


def verify(
    request: IncomingRequest,
    credentials: Mapping[str, LocalCredential],
    region: str,
    now: datetime | None = None,
) -> LocalCredential:
    """The credential that signed `request`, or SignatureRejected with the message API Gateway would give."""
    authorization = request.headers.get("authorization", "")
    if not authorization:
        raise SignatureRejected(MISSING_TOKEN)
    match = _AUTHORIZATION.match(authorization)
    if match is None:
        raise SignatureRejected(
            f"Authorization header requires a {ALGORITHM} signature (Credential, SignedHeaders, Signature)."
        )
    access_key, _, scope = match["credential"].partition("/")
    credential = credentials.get(access_key)
    if credential is None:
        raise SignatureRejected(INVALID_KEY)
    amz_date = request.headers.get("x-amz-date", "")
    if not amz_date:
        raise SignatureRejected("Authorization header requires an X-Amz-Date header.")
    signed_at = _parse_amz_date(amz_date)
    now = now or datetime.now(UTC)
    if abs(now - signed_at) > MAX_CLOCK_SKEW:
        raise SignatureRejected(
            f"Signature expired: {amz_date} is now earlier than {(now - MAX_CLOCK_SKEW).strftime(AMZ_DATE_FORMAT)} "
            f"({now.strftime(AMZ_DATE_FORMAT)} - 5 min.)"
            if signed_at < now
            else f"Signature not yet current: {amz_date} is still later than "
            f"{(now + MAX_CLOCK_SKEW).strftime(AMZ_DATE_FORMAT)} ({now.strftime(AMZ_DATE_FORMAT)} + 5 min.)"
        )
    expected_scope = f"{amz_date[:8]}/{region}/{SERVICE}/aws4_request"
    if scope != expected_scope:
        raise SignatureRejected(
            f"Credential should be scoped to a valid region and service: expected {expected_scope}."
        )
    signed = match["signed"].split(";")
    if "host" not in signed:
        raise SignatureRejected("The Host header must be signed.")
    declared_hash = request.headers.get("x-amz-content-sha256")
    actual_hash = hashlib.sha256(request.body).hexdigest()
    if declared_hash is not None and declared_hash != actual_hash:
        # botocore trusts this header as the body's hash; a tampered body must not get through behind it.
        raise SignatureRejected(SIGNATURE_MISMATCH)
    provided = match["signature"]
    for query in dict.fromkeys((_aws_canonical_query(request.raw_query), _as_sent_canonical_query(request.raw_query))):
        expected = _expected_signature(request, credential, region, signed, amz_date, query)
        if hmac.compare_digest(expected, provided):
            return credential
    raise SignatureRejected(SIGNATURE_MISMATCH)


def parse_credentials(spec: str) -> dict[str, LocalCredential]:
    """`KEY:SECRET:user-name[,KEY:SECRET:user-name...]` (SMR_LOCAL_CREDENTIALS) -> credentials by access key."""
    credentials: dict[str, LocalCredential] = {}
    for entry in filter(None, (part.strip() for part in spec.split(","))):
        fields = entry.split(":")
        if len(fields) != 3 or not all(fields):
            raise ValueError(f"a local credential is KEY:SECRET:user-name, not {entry!r}")
        credentials[fields[0]] = LocalCredential(*fields)
    return credentials
