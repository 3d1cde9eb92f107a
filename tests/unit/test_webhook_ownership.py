"""Webhooks are owned: only the owner and admins see or touch one, and it hears only of models its owner may read."""

from __future__ import annotations

import pytest

from registry_core.domain.entities import Caller
from registry_core.domain.errors import ResourceDoesNotExist
from registry_core.domain.governance import EventType, RegistryEvent, Webhook, WebhookEventName
from registry_core.service.permissions import PermissionService
from registry_core.service.registry import RegistryService
from registry_core.service.webhooks import HttpResult, WebhookService
from registry_core.store.memory import InMemoryRegistryStore
from registry_core.store.messaging import delivery_message
from registry_core.store.webhooks import InMemoryWebhookStore

ALICE = Caller(principal="arn:aws:iam::1:user/alice")
BOB = Caller(principal="arn:aws:iam::1:user/bob")
ADMIN = Caller(principal="arn:aws:iam::1:role/admin", admin=True)
URL = "http://127.0.0.1:9/hook"
CREATED = [WebhookEventName(entity="model_version", action="created")]


class Harness:
    def __init__(self) -> None:
        self.models = InMemoryRegistryStore()
        self.webhooks = InMemoryWebhookStore()
        self.sent: list[tuple[str, bytes]] = []
        self._clock = iter(range(1000, 10**6))

    def post(self, url: str, body: bytes, _headers: dict[str, str], _address: str) -> HttpResult:
        self.sent.append((url, body))
        return HttpResult(200, "", None)

    def as_(self, caller: Caller) -> WebhookService:
        return WebhookService(
            self.webhooks,
            caller,
            models=self.models,
            admin_principals=frozenset({ADMIN.principal}),
            allow_loopback=True,
            post=self.post,
            clock=lambda: next(self._clock),
        )

    def registry(self, caller: Caller) -> RegistryService:
        return RegistryService(self.models, caller)

    def permissions(self, caller: Caller) -> PermissionService:
        return PermissionService(self.models, caller)

    def event_of(self, name: str) -> RegistryEvent:
        model = self.models.get_model(name)
        assert model is not None
        return RegistryEvent(
            id=f"e-{name}",
            type=EventType.MODEL_VERSION_CREATED,
            timestamp=1000,
            model_uid=model.uid,
            model_name=name,
            data={"name": name, "version": "1", "source": "s3://secret-bucket/private-source"},
        )


@pytest.fixture
def harness() -> Harness:
    return Harness()


def _hook(service: WebhookService, name: str = "h") -> Webhook:
    return service.create_webhook(name, URL, CREATED, secret="s3cr3t")


def test_only_the_owner_and_admins_see_or_touch_a_webhook(harness: Harness) -> None:
    hook = _hook(harness.as_(ALICE))
    assert hook.owner == ALICE.principal
    bob = harness.as_(BOB)
    with pytest.raises(ResourceDoesNotExist) as missing:
        bob.get_webhook("no-such-webhook")
    attempts = {
        "get": lambda: bob.get_webhook(hook.webhook_id),
        "update": lambda: bob.update_webhook(hook.webhook_id, url="http://127.0.0.1:10/mine"),
        "test": lambda: bob.test_webhook(hook.webhook_id),
        "deliveries": lambda: bob.deliveries(hook.webhook_id),
        "delete": lambda: bob.delete_webhook(hook.webhook_id),
    }
    for name, attempt in attempts.items():
        with pytest.raises(ResourceDoesNotExist) as hidden:
            attempt()
        assert hidden.value.message == missing.value.message.replace("no-such-webhook", hook.webhook_id), name
    assert harness.sent == []  # nothing was signed with alice's secret for bob
    assert harness.as_(ALICE).get_webhook(hook.webhook_id).url == URL
    assert harness.as_(ADMIN).get_webhook(hook.webhook_id).url == URL
    harness.as_(ADMIN).delete_webhook(hook.webhook_id)


def test_a_listing_holds_only_the_callers_webhooks_page_by_page(harness: Harness) -> None:
    for index in range(5):
        _hook(harness.as_(ALICE), f"alice-{index}")
        _hook(harness.as_(BOB), f"bob-{index}")
    names: list[str] = []
    token = None
    for _ in range(10):
        page, token = harness.as_(ALICE).list_webhooks(2, token)
        names.extend(hook.name for hook in page)
        if token is None:
            break
    assert names == [f"alice-{index}" for index in range(5)]
    assert len(harness.as_(ADMIN).list_webhooks(100)[0]) == 10


def test_an_event_of_a_model_the_owner_cannot_read_never_reaches_its_receiver(harness: Harness) -> None:
    harness.registry(BOB).create_registered_model("secret-model")
    harness.permissions(BOB).set_private("secret-model", True)
    hook = _hook(harness.as_(ALICE))
    message = delivery_message(hook.webhook_id, harness.event_of("secret-model"))
    delivery = harness.as_(Caller.system())
    assert delivery.deliver(message, 1, None, None) is True  # done: dropped, not retried
    assert harness.sent == []
    assert harness.as_(ALICE).deliveries(hook.webhook_id) == []

    # Checked at delivery time: once alice may read the model, the same event goes out.
    harness.permissions(BOB).set_permission("secret-model", ALICE.principal, "READ")
    assert delivery.deliver(message, 1, None, None) is True
    assert len(harness.sent) == 1 and b"private-source" in harness.sent[0][1]


def test_an_event_whose_model_is_gone_or_replaced_is_dropped(harness: Harness) -> None:
    harness.registry(ALICE).create_registered_model("m")
    event = harness.event_of("m")
    hook = _hook(harness.as_(ALICE))
    harness.registry(ALICE).delete_registered_model("m")
    harness.registry(BOB).create_registered_model("m")  # same name, another model (another uid)
    harness.permissions(BOB).set_private("m", True)
    assert harness.as_(Caller.system()).deliver(delivery_message(hook.webhook_id, event), 1, None, None) is True
    assert harness.sent == []


def test_a_webhook_without_an_owner_is_admin_only_and_hears_only_of_public_models(harness: Harness) -> None:
    legacy = _hook(harness.as_(ALICE)).model_copy(update={"owner": None})
    harness.webhooks.put_webhook(legacy, must_exist=True)
    with pytest.raises(ResourceDoesNotExist):
        harness.as_(ALICE).get_webhook(legacy.webhook_id)
    assert harness.as_(ADMIN).get_webhook(legacy.webhook_id).owner is None
    harness.registry(BOB).create_registered_model("public")
    harness.registry(BOB).create_registered_model("private")
    harness.permissions(BOB).set_private("private", True)
    delivery = harness.as_(Caller.system())
    for name in ("public", "private"):
        delivery.deliver(delivery_message(legacy.webhook_id, harness.event_of(name)), 1, None, None)
    assert [body for _, body in harness.sent if b'"name": "private"' in body] == []
    assert len(harness.sent) == 1
