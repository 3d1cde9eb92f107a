"""The authorization matrix: every HTTP route of template.yaml, a private model, and who may do what with it.

Each route has a row (a route added to template.yaml without one fails the suite). Per-model routes are run against a
private model by a principal without a grant, one with READ, one with EDIT, one with MANAGE, and an admin, through the
real handlers and their sample events (events/*.json) on moto:
- a principal that may not read the model gets exactly what it gets for a model that does not exist (status and
  body, once the name is swapped), and no body carries the model's data (tag values, description, source);
- a principal that may read but holds less than the route needs gets PERMISSION_DENIED (403), and nothing changes;
- a principal that holds enough gets the route's answer.
Routes that are not per-model have their own rows: tracking (experiments, runs, logged models) is IAM-only, so every
principal gets the same answer; a webhook is seen and changed only by its owner and admins.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from types import ModuleType
from typing import Any

import boto3
import pytest

from registry_core.config import settings
from registry_core.domain.artifacts import FileEntry, Upload, UploadOrigin, UploadState
from registry_core.domain.entities import Caller
from registry_core.domain.governance import WebhookEventName
from registry_core.domain.permissions import PermissionLevel
from registry_core.service.registry import RegistryService
from registry_core.store.memory import InMemoryRegistryStore
from smr_local.template import create_bucket, http_routes
from tests.support.template import stack_template

from .test_handlers import EVENTS, MODEL, Invoke, LambdaContext, _load_handler, invoke

__all__ = ["invoke"]

ACCOUNT = "arn:aws:iam::123456789012"
OWNER = f"{ACCOUNT}:user/model-owner"
ADMIN = f"{ACCOUNT}:role/registry-admin"
# The four principals of the matrix: what each holds on the private model.
GRANTS: dict[str, PermissionLevel | None] = {
    f"{ACCOUNT}:user/no-grant": None,
    f"{ACCOUNT}:user/reader": PermissionLevel.READ,
    f"{ACCOUNT}:user/editor": PermissionLevel.EDIT,
    f"{ACCOUNT}:user/manager": PermissionLevel.MANAGE,
}
PRINCIPALS = [*GRANTS, ADMIN]
BUCKET = "smr-matrix-artifacts"
SAMPLE_UPLOAD_ID = "0123456789abcdef0123456789abcdef"
SAMPLE_WEBHOOK_ID = "3f2c1a9e5b7d4c8e9a1b2c3d4e5f6a7b"
# The private model's data: none of it may reach a principal that cannot read the model.
SECRETS = ("SECRET-TAG-VALUE", "SECRET-DESCRIPTION", "s3://secret-training-bucket/run-7/model", "SECRET-VERSION-TAG")


@dataclass(frozen=True)
class Row:
    """What a route needs. kind: "model" (per-model, needs `level`), "create" (makes a model by name), "search"
    (lists models: filtered, never refused), "tracking" (IAM only), "webhook" (owner and admins), "webhooks"
    (create and list: anyone, each their own), "document" (the same document for everyone, with no registry data:
    the OpenAPI document, and the console's static page and files)."""

    kind: str
    level: PermissionLevel = PermissionLevel.READ
    # The status a principal holding enough gets from the sample event (200 unless the sample cannot succeed).
    ok: int = 200
    # Rows whose sample changes or deletes something get a fresh model for every principal that may run them.
    mutates: bool = False
    # The route whose answer for a missing model a non-reader must get (default: this route's own). Uploading to a
    # name nobody uses is allowed (completing the upload creates the model), so there it is the missing model's 404.
    hidden_as: str | None = None


READ, EDIT, MANAGE = PermissionLevel.READ, PermissionLevel.EDIT, PermissionLevel.MANAGE
MLFLOW, SMR = "/api/2.0/mlflow", "/api/2.0/smr"

ROWS: dict[str, Row] = {
    # Documents that hold no registry data
    f"GET {SMR}/openapi.json": Row("document"),
    "GET /": Row("document"),
    "GET /console/{proxy+}": Row("document"),
    # MLflow's registry: reads
    f"GET {MLFLOW}/registered-models/get": Row("model", READ),
    f"GET {MLFLOW}/registered-models/get-latest-versions": Row("model", READ),
    f"POST {MLFLOW}/registered-models/get-latest-versions": Row("model", READ),
    f"GET {MLFLOW}/registered-models/alias": Row("model", READ),
    f"GET {MLFLOW}/model-versions/get": Row("model", READ),
    f"GET {MLFLOW}/model-versions/get-download-uri": Row("model", READ),
    f"GET {MLFLOW}/registered-models/search": Row("search"),
    f"GET {MLFLOW}/model-versions/search": Row("search"),
    # MLflow's registry: writes
    f"POST {MLFLOW}/registered-models/create": Row("create"),
    f"PATCH {MLFLOW}/registered-models/update": Row("model", EDIT, mutates=True),
    f"POST {MLFLOW}/registered-models/set-tag": Row("model", EDIT, mutates=True),
    f"DELETE {MLFLOW}/registered-models/delete-tag": Row("model", EDIT, mutates=True),
    f"POST {MLFLOW}/registered-models/alias": Row("model", EDIT, mutates=True),
    f"DELETE {MLFLOW}/registered-models/alias": Row("model", EDIT, mutates=True),
    f"POST {MLFLOW}/model-versions/create": Row("model", EDIT, mutates=True),
    f"PATCH {MLFLOW}/model-versions/update": Row("model", EDIT, mutates=True),
    f"POST {MLFLOW}/model-versions/transition-stage": Row("model", EDIT, mutates=True),
    f"POST {SMR}/model-versions/promote": Row("model", EDIT, mutates=True),
    f"POST {MLFLOW}/model-versions/set-tag": Row("model", EDIT, mutates=True),
    f"DELETE {MLFLOW}/model-versions/delete-tag": Row("model", EDIT, mutates=True),
    f"DELETE {MLFLOW}/model-versions/delete": Row("model", MANAGE, mutates=True),
    f"POST {MLFLOW}/registered-models/rename": Row("model", MANAGE, mutates=True),
    f"DELETE {MLFLOW}/registered-models/delete": Row("model", MANAGE, mutates=True),
    # smr: permissions, governance, artifacts
    f"GET {SMR}/permissions/get": Row("model", READ),
    f"POST {SMR}/permissions/set": Row("model", MANAGE, mutates=True),
    f"DELETE {SMR}/permissions/delete": Row("model", MANAGE, mutates=True),
    f"POST {SMR}/permissions/set-private": Row("model", MANAGE, mutates=True),
    f"GET {SMR}/registered-models/history": Row("model", READ),
    f"GET {SMR}/model-versions/history": Row("model", READ),
    f"GET {SMR}/registered-models/state-at": Row("model", READ),
    f"GET {SMR}/registered-models/promotion-policy": Row("model", READ),
    f"POST {SMR}/registered-models/promotion-policy": Row("model", MANAGE, mutates=True),
    f"POST {SMR}/model-versions/metrics": Row("model", EDIT, mutates=True),
    # The sample version's files are not held by the registry: a reader is told so (400), after authorization.
    f"GET {SMR}/model-versions/download-urls": Row("model", READ, ok=400),
    f"POST {SMR}/uploads/create": Row("model", EDIT, hidden_as=f"GET {MLFLOW}/registered-models/get"),
    # The sample upload's declared file was never uploaded: an editor is told so (400), after authorization.
    f"POST {SMR}/uploads/complete": Row("model", EDIT, ok=400),
    f"GET {SMR}/uploads/get": Row("model", READ),
    f"GET {SMR}/uploads/list": Row("model", READ),
    # Webhooks: owned by their creator
    f"POST {MLFLOW}/webhooks": Row("webhooks"),
    f"GET {MLFLOW}/webhooks": Row("webhooks"),
    f"GET {MLFLOW}/webhooks/{{webhook_id}}": Row("webhook"),
    f"PATCH {MLFLOW}/webhooks/{{webhook_id}}": Row("webhook", mutates=True),
    f"DELETE {MLFLOW}/webhooks/{{webhook_id}}": Row("webhook", mutates=True),
    f"POST {MLFLOW}/webhooks/{{webhook_id}}/test": Row("webhook"),
    f"GET {SMR}/webhooks/deliveries": Row("webhook"),
    # Tracking (experiments, runs, logged models): IAM decides; no per-entity permission
    **{
        f"{method} {MLFLOW}/{path}": Row("tracking")
        for method, path in [
            ("POST", "experiments/create"),
            ("POST", "experiments/delete"),
            ("GET", "experiments/get"),
            ("GET", "experiments/get-by-name"),
            ("POST", "experiments/search"),
            ("POST", "experiments/update"),
            ("POST", "logged-models"),
            ("POST", "logged-models/search"),
            ("DELETE", "logged-models/{model_id}"),
            ("PATCH", "logged-models/{model_id}"),
            ("GET", "logged-models/{model_id}"),
            ("PATCH", "logged-models/{model_id}/tags"),
            ("DELETE", "logged-models/{model_id}/tags/{tag_key}"),
            ("GET", "metrics/get-history"),
            ("POST", "runs/create"),
            ("POST", "runs/delete"),
            ("POST", "runs/delete-tag"),
            ("GET", "runs/get"),
            ("POST", "runs/log-batch"),
            ("POST", "runs/log-inputs"),
            ("POST", "runs/log-metric"),
            ("POST", "runs/log-parameter"),
            ("POST", "runs/outputs"),
            ("POST", "runs/search"),
            ("POST", "runs/set-tag"),
            ("POST", "runs/update"),
        ]
    },
}


def _route_keys() -> list[str]:
    return [route.route_key for route in http_routes(stack_template())]


@cache
def _sample_events() -> dict[str, dict[str, Any]]:
    """routeKey -> its sample event (every route has one: test_every_route_has_a_sample_event)."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(EVENTS.glob("*.json")):
        event = json.loads(path.read_text())
        if isinstance(event, dict) and "routeKey" in event:
            found.setdefault(event["routeKey"], event)
    return found


@cache
def _handler(operation: str) -> ModuleType:
    return _load_handler(operation)


def test_every_route_of_the_template_has_a_row_and_every_row_a_route() -> None:
    routes = _route_keys()
    assert sorted(set(routes) - set(ROWS)) == [], "a route without a row in the authorization matrix"
    assert sorted(set(ROWS) - set(routes)) == [], "a row for a route template.yaml does not have"
    assert len(routes) == len(set(routes))


def test_every_route_has_a_sample_event() -> None:
    assert sorted(set(_route_keys()) - set(_sample_events())) == []


def _wiring() -> ModuleType:
    """registry_core.wiring, imported once a test has set the environment (it reads the settings on import)."""
    from registry_core import wiring

    return wiring


# --- the world a case runs in ----------------------------------------------------------------------------------


@dataclass
class World:
    call: Invoke
    counter: Iterator[int] = field(default_factory=lambda: iter(range(1, 10**6)))

    def registry(self, principal: str) -> RegistryService:
        return _wiring().registry_service(self.caller(principal))

    @staticmethod
    def caller(principal: str) -> Caller:
        return Caller(principal=principal, admin=principal == ADMIN)

    def private_model(self) -> str:
        """A fresh private model with everything a sample event touches, and the four principals' grants."""
        name = f"{MODEL}-{next(self.counter)}"
        owner = self.registry(OWNER)
        owner.create_registered_model(name, {"owner": "SECRET-TAG-VALUE"}, "SECRET-DESCRIPTION")
        owner.create_model_version(
            name, "s3://secret-training-bucket/run-7/model", tags={"validated": "SECRET-VERSION-TAG"}
        )
        owner.set_registered_model_alias(name, "champion", 1)
        _wiring().registration_service(self.caller(OWNER)).commit_upload(
            Upload(
                name=name,
                upload_id=SAMPLE_UPLOAD_ID,
                origin=UploadOrigin.PRESIGNED,
                state=UploadState.OPEN,
                created_timestamp=1,
                last_updated_timestamp=1,
                files=[FileEntry(path="MLmodel", size=11, sha256="0" * 64)],
                created_by=OWNER,
            ),
            None,
        )
        permissions = _wiring().permission_service(self.caller(OWNER))
        for principal, level in GRANTS.items():
            if level is not None:
                permissions.set_permission(name, principal, level.name)
        permissions.set_private(name, True)
        return name

    def webhook(self) -> str:
        hook = (
            _wiring()
            .webhook_service(Caller(principal=OWNER))
            .create_webhook(
                "owners-hook",
                "https://hooks.example.com/owner",
                [WebhookEventName(entity="model_version", action="created")],
            )
        )
        return hook.webhook_id

    def run(
        self, route_key: str, principal: str, name: str = MODEL, webhook_id: str = SAMPLE_WEBHOOK_ID
    ) -> tuple[int, dict[str, Any]]:
        """The route's sample event, signed by `principal`, about model `name` (and webhook `webhook_id`)."""
        raw = json.dumps(_sample_events()[route_key])
        event: dict[str, Any] = json.loads(raw.replace(MODEL, name).replace(SAMPLE_WEBHOOK_ID, webhook_id))
        event["requestContext"]["authorizer"]["iam"]["userArn"] = principal
        operation = next(route.operation for route in http_routes(stack_template()) if route.route_key == route_key)
        response = _handler(operation).handler(copy.deepcopy(event), LambdaContext())
        if not response.get("headers", {}).get("Content-Type", "application/json").startswith("application/json"):
            return response["statusCode"], {"document": response["body"]}  # the console's page, scripts, styles
        return response["statusCode"], json.loads(response["body"])


@pytest.fixture
def world(invoke: Invoke, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    import registry_core.service.webhooks as webhooks_module

    # The registry's store is the in-memory one (the contract suite holds it to the DynamoDB store): moto copies its
    # whole table on every transaction, and the matrix makes hundreds. Webhooks, tracking and S3 stay on moto.
    registry_store = InMemoryRegistryStore()
    # Cached like the store it stands in for, so that wiring.clear_caches() (fixtures' teardown) finds it as it expects.
    monkeypatch.setattr(_wiring(), "default_store", cache(lambda: registry_store))
    monkeypatch.setenv("SMR_BUCKET_NAME", BUCKET)
    monkeypatch.setenv("SMR_ADMIN_PRINCIPALS", ADMIN)
    settings.cache_clear()
    create_bucket(boto3.client("s3", region_name="us-east-1"), BUCKET)
    # Webhook hosts resolve to a public address without DNS, and no test connects anywhere.
    monkeypatch.setattr(
        webhooks_module.socket, "getaddrinfo", lambda *_a, **_k: [(2, 1, 6, "", ("93.184.216.34", 443))]
    )

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise ConnectionRefusedError("no network in tests")

    monkeypatch.setattr(webhooks_module._PinnedHTTPSConnection, "connect", refuse)
    yield World(invoke)
    settings.cache_clear()


# --- the matrix --------------------------------------------------------------------------------------------------


def _leaks(body: dict[str, Any]) -> list[str]:
    text = json.dumps(body)
    return [secret for secret in SECRETS if secret in text]


def _swap(body: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    swapped: dict[str, Any] = json.loads(json.dumps(body).replace(old, new))
    return swapped


def _check_model_row(world: World, route_key: str, row: Row) -> list[str]:
    problems: list[str] = []
    shared = world.private_model()
    before = world.registry(OWNER).get_registered_model(shared).rev
    missing = f"{MODEL}-missing-{next(world.counter)}"
    for principal in PRINCIPALS:
        level = PermissionLevel.MANAGE if principal == ADMIN else GRANTS[principal]
        name = world.private_model() if row.mutates and level is not None and level >= row.level else shared
        status, body = world.run(route_key, principal, name)
        where = f"{route_key} as {principal.rsplit('/', 1)[-1]}"
        if level is None:
            expected = world.run(row.hidden_as or route_key, principal, missing)
            if (status, body) != (expected[0], _swap(expected[1], missing, name)) or status != 404:
                problems.append(f"{where}: {status} {body}, a missing model answers {expected}")
            if leaked := _leaks(body):
                problems.append(f"{where}: the body carries {leaked}")
        elif level < row.level:
            if (status, body.get("error_code")) != (403, "PERMISSION_DENIED"):
                problems.append(f"{where}: expected 403 PERMISSION_DENIED, got {status} {body}")
        elif status != row.ok:
            problems.append(f"{where}: expected {row.ok}, got {status} {body}")
    # Refusals changed nothing (on mutating rows only refused principals touched the shared model), and reads never do.
    if world.registry(OWNER).get_registered_model(shared).rev != before:
        problems.append(f"{route_key}: the shared model changed")
    return problems


def _check_search_row(world: World, route_key: str) -> list[str]:
    problems: list[str] = []
    name = world.private_model()
    for principal in PRINCIPALS:
        status, body = world.run(route_key, principal, name)
        where = f"{route_key} as {principal.rsplit('/', 1)[-1]}"
        found = [entry.get("name") for entry in body.get("registered_models", body.get("model_versions", []))]
        readable = principal == ADMIN or GRANTS[principal] is not None
        if status != 200:
            problems.append(f"{where}: expected 200, got {status} {body}")
        elif readable and not found:
            problems.append(f"{where}: a principal that may read the model does not find it")
        elif not readable and (found or _leaks(body) or MODEL in json.dumps(body)):
            problems.append(f"{where}: a principal that may not read the model finds it: {body}")
    return problems


def _check_create_row(world: World, route_key: str) -> list[str]:
    # Names are one namespace: creating a taken name fails for everyone, and says no more than the name given.
    problems: list[str] = []
    name = world.private_model()
    for principal in PRINCIPALS:
        status, body = world.run(route_key, principal, name)
        if (status, body.get("error_code")) != (400, "RESOURCE_ALREADY_EXISTS") or _leaks(body):
            problems.append(f"{route_key} as {principal}: {status} {body}")
    return problems


def _check_tracking_row(world: World, route_key: str) -> list[str]:
    # IAM decides: no principal is refused by the registry, and nothing of a private model shows.
    world.private_model()
    answers = {principal: world.run(route_key, principal) for principal in PRINCIPALS}
    return [
        f"{route_key} as {principal}: {status} {body}"
        for principal, (status, body) in answers.items()
        if status >= 500 or body.get("error_code") == "PERMISSION_DENIED" or _leaks(body) or MODEL in json.dumps(body)
    ]


def _check_document_row(world: World, route_key: str) -> list[str]:
    # One document for everyone, whatever they hold: it must not depend on, or show, any model.
    world.private_model()
    answers = {principal: world.run(route_key, principal) for principal in PRINCIPALS}
    first = next(iter(answers.values()))
    return [
        f"{route_key} as {principal}: {status} {str(body)[:200]}"
        for principal, (status, body) in answers.items()
        if status != 200 or (status, body) != first or _leaks(body) or MODEL in json.dumps(body)
    ]


def _check_webhook_row(world: World, route_key: str, row: Row) -> list[str]:
    problems: list[str] = []
    shared = world.webhook()
    for principal in [*PRINCIPALS, OWNER]:
        allowed = principal in (ADMIN, OWNER)
        webhook_id = world.webhook() if row.mutates and allowed else shared
        status, body = world.run(route_key, principal, webhook_id=webhook_id)
        where = f"{route_key} as {principal.rsplit('/', 1)[-1]}"
        if allowed and status != 200:
            problems.append(f"{where}: expected 200, got {status} {body}")
        if not allowed:
            expected = world.run(route_key, principal, webhook_id="0" * 32)
            if status != 404 or body != _swap(expected[1], "0" * 32, webhook_id):
                problems.append(f"{where}: expected what an unknown webhook answers {expected}, got {status} {body}")
    return problems


def _check_webhooks_row(world: World, route_key: str) -> list[str]:
    problems: list[str] = []
    owners = world.webhook()
    for principal in [*PRINCIPALS, OWNER]:
        status, body = world.run(route_key, principal)
        listed = [hook["webhook_id"] for hook in body.get("webhooks", [])]
        if status != 200:
            problems.append(f"{route_key} as {principal}: {status} {body}")
        elif route_key.startswith("GET") and (owners in listed) != (principal in (ADMIN, OWNER)):
            problems.append(f"{route_key} as {principal}: lists {listed}")
    return problems


CHECKS: dict[str, Callable[[World, str, Row], list[str]]] = {
    "model": _check_model_row,
    "search": lambda world, route_key, _row: _check_search_row(world, route_key),
    "create": lambda world, route_key, _row: _check_create_row(world, route_key),
    "tracking": lambda world, route_key, _row: _check_tracking_row(world, route_key),
    "webhook": _check_webhook_row,
    "webhooks": lambda world, route_key, _row: _check_webhooks_row(world, route_key),
    "document": lambda world, route_key, _row: _check_document_row(world, route_key),
}


@pytest.mark.parametrize("kind", sorted(CHECKS))
def test_the_authorization_matrix(world: World, kind: str) -> None:
    problems: list[str] = []
    for route_key, row in ROWS.items():
        if row.kind == kind:
            problems.extend(CHECKS[kind](world, route_key, row))
    assert problems == []


# --- events --------------------------------------------------------------------------------------------------------


def test_no_webhook_receives_an_event_of_a_model_its_owner_cannot_read(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from registry_core.domain.governance import MLFLOW_WEBHOOK_EVENTS, VALID_WEBHOOK_EVENTS, RegistryEvent
    from registry_core.service.webhooks import HttpResult, WebhookService
    from registry_core.store.base import Write
    from registry_core.store.messaging import delivery_message
    from registry_core.store.webhooks import DynamoDbWebhookStore

    every_event = [{"entity": entity.upper(), "action": action.upper()} for entity, action in VALID_WEBHOOK_EVENTS]
    owner_of_url: dict[str, str] = {}
    hook_ids: list[str] = []
    for number, principal in enumerate(PRINCIPALS):
        url = f"https://hooks.example/{number}"
        event = copy.deepcopy(_sample_events()[f"POST {MLFLOW}/webhooks"])
        event["body"] = json.dumps({"name": "all", "url": url, "events": every_event})
        event["requestContext"]["authorizer"]["iam"]["userArn"] = principal
        response = _handler("create_webhook").handler(event, LambdaContext())
        hook_ids.append(json.loads(response["body"])["webhook"]["webhook_id"])
        owner_of_url[url] = principal

    # The events the registry commits (the outbox), as the stream would hand them to the publisher.
    store = _wiring().default_store()
    committed: list[RegistryEvent] = []
    commit = store.commit

    def recording_commit(write: Write) -> None:
        commit(write)
        committed.extend(write.events)

    monkeypatch.setattr(store, "commit", recording_commit)
    name = world.private_model()  # created, versioned, aliased, tagged: one event of each subscribed kind
    world.registry(OWNER).set_model_version_tag(name, 1, "validated", "SECRET-VERSION-TAG")
    world.registry(OWNER).delete_model_version_tag(name, 1, "validated")
    events = [event for event in committed if event.model_name == name and event.type in MLFLOW_WEBHOOK_EVENTS]
    assert len(events) >= 5

    received: dict[str, list[str]] = {principal: [] for principal in PRINCIPALS}

    def receive(url: str, body: bytes, _headers: dict[str, str], _address: str) -> HttpResult:
        received[owner_of_url[url]].append(body.decode())
        return HttpResult(200, "", None)

    # Every event queued to every webhook (a superset of what the publisher queues): delivery decides.
    delivery = WebhookService(
        DynamoDbWebhookStore(settings().table_name),
        Caller.system(),
        models=store,
        admin_principals=frozenset({ADMIN}),
        post=receive,
    )
    for outbox in events:
        for hook_id in hook_ids:
            assert delivery.deliver(delivery_message(hook_id, outbox), 1, None, None) is True
    stranger = next(principal for principal, level in GRANTS.items() if level is None)
    assert received[stranger] == []
    for principal in PRINCIPALS:
        if principal != stranger:
            kinds = {json.loads(body)["entity"] + "." + json.loads(body)["action"] for body in received[principal]}
            assert {"registered_model.created", "model_version.created", "model_version_alias.created"} <= kinds
            assert any("SECRET-VERSION-TAG" in body for body in received[principal])
