"""The deployed console's function (GET / and GET /console/{proxy+}, no IAM): files and sign-in ids, nothing else."""

from __future__ import annotations

import json
import re
from types import ModuleType

import pytest

from smr_local.console import load_console_function


@pytest.fixture
def console(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("SMR_CONSOLE_USER_POOL_ID", "eu-west-1_Abc")
    monkeypatch.setenv("SMR_CONSOLE_USER_POOL_CLIENT_ID", "client123")
    monkeypatch.setenv("SMR_CONSOLE_IDENTITY_POOL_ID", "eu-west-1:pool")
    return load_console_function()


def test_the_session_route_gives_the_page_its_cognito_ids_and_no_secret(console: ModuleType) -> None:
    response = console.handler({"rawPath": "/console/session", "pathParameters": {"proxy": "session"}}, None)
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {
        "mode": "cognito",
        "region": "eu-west-1",
        "user_pool_id": "eu-west-1_Abc",
        "user_pool_client_id": "client123",
        "identity_pool_id": "eu-west-1:pool",
    }


def test_the_page_may_talk_only_to_itself_and_its_regions_cognito(console: ModuleType) -> None:
    response = console.handler({"rawPath": "/", "pathParameters": {}}, None)
    assert response["statusCode"] == 200 and "<title>smr console</title>" in response["body"]
    policy = response["headers"]["Content-Security-Policy"]
    connect = next(part for part in policy.split(";") if part.strip().startswith("connect-src")).split()[1:]
    assert connect == [
        "'self'",
        "https://cognito-idp.eu-west-1.amazonaws.com",
        "https://cognito-identity.eu-west-1.amazonaws.com",
    ]
    assert "script-src 'self';" in policy and "unsafe" not in policy


@pytest.mark.parametrize("proxy", ["../app.py", "js/../../app.py", "js/nothing.js", "app.py", "index.html/.."])
def test_nothing_outside_the_static_files_is_served(console: ModuleType, proxy: str) -> None:
    response = console.handler({"rawPath": f"/console/{proxy}", "pathParameters": {"proxy": proxy}}, None)
    assert response["statusCode"] == 404


def test_an_unchanged_file_is_answered_304(console: ModuleType) -> None:
    first = console.handler({"rawPath": "/console/app.css", "pathParameters": {"proxy": "app.css"}}, None)
    etag = first["headers"]["ETag"]
    again = {"rawPath": "/console/app.css", "pathParameters": {"proxy": "app.css"}, "headers": {"if-none-match": etag}}
    assert console.handler(again, None)["statusCode"] == 304


def test_the_page_preloads_every_module_it_ships(console: ModuleType) -> None:
    page = console.handler({"rawPath": "/", "pathParameters": {}}, None)["body"]
    static = console.STATIC_DIR
    modules = {f"/console/{path.relative_to(static).as_posix()}" for path in static.rglob("*.js")}
    preloaded = set(re.findall(r'<link rel="modulepreload" href="([^"]+)">', page))
    assert preloaded == modules - {"/console/js/main.js"}
