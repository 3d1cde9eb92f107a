"""A requests signer built on botocore's SigV4, as API Gateway canonicalizes requests.

requests-auth-aws-sigv4 (what the mlflow client signs with) folds repeated query keys into one before signing, so
API Gateway, which signs them all, refuses such GETs; tests of repeated keys sign with this instead.
"""

from __future__ import annotations

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from requests import PreparedRequest
from requests.auth import AuthBase


class BotocoreSigV4(AuthBase):
    def __init__(self, access_key: str, secret_key: str, region: str, service: str = "execute-api") -> None:
        self._signer = SigV4Auth(Credentials(access_key, secret_key), service, region)

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        body = request.body or b""
        aws_request = AWSRequest(
            method=request.method,
            url=request.url,
            data=body.encode() if isinstance(body, str) else body,
            headers={key: value for key, value in request.headers.items() if key.lower() != "connection"},
        )
        self._signer.add_auth(aws_request)
        request.headers.update(dict(aws_request.headers.items()))
        return request
