"""The SDK against a real local server, every request signed; principals beyond the default come from
SMR_LOCAL_CREDENTIALS. Upload and download go through tests/support's stand-in for the artifacts endpoints."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from botocore.credentials import Credentials

from smr import SmrClient
from smr.transport import RetryPolicy, Transport
from smr_local import sigv4
from tests.support.artifacts_stub import ArtifactsStub, run_artifacts_stub
from tests.support.server import LocalServer, run_local_server

READER = sigv4.LocalCredential("AKIDSMRREADER", "reader-secret", "reader")
WRITER = sigv4.LocalCredential("AKIDSMRWRITER", "writer-secret", "writer")
ADMIN = sigv4.LocalCredential("AKIDSMRADMIN", "admin-secret", "admin")
ACCOUNT = "123456789012"


def arn(credential: sigv4.LocalCredential) -> str:
    return f"arn:aws:iam::{ACCOUNT}:user/{credential.user_name}"


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    extra = ",".join(f"{c.access_key}:{c.secret_key}:{c.user_name}" for c in (READER, WRITER, ADMIN))
    with run_local_server(
        tmp_path_factory.mktemp("smr-sdk"),
        extra_env={"SMR_LOCAL_CREDENTIALS": extra, "SMR_ADMIN_PRINCIPALS": arn(ADMIN)},
    ) as running:
        yield running


def make_client(url: str, access_key: str = "testing", secret_key: str = "testing") -> SmrClient:
    transport = Transport(
        url,
        region="us-east-1",
        credentials=Credentials(access_key, secret_key),
        retry=RetryPolicy(max_retries=3, base_s=0.01, cap_s=0.05),
    )
    return SmrClient(transport=transport)


@pytest.fixture(scope="session")
def client(server: LocalServer) -> SmrClient:
    return make_client(server.url)


@pytest.fixture(scope="session")
def reader(server: LocalServer) -> SmrClient:
    return make_client(server.url, READER.access_key, READER.secret_key)


@pytest.fixture(scope="session")
def writer(server: LocalServer) -> SmrClient:
    return make_client(server.url, WRITER.access_key, WRITER.secret_key)


@pytest.fixture(scope="session")
def admin(server: LocalServer) -> SmrClient:
    return make_client(server.url, ADMIN.access_key, ADMIN.secret_key)


@pytest.fixture(scope="session")
def stub(server: LocalServer) -> Iterator[ArtifactsStub]:
    default = sigv4.LocalCredential("testing", "testing", "smr-local")
    with run_artifacts_stub(server.url, {default.access_key: default}) as running:
        yield running


@pytest.fixture
def stub_client(stub: ArtifactsStub) -> SmrClient:
    return make_client(stub.url)


@pytest.fixture
def model_name() -> str:
    return f"m-{uuid.uuid4().hex[:10]}"
