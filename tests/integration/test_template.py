"""template.yaml keeps the contract of docs/design.md: one function and route per operation, IAM auth, least
privilege, and a table and bucket built as designed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from scripts.check_template import dependency_graph, find_cycles, load_sam_template, transform
from tests.support.template import (
    BUCKET_TYPE,
    FUNCTION_TYPE,
    HTTP_API_TYPE,
    REPO_ROOT,
    TABLE_TYPE,
    StackContext,
    bucket_name,
    create_bucket,
    create_table,
    function_environment,
    function_settings,
    function_statements,
    http_routes,
    policy_actions,
    resources_of_type,
    single_resource,
    stack_template,
)

API_PREFIX = "/api/2.0/mlflow/"
EXTENSION_PREFIX = "/api/2.0/smr/"
READ_ACTIONS = {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"}
WRITE_ACTIONS = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"}
BATCH_WRITE = "dynamodb:BatchWriteItem"
O_VERSIONS_OPERATIONS = {"rename_registered_model", "delete_registered_model"}
# Issue 3's functions: the extension API (route) and the two queue consumers (None), with their S3 and SQS rights.
ARTIFACT_FUNCTIONS: dict[str, tuple[tuple[str, str] | None, set[str]]] = {
    "CreateUploadFunction": (("POST", "uploads/create"), {"s3:PutObject"}),
    "CompleteUploadFunction": (("POST", "uploads/complete"), {"s3:PutObject", "s3:GetObject", "sqs:SendMessage"}),
    "GetModelVersionDownloadUrlsFunction": (("GET", "model-versions/download-urls"), {"s3:GetObject"}),
    "GetUploadFunction": (("GET", "uploads/get"), set()),
    "ListUploadsFunction": (("GET", "uploads/list"), set()),
    "RegisterUploadsFunction": (None, {"s3:GetObject", "sqs:SendMessage"}),
    "CopyModelVersionArtifactsFunction": (None, {"s3:GetObject", "s3:ListBucket", "s3:PutObject"}),
}
READ_ONLY_ARTIFACT_FUNCTIONS = {"GetModelVersionDownloadUrlsFunction", "GetUploadFunction", "ListUploadsFunction"}


# Writes that may put many items at once: the two O(versions) registry operations and log-batch's metric points.
BATCH_WRITE_OPERATIONS = O_VERSIONS_OPERATIONS | {"log_batch"}


def _design_operations(
    heading: str = "## Operations", prefix: str = API_PREFIX, document: str = "design.md"
) -> list[tuple[str, tuple[str, ...], str, str]]:
    """(operation, methods, path, kind) for every row of one of the design documents' operations tables."""
    text = (REPO_ROOT / "docs" / document).read_text(encoding="utf-8")
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not re.fullmatch(r"[a-z_]+", cells[0]):
            continue
        operation, methods, path, kind = cells
        rows.append((operation, tuple(m.strip() for m in methods.split("+")), prefix + path, kind.split()[0]))
    return rows


MLFLOW_OPERATIONS = _design_operations()
# smr's own operations (/api/2.0/smr/...): the same rules hold for them.
EXTENSION_OPERATIONS = _design_operations("## Extension operations", "/api/2.0/smr/")
GOVERNANCE_OPERATIONS = _design_operations("## Governance operations", EXTENSION_PREFIX) + _design_operations(
    "## Webhook operations", API_PREFIX
)
# The MLflow tracking operations that log_model needs (docs/tracking.md).
TRACKING_OPERATIONS = _design_operations(document="tracking.md")
OPERATIONS = MLFLOW_OPERATIONS + EXTENSION_OPERATIONS + GOVERNANCE_OPERATIONS + TRACKING_OPERATIONS
ROUTE_COUNT = sum(len(methods) for _, methods, _, _ in OPERATIONS)
# Functions fed by a stream or a queue rather than a route (docs/design.md, after the webhook operations).
EVENT_FUNCTIONS = {"PublishRegistryEventsFunction", "DeliverWebhooksFunction"}
# The browser console's files (issue 13): the only routes without IAM, on a function with no right on any data.
CONSOLE_FUNCTION = "ServeConsoleFunction"
CONSOLE_ROUTES = {("GET", "/"), ("GET", "/console/{proxy+}")}
HTTP_FUNCTIONS = sorted(set(resources_of_type(stack_template(), FUNCTION_TYPE)) - EVENT_FUNCTIONS)
READ_OPERATIONS = [operation for operation, _, _, kind in OPERATIONS if kind == "read"]
WRITE_OPERATIONS = [operation for operation, _, _, kind in OPERATIONS if kind == "write"]
# Operations that touch nothing of the stack (the OpenAPI document): no policy at all.
RIGHTLESS_OPERATIONS = [operation for operation, _, _, kind in OPERATIONS if kind == "none"]


def _function_id(operation: str) -> str:
    return "".join(part.capitalize() for part in operation.split("_")) + "Function"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_the_design_tables_list_every_operation() -> None:
    assert len(MLFLOW_OPERATIONS) == 21
    assert len(TRACKING_OPERATIONS) == 26
    assert len(EXTENSION_OPERATIONS) >= 4
    assert len(GOVERNANCE_OPERATIONS) == 14
    assert len(READ_OPERATIONS) + len(WRITE_OPERATIONS) + len(RIGHTLESS_OPERATIONS) == len(OPERATIONS)


def test_every_operation_has_exactly_its_function_and_nothing_else_is_a_function() -> None:
    functions = resources_of_type(stack_template(), FUNCTION_TYPE)
    assert set(functions) == {_function_id(operation) for operation, _, _, _ in OPERATIONS} | set(
        ARTIFACT_FUNCTIONS
    ) | EVENT_FUNCTIONS | {CONSOLE_FUNCTION}


@pytest.mark.parametrize("function_id", sorted(ARTIFACT_FUNCTIONS))
def test_artifact_functions_have_their_route_or_queue_and_only_their_rights(function_id: str) -> None:
    template = stack_template()
    route, extra_actions = ARTIFACT_FUNCTIONS[function_id]
    routes = {(r.method, r.path) for r in http_routes(template) if r.function_id == function_id}
    if route is None:
        (event,) = template["Resources"][function_id]["Properties"]["Events"].values()
        assert event["Type"] == "SQS"
        assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert routes == set()
    else:
        assert routes == {(route[0], EXTENSION_PREFIX + route[1])}
    table_actions = READ_ACTIONS if function_id in READ_ONLY_ARTIFACT_FUNCTIONS else READ_ACTIONS | WRITE_ACTIONS
    assert policy_actions(template, function_id) == table_actions | extra_actions


def test_the_queues_are_encrypted_and_drain_into_dead_letter_queues() -> None:
    template = stack_template()
    queues = resources_of_type(template, "AWS::SQS::Queue")
    assert {"CopyQueue", "CopyDeadLetterQueue", "UploadEventsQueue", "UploadEventsDeadLetterQueue"} <= set(queues)
    for queue_id, queue in queues.items():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True, queue_id
    for queue_id in ("CopyQueue", "UploadEventsQueue"):
        redrive = queues[queue_id]["Properties"]["RedrivePolicy"]
        assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": [queue_id.replace("Queue", "DeadLetterQueue"), "Arn"]}
        assert redrive["maxReceiveCount"] == 5


def test_the_bucket_notifies_the_upload_queue_of_completed_uploads_only() -> None:
    _, bucket = single_resource(stack_template(), BUCKET_TYPE)
    rules = [
        (c["Queue"], {r["Name"]: r["Value"] for r in c["Filter"]["S3Key"]["Rules"]})
        for c in bucket["NotificationConfiguration"]["QueueConfigurations"]
    ]
    queue = {"Fn::GetAtt": ["UploadEventsQueue", "Arn"]}
    assert rules == [
        (queue, {"prefix": "incoming/", "suffix": "smr.json"}),
        (queue, {"prefix": "incoming/", "suffix": "MLmodel"}),
    ]


@pytest.mark.parametrize(("operation", "methods", "path", "kind"), OPERATIONS, ids=[row[0] for row in OPERATIONS])
def test_operation_is_served_by_its_function_on_its_routes(
    operation: str, methods: tuple[str, ...], path: str, kind: str
) -> None:
    template = stack_template()
    function_id = _function_id(operation)
    settings = function_settings(template, function_id)
    assert settings.code_uri.rstrip("/") == f"functions/{operation}"
    assert settings.handler == "app.handler"
    routes = {(route.method, route.path) for route in http_routes(template) if route.function_id == function_id}
    assert routes == {(method, path) for method in methods}


def test_no_two_functions_share_a_route() -> None:
    route_keys = [route.route_key for route in http_routes(stack_template())]
    # get_latest_versions answers both POST and GET; plus the five artifact extension routes (issue 3) and the console's
    assert len(route_keys) == len(set(route_keys)) == ROUTE_COUNT + 5 + len(CONSOLE_ROUTES)


def test_every_route_belongs_to_the_one_http_api() -> None:
    template = stack_template()
    (api_id,) = resources_of_type(template, HTTP_API_TYPE)
    for function_id, function in resources_of_type(template, FUNCTION_TYPE).items():
        if function_id in EVENT_FUNCTIONS:
            continue
        for event in function["Properties"]["Events"].values():
            if event["Type"] == "SQS":  # the two queue consumers of issue 3
                assert function_id in ARTIFACT_FUNCTIONS, function_id
                continue
            assert event["Type"] == "HttpApi", function_id
            assert event["Properties"]["ApiId"] == {"Ref": api_id}, function_id
            if function_id == CONSOLE_FUNCTION:
                continue
            # No route may opt out of the default (IAM) authorizer.
            assert "Auth" not in event["Properties"], function_id


def test_the_console_opens_only_its_two_routes_only_when_enabled_and_reaches_no_data() -> None:
    template = stack_template()
    console = template["Resources"][CONSOLE_FUNCTION]
    assert console["Condition"] == "ConsoleEnabled"
    assert template["Parameters"]["EnableConsole"]["Default"] == "false"
    events = console["Properties"]["Events"].values()
    assert {(e["Properties"]["Method"], e["Properties"]["Path"]) for e in events} == CONSOLE_ROUTES
    assert all(e["Properties"]["Auth"] == {"Authorizer": "NONE"} for e in events)
    assert "Policies" not in console["Properties"]
    for logical_id, resource in template["Resources"].items():
        if logical_id.startswith("Console"):
            assert resource["Condition"] == "ConsoleEnabled", logical_id


def test_the_http_api_requires_iam_authorization_and_logs_access() -> None:
    template = stack_template()
    (api,) = resources_of_type(template, HTTP_API_TYPE).values()
    properties = api["Properties"]
    assert properties["Auth"]["DefaultAuthorizer"] == "AWS_IAM"
    assert properties["Auth"].get("EnableIamAuthorizer") is True
    destination = properties["AccessLogSettings"]["DestinationArn"]
    (log_group_id,) = destination["Fn::GetAtt"][:1]
    assert template["Resources"][log_group_id]["Type"] == "AWS::Logs::LogGroup"
    assert "$context.requestId" in properties["AccessLogSettings"]["Format"]


def test_function_globals_match_the_runtime_contract() -> None:
    template = stack_template()
    globals_ = template["Globals"]["Function"]
    assert globals_["Runtime"] == "python3.12"
    assert globals_["Architectures"] == ["arm64"]
    assert globals_["MemorySize"] == 512
    assert globals_["Timeout"] == 10
    assert globals_["Tracing"] == "Active"
    (layer_id,) = resources_of_type(template, "AWS::Serverless::LayerVersion")
    assert globals_["Layers"] == [{"Ref": layer_id}]
    variables = globals_["Environment"]["Variables"]
    table_id, _ = single_resource(template, TABLE_TYPE)
    assert variables["SMR_TABLE_NAME"] == {"Ref": table_id}
    assert variables["POWERTOOLS_SERVICE_NAME"] == "smr"
    assert variables["POWERTOOLS_LOG_LEVEL"] == "INFO"


def test_functions_name_the_bucket_without_referring_to_it() -> None:
    # A Ref/GetAtt to the bucket would close a cycle once the bucket notifies a function.
    # The context knows no physical id for the bucket: a Ref, GetAtt or ${Bucket} would not resolve.
    template = stack_template()
    table_id, _ = single_resource(template, TABLE_TYPE)
    context = StackContext(account_id="111122223333", region="eu-west-1", physical_ids={table_id: "t"})
    assert function_environment(template, context)["SMR_BUCKET_NAME"] == bucket_name(template, context)


def test_only_the_o_versions_operations_get_a_longer_timeout() -> None:
    template = stack_template()
    for operation, _, _, _ in OPERATIONS:
        expected = HTTP_API_FUNCTION_MAX_TIMEOUT_S if operation in O_VERSIONS_OPERATIONS else 10
        assert function_settings(template, _function_id(operation)).timeout_s == expected, operation


# HTTP API ends every integration after 30 s; a function behind a route must end first, so that a request never
# leaves work running after the client was answered (long timeouts are for queue and stream consumers only).
HTTP_API_FUNCTION_MAX_TIMEOUT_S = 29


def test_every_function_behind_a_route_ends_before_http_api_gives_up() -> None:
    template = stack_template()
    routed = [
        logical_id
        for logical_id, resource in resources_of_type(template, "AWS::Serverless::Function").items()
        if any(event.get("Type") == "HttpApi" for event in (resource["Properties"].get("Events") or {}).values())
    ]
    assert len(routed) > 60
    for logical_id in routed:
        assert function_settings(template, logical_id).timeout_s <= HTTP_API_FUNCTION_MAX_TIMEOUT_S, logical_id


def test_the_layer_is_built_from_the_registry_core_directory() -> None:
    template = stack_template()
    (layer,) = resources_of_type(template, "AWS::Serverless::LayerVersion").values()
    assert layer["Properties"]["ContentUri"].rstrip("/") == "layers/registry_core"
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.12"]
    assert layer["Metadata"]["BuildMethod"] == "python3.12"
    assert (REPO_ROOT / "layers" / "registry_core" / "requirements.txt").is_file()


# --- least privilege -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("function_id", sorted(resources_of_type(stack_template(), FUNCTION_TYPE)))
def test_no_function_may_scan_or_use_wildcards(function_id: str) -> None:
    template = stack_template()
    actions = policy_actions(template, function_id)
    assert "dynamodb:Scan" not in actions
    assert not any("*" in action for action in actions), actions
    for statement in function_statements(template, function_id):
        assert statement["Effect"] == "Allow"
        for resource in _as_list(statement["Resource"]):
            assert resource != "*", function_id


@pytest.mark.parametrize("operation", READ_OPERATIONS)
def test_read_functions_only_read(operation: str) -> None:
    assert policy_actions(stack_template(), _function_id(operation)) == READ_ACTIONS


@pytest.mark.parametrize("operation", RIGHTLESS_OPERATIONS)
def test_rightless_functions_have_no_rights(operation: str) -> None:
    assert policy_actions(stack_template(), _function_id(operation)) == set()


@pytest.mark.parametrize("operation", WRITE_OPERATIONS)
def test_write_functions_read_and_write_and_only_three_batch_write(operation: str) -> None:
    expected = READ_ACTIONS | WRITE_ACTIONS
    if operation in BATCH_WRITE_OPERATIONS:
        expected = expected | {BATCH_WRITE}
    if operation == "create_model_version":
        expected = expected | {"sqs:SendMessage"}  # queues the copy-in of an s3:// source
    assert policy_actions(stack_template(), _function_id(operation)) == expected


def test_functions_may_touch_only_the_table_its_indexes_the_bucket_and_the_copy_queue() -> None:
    template = stack_template()
    table_id, _ = single_resource(template, TABLE_TYPE)
    bucket = "arn:${AWS::Partition}:s3:::${ArtifactsBucketPrefix}-${AWS::AccountId}-${AWS::Region}"
    allowed = [
        {"Fn::GetAtt": [table_id, "Arn"]},
        {"Fn::Sub": f"${{{table_id}.Arn}}/index/*"},
        {"Fn::GetAtt": ["CopyQueue", "Arn"]},
        *({"Fn::Sub": bucket + suffix} for suffix in ("", "/*", "/incoming/*", "/models/*")),
    ]
    for function_id in HTTP_FUNCTIONS:
        for statement in function_statements(template, function_id):
            for resource in _as_list(statement["Resource"]):
                assert resource in allowed, (function_id, resource)


def test_only_the_artifact_functions_have_rights_on_the_bucket() -> None:
    template = stack_template()
    for function_id in resources_of_type(template, FUNCTION_TYPE):
        if function_id in ARTIFACT_FUNCTIONS:
            continue
        assert not any(action.startswith("s3:") for action in policy_actions(template, function_id)), function_id


def test_only_the_copier_may_write_under_models() -> None:
    template = stack_template()
    for function_id in resources_of_type(template, FUNCTION_TYPE):
        for statement in function_statements(template, function_id):
            if "s3:PutObject" in _as_list(statement["Action"]):
                resources = [str(resource) for resource in _as_list(statement["Resource"])]
                assert all("/incoming/*" in r for r in resources) or function_id == "CopyModelVersionArtifactsFunction"


# --- the table -----------------------------------------------------------------------------------------------


def test_the_table_is_keyed_and_indexed_as_designed() -> None:
    _, table = single_resource(stack_template(), TABLE_TYPE)
    assert table["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    indexes = {index["IndexName"]: index for index in table["GlobalSecondaryIndexes"]}
    assert set(indexes) == {"gsi1", "gsi2", "gsi3"}
    for name, index in indexes.items():
        assert index["KeySchema"] == [
            {"AttributeName": f"{name}pk", "KeyType": "HASH"},
            {"AttributeName": f"{name}sk", "KeyType": "RANGE"},
        ]
        assert index["Projection"] == {"ProjectionType": "ALL"}
    attributes = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
    assert attributes == {name: "S" for name in ("pk", "sk", *(f"gsi{i}{k}" for i in (1, 2, 3) for k in ("pk", "sk")))}


def test_the_table_is_protected() -> None:
    template = stack_template()
    table_id, table = single_resource(template, TABLE_TYPE)
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["SSESpecification"]["SSEEnabled"] is True
    assert table["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert table["DeletionProtectionEnabled"] is True
    assert template["Resources"][table_id]["DeletionPolicy"] == "Retain"


# --- the bucket ----------------------------------------------------------------------------------------------


def test_the_bucket_is_private_encrypted_versioned_and_tls_only() -> None:
    template = stack_template()
    bucket_id, bucket = single_resource(template, BUCKET_TYPE)
    assert "BucketName" in bucket
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(bucket["PublicAccessBlockConfiguration"]) == 4
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms", "aws:kms:dsse"}
    assert bucket["VersioningConfiguration"]["Status"] == "Enabled"
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    policies = [
        policy["Properties"]
        for policy in resources_of_type(template, "AWS::S3::BucketPolicy").values()
        if policy["Properties"]["Bucket"] == {"Ref": bucket_id}
    ]
    (policy,) = policies
    denials = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
    assert any(s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false" for s in denials)


def test_outputs_give_the_api_url_table_and_bucket() -> None:
    outputs = stack_template()["Outputs"]
    values = repr([output["Value"] for output in outputs.values()])
    table_id, _ = single_resource(stack_template(), TABLE_TYPE)
    bucket_id, _ = single_resource(stack_template(), BUCKET_TYPE)
    (api_id,) = resources_of_type(stack_template(), HTTP_API_TYPE)
    for logical_id in (table_id, bucket_id, api_id):
        assert logical_id in values


def test_every_code_uri_is_a_directory_named_after_its_operation() -> None:
    for route in http_routes(stack_template()):
        assert Path(route.code_uri).name == route.operation
        assert route.code_uri.startswith("functions/")


# --- after the SAM transform ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def transformed() -> dict[str, Any]:
    return transform(load_sam_template(REPO_ROOT / "template.yaml"), "us-east-1")


def test_after_the_transform_every_route_requires_sigv4(transformed: dict[str, Any]) -> None:
    (api,) = [r for r in transformed["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::Api"]
    paths = api["Properties"]["Body"]["paths"]
    operations = [op for path, methods in paths.items() if "Fn::If" not in methods for op in methods.values()]
    assert len(operations) == ROUTE_COUNT + 5
    assert all(operation["security"] == [{"AWS_IAM": []}] for operation in operations)
    # The console's routes exist only with EnableConsole=true (SAM writes them as Fn::If on the condition).
    conditional = {path: methods["Fn::If"] for path, methods in paths.items() if "Fn::If" in methods}
    assert set(conditional) == {path for _, path in CONSOLE_ROUTES}
    assert all(branches[0] == "ConsoleEnabled" for branches in conditional.values())


def test_after_the_transform_the_console_function_may_only_log_and_trace(transformed: dict[str, Any]) -> None:
    role = transformed["Resources"][f"{CONSOLE_FUNCTION}Role"]["Properties"]
    assert "Policies" not in role
    assert sorted(arn.rsplit("/", 1)[1] for arn in role["ManagedPolicyArns"]) == [
        "AWSLambdaBasicExecutionRole",
        "AWSXrayWriteOnlyAccess",
    ]


def test_after_the_transform_there_is_no_dependency_cycle(transformed: dict[str, Any]) -> None:
    assert find_cycles(dependency_graph(transformed)) == []


def test_the_cycle_finder_sees_a_bucket_notifying_a_function_that_names_it() -> None:
    graph = {"Bucket": {"Permission"}, "Permission": {"Function"}, "Function": {"Bucket"}, "Table": set()}
    assert find_cycles(graph) == [["Bucket", "Function", "Permission"]]


# --- built in moto from the template's own definitions -------------------------------------------------------


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for variable in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        yield


def test_the_table_created_from_the_template_has_the_designed_keys_and_indexes(aws: None) -> None:
    client = boto3.client("dynamodb", region_name="us-east-1")
    create_table(client, "smr-template-test")
    table = client.describe_table(TableName="smr-template-test")["Table"]
    assert [(k["AttributeName"], k["KeyType"]) for k in table["KeySchema"]] == [("pk", "HASH"), ("sk", "RANGE")]
    indexes = {
        index["IndexName"]: (
            [(k["AttributeName"], k["KeyType"]) for k in index["KeySchema"]],
            index["Projection"]["ProjectionType"],
        )
        for index in table["GlobalSecondaryIndexes"]
    }
    assert indexes == {f"gsi{i}": ([(f"gsi{i}pk", "HASH"), (f"gsi{i}sk", "RANGE")], "ALL") for i in (1, 2, 3)}
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert table["DeletionProtectionEnabled"] is True
    backups = client.describe_continuous_backups(TableName="smr-template-test")["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"


def test_the_bucket_created_from_the_template_is_private_encrypted_and_versioned(aws: None) -> None:
    client = boto3.client("s3", region_name="us-east-1")
    create_bucket(client, "smr-template-test")
    assert client.get_bucket_versioning(Bucket="smr-template-test")["Status"] == "Enabled"
    block = client.get_public_access_block(Bucket="smr-template-test")["PublicAccessBlockConfiguration"]
    assert set(block.values()) == {True}
    encryption = client.get_bucket_encryption(Bucket="smr-template-test")["ServerSideEncryptionConfiguration"]
    assert encryption["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    ownership = client.get_bucket_ownership_controls(Bucket="smr-template-test")["OwnershipControls"]
    assert ownership["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]


def test_the_bucket_name_resolves_per_account_and_region() -> None:
    name = bucket_name(stack_template(), StackContext(account_id="111122223333", region="eu-west-1"))
    assert name == "smr-artifacts-111122223333-eu-west-1"
    assert re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", name)


def test_function_environment_resolves_against_the_local_stack() -> None:
    template = stack_template()
    table_id, _ = single_resource(template, TABLE_TYPE)
    environment = function_environment(template, StackContext(physical_ids={table_id: "the-table"}))
    assert environment["SMR_TABLE_NAME"] == "the-table"
    assert environment["SMR_BUCKET_NAME"] == "smr-artifacts-123456789012-us-east-1"


# --- governance and events (issue 5) ----------------------------------------------------------------------------


def test_the_outbox_stream_consumer_retries_bisects_and_dead_letters() -> None:
    template = stack_template()
    table_id, _ = single_resource(template, TABLE_TYPE)
    function = template["Resources"]["PublishRegistryEventsFunction"]["Properties"]
    (source,) = function["Events"].values()
    assert source["Type"] == "DynamoDB"
    properties = source["Properties"]
    assert properties["Stream"] == {"Fn::GetAtt": [table_id, "StreamArn"]}
    assert properties["BisectBatchOnFunctionError"] is True
    assert 0 < properties["MaximumRetryAttempts"] <= 100
    assert 1 <= properties["BatchSize"] <= 1000
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    destination = properties["DestinationConfig"]["OnFailure"]
    assert destination["Type"] == "SQS"
    dead_letters = destination["Destination"]["Fn::GetAtt"][0]
    assert template["Resources"][dead_letters]["Type"] == "AWS::SQS::Queue"
    assert '"event"' in properties["FilterCriteria"]["Filters"][0]["Pattern"]
    bus_id = function["Environment"]["Variables"]["SMR_EVENT_BUS_NAME"]["Ref"]
    assert template["Resources"][bus_id]["Type"] == "AWS::Events::EventBus"
    assert policy_actions(template, "PublishRegistryEventsFunction") == {
        "events:PutEvents",
        "dynamodb:Query",
        "sqs:SendMessage",
    }


def test_webhook_deliveries_get_as_many_attempts_as_the_service_counts_then_a_dead_letter_queue() -> None:
    from registry_core.service.webhooks import MAX_DELIVERY_ATTEMPTS

    template = stack_template()
    function = template["Resources"]["DeliverWebhooksFunction"]["Properties"]
    (source,) = function["Events"].values()
    assert source["Type"] == "SQS"
    assert source["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    queue_id = source["Properties"]["Queue"]["Fn::GetAtt"][0]
    queue = template["Resources"][queue_id]["Properties"]
    assert queue["RedrivePolicy"]["maxReceiveCount"] == MAX_DELIVERY_ATTEMPTS
    assert queue["VisibilityTimeout"] >= 6 * function["Timeout"]
    dead_letters = queue["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
    assert template["Resources"][dead_letters]["Type"] == "AWS::SQS::Queue"
    statements = function_statements(template, "DeliverWebhooksFunction")
    table_statement = next(s for s in statements if any(a.startswith("dynamodb:") for a in s["Action"]))
    assert table_statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"] == ["WH#*"]


def test_governance_resources_come_last_under_their_header() -> None:
    text = (REPO_ROOT / "template.yaml").read_text(encoding="utf-8")
    resources = text.split("\nResources:\n", 1)[1].split("\nOutputs:\n", 1)[0]
    header = "# ===== Governance and events (issue 5) ====="
    assert header in resources
    after = resources.split(header, 1)[1]
    for logical_id in ("PublishRegistryEventsFunction", "RegistryEventBus", "CreateWebhookFunction"):
        assert f"\n  {logical_id}:" in after


def test_outbox_and_delivery_log_items_expire_through_the_tables_ttl() -> None:
    _, table = single_resource(stack_template(), TABLE_TYPE)
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
