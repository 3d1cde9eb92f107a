"""template.yaml as data: the one description of the stack that the local server and the tests both read.

The table, the bucket and the routes are built from the template's own resource definitions, so what runs
locally and in the tests cannot drift from what is deployed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client

LOGGER = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = REPO_ROOT / "template.yaml"

FUNCTION_TYPE = "AWS::Serverless::Function"
HTTP_API_TYPE = "AWS::Serverless::HttpApi"
TABLE_TYPE = "AWS::DynamoDB::Table"
BUCKET_TYPE = "AWS::S3::Bucket"

Template = dict[str, Any]


class UnresolvableError(ValueError):
    """An intrinsic function that the local resolver cannot evaluate."""


class CloudFormationLoader(yaml.SafeLoader):
    """A SafeLoader that turns CloudFormation's short-form tags (!Ref, !Sub, !GetAtt, ...) into their long form."""


def _construct_intrinsic(loader: CloudFormationLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:  # pragma: no cover - yaml has no other node kinds
        raise yaml.constructor.ConstructorError(None, None, f"unexpected node for !{tag_suffix}", node.start_mark)
    if tag_suffix == "Ref":
        return {"Ref": value}
    if tag_suffix == "Condition":
        return {"Condition": value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        # The short form is "Resource.Attribute"; the attribute itself may contain dots.
        resource, _, attribute = value.partition(".")
        return {"Fn::GetAtt": [resource, attribute]}
    return {f"Fn::{tag_suffix}": value}


CloudFormationLoader.add_multi_constructor("!", _construct_intrinsic)


def load_template(path: Path = TEMPLATE_PATH) -> Template:
    """Read a CloudFormation/SAM YAML template, with its intrinsic functions in their long form."""
    with path.open(encoding="utf-8") as stream:
        template = yaml.load(stream, Loader=CloudFormationLoader)  # a SafeLoader subclass: no arbitrary objects
    if not isinstance(template, dict) or "Resources" not in template:
        raise ValueError(f"{path} is not a CloudFormation template")
    return template


def resources_of_type(template: Template, resource_type: str) -> dict[str, dict[str, Any]]:
    """The resources of one type, by logical id, in template order."""
    return {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if resource.get("Type") == resource_type
    }


def single_resource(template: Template, resource_type: str) -> tuple[str, dict[str, Any]]:
    """The logical id and properties of the one resource of a type; fails if there are none or several."""
    resources = resources_of_type(template, resource_type)
    if len(resources) != 1:
        raise ValueError(f"expected exactly one {resource_type}, found {sorted(resources)}")
    ((logical_id, resource),) = resources.items()
    return logical_id, dict(resource.get("Properties", {}))


# --- intrinsic functions, as far as the local stack needs them ------------------------------------------------


@dataclass(frozen=True)
class StackContext:
    """What CloudFormation would know when resolving the template: pseudo parameters and physical ids."""

    account_id: str = "123456789012"  # moto's default account, the one its test credentials map to
    region: str = "us-east-1"
    stack_name: str = "smr-local"
    parameters: Mapping[str, str] = field(default_factory=dict)
    physical_ids: Mapping[str, str] = field(default_factory=dict)

    def pseudo_parameters(self) -> dict[str, str]:
        return {
            "AWS::AccountId": self.account_id,
            "AWS::Region": self.region,
            "AWS::StackName": self.stack_name,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }


_SUB_VARIABLE = re.compile(r"\$\{([^!}][^}]*)\}")


def _ref(name: str, template: Template, context: StackContext) -> str:
    pseudo = context.pseudo_parameters()
    if name in pseudo:
        return pseudo[name]
    if name in context.parameters:
        return context.parameters[name]
    parameter = template.get("Parameters", {}).get(name)
    if parameter is not None:
        if "Default" not in parameter:
            raise UnresolvableError(f"parameter {name} has no default and no value")
        return str(parameter["Default"])
    if name in context.physical_ids:
        return context.physical_ids[name]
    raise UnresolvableError(f"cannot resolve Ref {name}")


def resolve(value: Any, template: Template, context: StackContext) -> Any:
    """Evaluate Ref, Fn::Sub and Fn::Join (recursively); anything else that needs a deployed stack raises."""
    if isinstance(value, list):
        return [resolve(item, template, context) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, argument),) = value.items()
        if key == "Ref":
            return _ref(argument, template, context)
        if key == "Fn::Sub":
            text, variables = (argument, {}) if isinstance(argument, str) else argument
            resolved_variables = {name: resolve(v, template, context) for name, v in variables.items()}

            def substitute(match: re.Match[str]) -> str:
                name = match.group(1)
                if name in resolved_variables:
                    return str(resolved_variables[name])
                if "." in name:
                    raise UnresolvableError(f"cannot resolve ${{{name}}} (a GetAtt) locally")
                return _ref(name, template, context)

            return _SUB_VARIABLE.sub(substitute, text).replace("${!", "${")
        if key == "Fn::Join":
            delimiter, items = argument
            return delimiter.join(str(item) for item in resolve(items, template, context))
        if key.startswith("Fn::"):
            raise UnresolvableError(f"cannot resolve {key} locally")
    return {key: resolve(item, template, context) for key, item in value.items()}


# --- functions and routes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One HttpApi event of a function: METHOD /path -> the function's handler."""

    method: str
    path: str
    function_id: str
    code_uri: str
    handler: str

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def operation(self) -> str:
        """The function directory's name, e.g. create_registered_model."""
        return PurePosixPath(self.code_uri).name


@dataclass(frozen=True)
class FunctionSettings:
    """A function's properties with the template's Globals applied."""

    function_id: str
    code_uri: str
    handler: str
    memory_mb: int
    timeout_s: int
    properties: Mapping[str, Any]


def function_settings(template: Template, function_id: str) -> FunctionSettings:
    """The properties of one function merged over Globals.Function (scalars: the function's own value wins)."""
    merged = dict(template.get("Globals", {}).get("Function", {}))
    merged.update(template["Resources"][function_id].get("Properties", {}))
    return FunctionSettings(
        function_id=function_id,
        code_uri=str(merged["CodeUri"]),
        handler=str(merged["Handler"]),
        memory_mb=int(merged.get("MemorySize", 128)),
        timeout_s=int(merged.get("Timeout", 3)),
        properties=merged,
    )


def http_routes(template: Template) -> list[Route]:
    """Every HttpApi event of every function, in template order."""
    routes = []
    for function_id, resource in resources_of_type(template, FUNCTION_TYPE).items():
        settings = function_settings(template, function_id)
        for event in resource.get("Properties", {}).get("Events", {}).values():
            if event.get("Type") != "HttpApi":
                continue
            properties = event.get("Properties", {})
            routes.append(
                Route(
                    method=str(properties["Method"]).upper(),
                    path=str(properties["Path"]),
                    function_id=function_id,
                    code_uri=settings.code_uri,
                    handler=settings.handler,
                )
            )
    return routes


def function_environment(template: Template, context: StackContext) -> dict[str, str]:
    """Globals.Function.Environment.Variables, resolved against the context (every function shares them)."""
    variables = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    return {name: str(resolve(value, template, context)) for name, value in variables.items()}


# --- the table and the bucket, created from their definitions --------------------------------------------------

_INDEX_KEYS = ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput")


def table_definition(template: Template) -> dict[str, Any]:
    """The template's table as CreateTable arguments (without TableName)."""
    _, properties = single_resource(template, TABLE_TYPE)
    definition: dict[str, Any] = {
        "KeySchema": properties["KeySchema"],
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "BillingMode": properties.get("BillingMode", "PROVISIONED"),
    }
    if "ProvisionedThroughput" in properties:
        definition["ProvisionedThroughput"] = properties["ProvisionedThroughput"]
    for indexes in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if indexes in properties:
            definition[indexes] = [
                {key: index[key] for key in _INDEX_KEYS if key in index} for index in properties[indexes]
            ]
    if "StreamSpecification" in properties:
        definition["StreamSpecification"] = {"StreamEnabled": True, **properties["StreamSpecification"]}
    if "SSESpecification" in properties:
        sse = dict(properties["SSESpecification"])
        definition["SSESpecification"] = {"Enabled": bool(sse.pop("SSEEnabled", False)), **sse}
    if "DeletionProtectionEnabled" in properties:
        definition["DeletionProtectionEnabled"] = bool(properties["DeletionProtectionEnabled"])
    if "Tags" in properties:
        definition["Tags"] = properties["Tags"]
    return definition


def create_table(client: DynamoDBClient, table_name: str, template: Template | None = None) -> None:
    """Create the template's table under table_name, with its indexes, stream, SSE, PITR and TTL."""
    template = template if template is not None else load_template()
    _, properties = single_resource(template, TABLE_TYPE)
    client.create_table(TableName=table_name, **table_definition(template))
    client.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 1})
    if "PointInTimeRecoverySpecification" in properties:
        client.update_continuous_backups(
            TableName=table_name,
            PointInTimeRecoverySpecification=properties["PointInTimeRecoverySpecification"],
        )
    if "TimeToLiveSpecification" in properties:
        client.update_time_to_live(TableName=table_name, TimeToLiveSpecification=properties["TimeToLiveSpecification"])


# Bucket properties that need no call of their own (the name is an argument; tags mean nothing locally).
# NotificationConfiguration needs the queues: smr_local.queues.configure_notifications applies it. Lifecycle rules
# (expiry after days) mean nothing to a development server.
_BUCKET_PROPERTIES_NOT_APPLIED = {"BucketName", "Tags", "NotificationConfiguration", "LifecycleConfiguration"}


def bucket_name(template: Template, context: StackContext) -> str:
    """The bucket's explicit BucketName, resolved (it is spelled out so that functions need no !Ref to it)."""
    _, properties = single_resource(template, BUCKET_TYPE)
    return str(resolve(properties["BucketName"], template, context))


def create_bucket(client: S3Client, name: str, template: Template | None = None) -> None:
    """Create the template's bucket under name: public access block, encryption, versioning, ownership."""
    template = template if template is not None else load_template()
    _, properties = single_resource(template, BUCKET_TYPE)
    region = client.meta.region_name
    if region and region != "us-east-1":
        client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})  # type: ignore[typeddict-item]
    else:
        client.create_bucket(Bucket=name)
    applied = set(_BUCKET_PROPERTIES_NOT_APPLIED)
    if "PublicAccessBlockConfiguration" in properties:
        client.put_public_access_block(
            Bucket=name, PublicAccessBlockConfiguration=properties["PublicAccessBlockConfiguration"]
        )
        applied.add("PublicAccessBlockConfiguration")
    if "BucketEncryption" in properties:
        # CloudFormation says ServerSideEncryptionByDefault where the S3 API says ApplyServerSideEncryptionByDefault.
        rules: list[Any] = [
            {
                ("ApplyServerSideEncryptionByDefault" if key == "ServerSideEncryptionByDefault" else key): value
                for key, value in rule.items()
            }
            for rule in properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        ]
        client.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
        applied.add("BucketEncryption")
    if "VersioningConfiguration" in properties:
        client.put_bucket_versioning(
            Bucket=name, VersioningConfiguration={"Status": properties["VersioningConfiguration"]["Status"]}
        )
        applied.add("VersioningConfiguration")
    if "OwnershipControls" in properties:
        client.put_bucket_ownership_controls(Bucket=name, OwnershipControls=properties["OwnershipControls"])
        applied.add("OwnershipControls")
    ignored = sorted(set(properties) - applied)
    if ignored:
        LOGGER.warning("bucket properties not applied locally: %s", ", ".join(ignored))
