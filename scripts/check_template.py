"""Transform template.yaml with the SAM translator (offline) and lint the CloudFormation it becomes.

`cfn-lint template.yaml` and `sam validate --lint` look at the SAM template; a dependency cycle among
AWS::Serverless::* resources (say a bucket notifying a function whose environment names the bucket) only appears
once the transform has produced the functions, roles and permissions. This script runs the transform the way
CloudFormation would, with a fixed region and account and a stand-in managed-policy map, then:

1. looks for cycles in the resource graph (Ref, Fn::GetAtt, Fn::Sub and DependsOn), and
2. runs cfn-lint on the transformed template.

Exit status 0 when both are clean, 1 otherwise.

    python scripts/check_template.py [--template template.yaml] [--region us-east-1]
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
from cfnlint import api as cfnlint_api
from cfnlint.decode import decode
from samtranslator.parser.parser import Parser
from samtranslator.public.exceptions import InvalidDocumentException
from samtranslator.translator.translator import Translator

REPO_ROOT = Path(__file__).resolve().parents[1]
ACCOUNT_ID = "123456789012"
FAKE_ARTIFACT_URI = "s3://smr-check-template/artifact.zip"

# The translator looks names from `Policies:` up in this map; only names the template uses need to be here, and
# SAM adds AWSLambdaBasicExecutionRole and AWSXrayWriteOnlyAccess by ARN on its own.
FAKE_MANAGED_POLICIES = {
    name: f"arn:aws:iam::aws:policy/{name}"
    for name in ("AWSLambdaBasicExecutionRole", "AWSXrayWriteOnlyAccess", "AWSLambdaExecute")
}

# Properties that name local code; CloudFormation only knows S3 locations (sam package rewrites them).
_LOCAL_CODE_PROPERTIES = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
    "AWS::Serverless::StateMachine": "DefinitionUri",
}

_SUB_REFERENCE = re.compile(r"\$\{([^!}][^}]*)\}")


def load_sam_template(path: Path) -> dict[str, Any]:
    template, matches = decode(str(path))
    if matches or template is None:
        raise SystemExit("\n".join(str(match) for match in matches) or f"cannot read {path}")
    # cfn-lint's nodes carry line numbers; plain JSON types are what the translator expects.
    plain: dict[str, Any] = json.loads(json.dumps(template))
    return plain


def transform(sam_template: dict[str, Any], region: str) -> dict[str, Any]:
    """The CloudFormation template that the AWS::Serverless-2016-10-31 transform makes of sam_template."""
    template = copy.deepcopy(sam_template)
    for resource in template.get("Resources", {}).values():
        code_property = _LOCAL_CODE_PROPERTIES.get(resource.get("Type", ""))
        properties = resource.get("Properties", {})
        if code_property and isinstance(properties.get(code_property), str):
            properties[code_property] = FAKE_ARTIFACT_URI
    translator = Translator(
        managed_policy_map=None, sam_parser=Parser(), boto_session=boto3.session.Session(region_name=region)
    )
    transformed: dict[str, Any] = translator.translate(
        sam_template=template,
        parameter_values={"AWS::AccountId": ACCOUNT_ID, "AWS::Region": region},
        get_managed_policy_map=lambda: FAKE_MANAGED_POLICIES,
    )
    return transformed


def _references(value: Any) -> Iterator[str]:
    """Logical ids (or parameters) that a value refers to."""
    if isinstance(value, list):
        for item in value:
            yield from _references(item)
        return
    if not isinstance(value, dict):
        return
    for key, argument in value.items():
        if key == "Ref" and isinstance(argument, str):
            yield argument
        elif key == "Fn::GetAtt":
            target = argument[0] if isinstance(argument, list) else str(argument).split(".")[0]
            if isinstance(target, str):
                yield target
        elif key == "Fn::Sub":
            text, variables = (argument, {}) if isinstance(argument, str) else (argument[0], argument[1])
            local_names = set(variables) if isinstance(variables, dict) else set()
            for name in _SUB_REFERENCE.findall(text):
                target = name.split(".")[0]
                if target not in local_names:
                    yield target
            yield from _references(variables)
        else:
            yield from _references(argument)


def dependency_graph(template: dict[str, Any]) -> dict[str, set[str]]:
    """For each resource, the resources it depends on (implicitly through references, or by DependsOn)."""
    resources = template.get("Resources", {})
    graph: dict[str, set[str]] = {}
    for logical_id, resource in resources.items():
        depends_on = resource.get("DependsOn", [])
        explicit = {depends_on} if isinstance(depends_on, str) else set(depends_on)
        implicit = set(_references(resource.get("Properties", {})))
        graph[logical_id] = {target for target in explicit | implicit if target in resources}
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one resource, or a resource depending on itself (Tarjan)."""
    index: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = lowlink[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                lowlink[node] = min(lowlink[node], lowlink[target])
            elif target in on_stack:
                lowlink[node] = min(lowlink[node], index[target])
        if lowlink[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph[node]:
                cycles.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(graph) + 100))
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--template", type=Path, default=REPO_ROOT / "template.yaml")
    parser.add_argument("--region", default="us-east-1")
    arguments = parser.parse_args(argv)

    try:
        transformed = transform(load_sam_template(arguments.template), arguments.region)
    except InvalidDocumentException as error:
        for cause in error.causes:
            print(f"transform: {cause.message}", file=sys.stderr)
        return 1

    failed = False
    for cycle in find_cycles(dependency_graph(transformed)):
        print(f"dependency cycle after the SAM transform, among: {', '.join(cycle)}", file=sys.stderr)
        failed = True

    matches = cfnlint_api.lint(json.dumps(transformed), regions=[arguments.region])
    for match in matches:
        print(f"cfn-lint (transformed template): {match}", file=sys.stderr)
        failed = True

    resources = transformed.get("Resources", {})
    print(
        f"{arguments.template.name}: {len(resources)} CloudFormation resources after the transform, "
        f"{'problems found' if failed else 'no cycles, cfn-lint clean'}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
