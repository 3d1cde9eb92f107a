"""The local server (`make run`): routes from template.yaml, API Gateway v2.0 events, an embedded AWS whose
requests are atomic, and data that survives a restart."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError
from werkzeug.test import Client

from smr_local.aws import SNAPSHOT_HEADER, SerializedWsgiApp
from smr_local.gateway import FunctionLoader, LocalHttpApi, LocalIdentity
from smr_local.template import FunctionSettings, Route
from tests.support.server import REQUIRED_EXPORTS, LocalServer, run_local_server
from tests.support.template import REPO_ROOT, http_routes, stack_template

API = "/api/2.0/mlflow"


def _client(server: LocalServer, service: str) -> Any:
    """A boto3 client configured only from what the server printed."""
    return boto3.session.Session().client(
        service,  # type: ignore[call-overload]
        endpoint_url=server.env["MLFLOW_S3_ENDPOINT_URL"],
        region_name=server.env["AWS_DEFAULT_REGION"],
        aws_access_key_id=server.env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=server.env["AWS_SECRET_ACCESS_KEY"],
        config=Config(retries={"max_attempts": 1}, max_pool_connections=32),
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    with run_local_server(tmp_path_factory.mktemp("smr-data")) as running:
        yield running


# --- routing -------------------------------------------------------------------------------------------------


def test_an_unknown_path_is_a_404_in_mlflow_error_shape(server: LocalServer) -> None:
    response = requests.get(f"{server.url}{API}/no-such-thing", timeout=10)
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["error_code"] == "ENDPOINT_NOT_FOUND"
    assert "/no-such-thing" in body["message"]


def test_a_known_path_with_the_wrong_method_is_a_405_in_mlflow_error_shape(server: LocalServer) -> None:
    response = requests.put(f"{server.url}{API}/registered-models/create", json={}, timeout=10)
    assert response.status_code == 405
    assert response.json()["error_code"] == "ENDPOINT_NOT_FOUND"
    assert response.headers["Allow"] == "POST"


def test_a_path_shared_by_several_methods_allows_them_all(server: LocalServer) -> None:
    response = requests.put(f"{server.url}{API}/registered-models/alias", json={}, timeout=10)
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"DELETE", "GET", "POST"}


# --- what it prints ------------------------------------------------------------------------------------------


def test_it_prints_the_exports_a_client_needs_on_stdout(server: LocalServer) -> None:
    exported = [line.strip() for line in server.stdout if line.startswith("export ")]
    names = {line.removeprefix("export ").partition("=")[0] for line in exported}
    assert set(REQUIRED_EXPORTS) <= names
    assert server.env["MLFLOW_REGISTRY_URI"] == server.env["MLFLOW_TRACKING_URI"] == server.url
    assert server.env["MLFLOW_REGISTRY_URI"].startswith("http://127.0.0.1:")
    assert server.env["MLFLOW_S3_ENDPOINT_URL"] == server.aws_url != server.url
    assert server.env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert not any(line.startswith("export ") for line in server.stderr)


def test_the_embedded_dynamodb_and_s3_answer_with_the_printed_credentials(server: LocalServer) -> None:
    dynamodb = _client(server, "dynamodb")
    table = dynamodb.describe_table(TableName=server.env["SMR_TABLE"])["Table"]
    assert [key["AttributeName"] for key in table["KeySchema"]] == ["pk", "sk"]
    assert {index["IndexName"] for index in table["GlobalSecondaryIndexes"]} == {"gsi1", "gsi2", "gsi3"}
    s3 = _client(server, "s3")
    bucket = server.env["SMR_BUCKET"]
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    s3.put_object(Bucket=bucket, Key="reachability/probe.txt", Body=b"probe")
    assert s3.get_object(Bucket=bucket, Key="reachability/probe.txt")["Body"].read() == b"probe"


def test_concurrent_conditional_writes_to_one_key_let_exactly_one_win(server: LocalServer) -> None:
    # Without the server's lock, moto checks and writes in separate steps and several of these would succeed.
    dynamodb = _client(server, "dynamodb")
    table = server.env["SMR_TABLE"]
    contenders = 20
    start = threading.Barrier(contenders)
    outcomes: list[str] = []
    outcomes_lock = threading.Lock()

    def contend(number: int) -> None:
        start.wait()
        try:
            dynamodb.put_item(
                TableName=table,
                Item={"pk": {"S": "M#race"}, "sk": {"S": "#MODEL"}, "winner": {"N": str(number)}},
                ConditionExpression="attribute_not_exists(pk)",
            )
            outcome = "won"
        except ClientError as error:
            outcome = error.response["Error"]["Code"]
        with outcomes_lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=contend, args=(number,)) for number in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["ConditionalCheckFailedException"] * (contenders - 1) + ["won"]


class RacyCounter:
    """A WSGI app that reads, yields the GIL, then writes: concurrent requests lose updates unless serialized."""

    def __init__(self) -> None:
        self.count = 0
        self.inside = 0
        self.most_inside = 0
        self.entered: list[str] = []

    def __call__(self, environ: Any, start_response: Any) -> list[bytes]:
        self.entered.append(environ.get("PATH_INFO", ""))
        self.inside += 1
        self.most_inside = max(self.most_inside, self.inside)
        seen = self.count
        time.sleep(0.001)
        self.count = seen + 1
        self.inside -= 1
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]


def test_the_aws_lock_serializes_every_request() -> None:
    racy = RacyCounter()
    app = SerializedWsgiApp(racy)
    contenders = 20
    start = threading.Barrier(contenders)

    def request() -> None:
        start.wait()
        Client(app).post("/", data=b"x")

    threads = [threading.Thread(target=request) for _ in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert racy.count == contenders
    assert racy.most_inside == 1
    assert app.generation == contenders  # every POST may have changed state


def test_a_snapshot_holds_everyone_else_back_but_serves_its_own_requests() -> None:
    racy = RacyCounter()
    app = SerializedWsgiApp(racy)
    with app.exclusive() as token:
        outsider = threading.Thread(target=lambda: Client(app).get("/outsider"))
        outsider.start()
        Client(app).get("/snapshot", headers={SNAPSHOT_HEADER: token})
        Client(app).get("/snapshot-again", headers={SNAPSHOT_HEADER: token})
    outsider.join(timeout=60)
    assert racy.entered == ["/snapshot", "/snapshot-again", "/outsider"]
    assert app.generation == 0  # reads change nothing


# --- persistence ---------------------------------------------------------------------------------------------


def _put_sample_data(server: LocalServer, tag: str) -> None:
    _client(server, "dynamodb").put_item(
        TableName=server.env["SMR_TABLE"],
        Item={
            "pk": {"S": f"M#{tag}"},
            "sk": {"S": "#MODEL"},
            "tags": {"M": {"team": {"S": "risk"}}},
            "blob": {"B": b"\x00\xffbinary"},
            "rev": {"N": "3"},
        },
    )
    _client(server, "s3").put_object(
        Bucket=server.env["SMR_BUCKET"],
        Key=f"{tag}/model.pkl",
        Body=b"\x80\x04model bytes" * 1000,
        ContentType="application/octet-stream",
        Metadata={"run-id": "r1"},
    )


def _assert_sample_data(server: LocalServer, tag: str) -> None:
    item = _client(server, "dynamodb").get_item(
        TableName=server.env["SMR_TABLE"], Key={"pk": {"S": f"M#{tag}"}, "sk": {"S": "#MODEL"}}
    )["Item"]
    assert item["tags"] == {"M": {"team": {"S": "risk"}}}
    assert item["blob"] == {"B": b"\x00\xffbinary"}
    assert item["rev"] == {"N": "3"}
    s3_object = _client(server, "s3").get_object(Bucket=server.env["SMR_BUCKET"], Key=f"{tag}/model.pkl")
    assert s3_object["Body"].read() == b"\x80\x04model bytes" * 1000
    assert s3_object["Metadata"] == {"run-id": "r1"}
    assert s3_object["ContentType"] == "application/octet-stream"


def test_data_survives_a_clean_restart_with_the_same_data_dir(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with run_local_server(data_dir) as first:
        _put_sample_data(first, "restart")
    # run_local_server stopped it with SIGTERM and checked it exited 0.
    with run_local_server(data_dir) as second:
        _assert_sample_data(second, "restart")


def test_deleted_objects_stay_deleted_after_a_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with run_local_server(data_dir) as first:
        s3 = _client(first, "s3")
        s3.put_object(Bucket=first.env["SMR_BUCKET"], Key="gone.txt", Body=b"x")
        s3.put_object(Bucket=first.env["SMR_BUCKET"], Key="kept.txt", Body=b"y")
        s3.delete_object(Bucket=first.env["SMR_BUCKET"], Key="gone.txt")
    with run_local_server(data_dir) as second:
        listing = _client(second, "s3").list_objects_v2(Bucket=second.env["SMR_BUCKET"])
        assert [entry["Key"] for entry in listing.get("Contents", [])] == ["kept.txt"]


# --- a real route, through the lead's handlers -----------------------------------------------------------------


def test_a_registered_model_created_over_http_reads_back(server: LocalServer) -> None:
    created = requests.post(
        f"{server.url}{API}/registered-models/create",
        json={"name": "smoke-model", "description": "made by the local server test"},
        auth=server.auth(),
        timeout=30,
    )
    assert created.status_code == 200, created.text
    fetched = requests.get(
        f"{server.url}{API}/registered-models/get", params={"name": "smoke-model"}, auth=server.auth(), timeout=30
    )
    assert fetched.status_code == 200, fetched.text
    model = fetched.json()["registered_model"]
    assert model["name"] == "smoke-model"
    assert model["description"] == "made by the local server test"


# --- the gateway, in process, with stand-in handlers -----------------------------------------------------------

ECHO_HANDLER = """
import base64
import json


def handler(event, context):
    if event.get("rawQueryString") == "fail=1":
        raise RuntimeError("deliberate failure")
    if event.get("rawQueryString") == "binary=1":
        return {"statusCode": 201, "headers": {"Content-Type": "application/octet-stream", "X-Echo": "yes"},
                "body": base64.b64encode(b"\\x00\\xff").decode(), "isBase64Encoded": True}
    if event.get("rawQueryString") == "bare=1":
        return {"just": "a dict"}
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({
            "event": event,
            "context": {
                "function_name": context.function_name,
                "memory_limit_in_mb": context.memory_limit_in_mb,
                "invoked_function_arn": context.invoked_function_arn,
                "aws_request_id": context.aws_request_id,
                "remaining_ms": context.get_remaining_time_in_millis(),
            },
        }),
    }
"""


@pytest.fixture
def gateway(tmp_path: Path) -> Client:
    (tmp_path / "functions" / "echo").mkdir(parents=True)
    (tmp_path / "functions" / "echo" / "app.py").write_text(ECHO_HANDLER)
    routes = [
        Route("POST", "/echo", "EchoFunction", "functions/echo/", "app.handler"),
        Route("GET", "/echo", "EchoFunction", "functions/echo/", "app.handler"),
        Route("GET", "/missing", "MissingFunction", "functions/missing/", "app.handler"),
    ]
    functions = {
        "EchoFunction": FunctionSettings("EchoFunction", "functions/echo/", "app.handler", 512, 10, {}),
        "MissingFunction": FunctionSettings("MissingFunction", "functions/missing/", "app.handler", 512, 10, {}),
    }
    return Client(LocalHttpApi(routes, functions, FunctionLoader(tmp_path)))


def _echo(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.get_data(as_text=True)
    echoed: dict[str, Any] = json.loads(response.get_data(as_text=True))
    return echoed


def test_a_request_becomes_an_http_api_v2_event(gateway: Client) -> None:
    response = gateway.post(
        "/echo?a=1&b=two%20words&a=3",
        data=json.dumps({"name": "m"}),
        headers={"Content-Type": "application/json", "X-Custom": "v", "User-Agent": "test-agent"},
    )
    echoed = _echo(response)
    event = echoed["event"]
    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /echo"
    assert event["rawPath"] == "/echo"
    assert event["rawQueryString"] == "a=1&b=two%20words&a=3"
    assert event["queryStringParameters"] == {"a": "1,3", "b": "two words"}
    assert event["headers"]["content-type"] == "application/json"
    assert event["headers"]["x-custom"] == "v"
    assert all(name == name.lower() for name in event["headers"])
    assert event["body"] == '{"name": "m"}'
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["http"]["method"] == "POST"
    assert context["http"]["path"] == "/echo"
    assert context["http"]["userAgent"] == "test-agent"
    assert context["http"]["sourceIp"]
    assert context["routeKey"] == "POST /echo"
    assert context["stage"] == "$default"
    assert context["requestId"]
    assert isinstance(context["timeEpoch"], int)
    assert context["time"].endswith("+0000")
    iam = context["authorizer"]["iam"]
    identity = LocalIdentity()
    assert iam["userArn"] == identity.user_arn
    assert iam["accountId"] == identity.account_id
    assert iam["principalOrgId"] is None
    assert iam["cognitoIdentity"] is None
    assert {"accessKey", "callerId", "userId"} <= set(iam)


def test_the_handler_gets_a_lambda_context(gateway: Client) -> None:
    context = _echo(gateway.get("/echo"))["context"]
    assert context["function_name"].endswith("EchoFunction")
    assert context["memory_limit_in_mb"] == 512
    assert context["invoked_function_arn"].startswith("arn:aws:lambda:us-east-1:")
    assert context["aws_request_id"]
    assert 0 < context["remaining_ms"] <= 10_000


def test_a_request_without_query_or_body_has_neither_in_its_event(gateway: Client) -> None:
    event = _echo(gateway.get("/echo"))["event"]
    assert "queryStringParameters" not in event
    assert "body" not in event
    assert event["rawQueryString"] == ""


def test_a_binary_body_is_base64_encoded(gateway: Client) -> None:
    event = _echo(gateway.post("/echo", data=b"\x00\xff\xfe", content_type="application/octet-stream"))["event"]
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x00\xff\xfe"


def test_the_handler_response_becomes_the_http_response(gateway: Client) -> None:
    response = gateway.get("/echo?binary=1")
    assert response.status_code == 201
    assert response.headers["X-Echo"] == "yes"
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.get_data() == b"\x00\xff"


def test_a_bare_return_value_is_a_200_json_body(gateway: Client) -> None:
    response = gateway.get("/echo?bare=1")
    assert response.status_code == 200
    assert response.get_json() == {"just": "a dict"}


def test_a_handler_that_raises_gives_a_500_in_mlflow_error_shape(gateway: Client) -> None:
    response = gateway.get("/echo?fail=1")
    assert response.status_code == 500
    assert response.get_json()["error_code"] == "INTERNAL_ERROR"


def test_a_function_without_code_gives_a_500_not_a_crash(gateway: Client) -> None:
    response = gateway.get("/missing")
    assert response.status_code == 500
    assert response.get_json()["error_code"] == "INTERNAL_ERROR"


def test_the_server_serves_every_route_of_the_template() -> None:
    # The server reads its routes from template.yaml; every one of them points at a function directory.
    for route in http_routes(stack_template()):
        assert (REPO_ROOT / route.code_uri).is_dir(), route.code_uri


def test_the_local_health_view_is_for_loopback_clients_only() -> None:
    from smr_local.health import HEALTH_PATH, LocalHealthView

    view = LocalHealthView(lambda environ, start_response: [], {"journal": lambda: {"segments": 1}})

    local = Client(view).get(HEALTH_PATH, environ_overrides={"REMOTE_ADDR": "127.0.0.1"})
    remote = Client(view).get(HEALTH_PATH, environ_overrides={"REMOTE_ADDR": "192.168.1.20"})

    assert (local.status_code, local.json) == (200, {"journal": {"segments": 1}})
    assert (remote.status_code, remote.json["error_code"]) == (403, "PERMISSION_DENIED")  # type: ignore[index]
