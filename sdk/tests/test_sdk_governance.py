"""The SDK's extension routes against a real local server: history, time travel, promotion, metrics, webhooks,
uploads."""

from __future__ import annotations

import time

import pytest
from botocore.credentials import Credentials

from smr import InvalidParameterValue, ResourceDoesNotExist, SmrClient
from smr.client import resolve_endpoint
from smr.models import PromotionPolicy

POLICY = {
    "rules": {
        "stage:Production": [{"type": "metric", "key": "accuracy", "op": ">=", "value": 0.9}],
        "alias:champion": [{"type": "metric", "key": "auc", "op": ">=", "value": 0.9}],
    }
}


def _versions(client: SmrClient, name: str, count: int = 2) -> None:
    client.create_registered_model(name)
    for index in range(count):
        client.create_model_version(name, f"s3://elsewhere/{name}/{index}")


def test_promote_is_all_or_nothing_under_a_policy(client: SmrClient, model_name: str) -> None:
    _versions(client, model_name, 1)
    assert client.set_promotion_policy(model_name, POLICY) == PromotionPolicy.model_validate(POLICY)
    assert client.get_promotion_policy(model_name).rules.keys() == {"stage:Production", "alias:champion"}
    client.set_model_version_metrics(model_name, 1, {"accuracy": 0.95, "auc": 0.5})
    with pytest.raises(InvalidParameterValue, match="alias:champion"):
        client.promote(model_name, 1, stage="Production", aliases=["champion"])
    unchanged = client.get_model_version(model_name, 1)
    assert (unchanged.current_stage, unchanged.aliases) == ("None", [])
    # promote_if goes through the same atomic route: its metric rule holds, the policy still refuses the alias.
    with pytest.raises(InvalidParameterValue):
        client.promote_if(model_name, 1, metric="accuracy", threshold=0.9, stage="Production", alias="champion")
    assert client.get_model_version(model_name, 1).current_stage == "None"

    client.set_model_version_metrics(model_name, 1, {"auc": 0.93}, params={"depth": "6"})
    promoted = client.promote(model_name, 1, stage="Production", aliases=["champion"], comment="canary ok")
    assert (promoted.current_stage, promoted.aliases) == ("Production", ["champion"])


def test_history_and_state_at(client: SmrClient, model_name: str) -> None:
    _versions(client, model_name, 2)
    client.promote(model_name, 1, stage="Staging", aliases=["candidate"], comment="first")
    between = int(time.time() * 1000)
    time.sleep(0.01)
    client.promote(model_name, 2, stage="Staging", aliases=["candidate"], archive_existing_versions=True)
    records = client.get_version_history(model_name, 1).items
    assert [(r.from_stage, r.to_stage) for r in records if r.subject == "stage"][-2:] == [
        ("None", "Staging"),
        ("Staging", "Archived"),
    ]
    newest = client.get_model_history(model_name, order="desc", max_results=2).items
    assert {r.subject for r in newest} == {"stage", "alias"}
    assert client.get_state_at(model_name, between, alias="candidate").version == 1
    assert client.get_state_at(model_name, between, stage="Staging").versions == [1]


def test_webhooks_and_uploads(client: SmrClient, model_name: str) -> None:
    client.create_registered_model(model_name)
    hook = client.create_webhook(model_name, "http://127.0.0.1:9/hook", ["model_version.created"], secret="s")
    assert hook.events == [{"entity": "MODEL_VERSION", "action": "CREATED"}]
    assert hook.webhook_id in {w.webhook_id for w in client.list_webhooks(max_results=1000).items}
    assert client.update_webhook(hook.webhook_id, status="DISABLED").status == "DISABLED"
    assert client.get_webhook(hook.webhook_id).name == model_name
    assert client.get_webhook_deliveries(hook.webhook_id) == []
    client.delete_webhook(hook.webhook_id)
    with pytest.raises(ResourceDoesNotExist):
        client.get_webhook(hook.webhook_id)
    assert client.list_uploads(model_name) == []


def test_a_mistyped_stage_lists_the_stages(client: SmrClient, model_name: str) -> None:
    _versions(client, model_name, 1)
    with pytest.raises((ResourceDoesNotExist, InvalidParameterValue)) as missing:
        client.resolve_version(model_name, "Prodution")
    assert "None, Staging, Production, Archived" in missing.value.message


def test_a_missing_endpoint_names_the_option_and_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SMR_ENDPOINT", raising=False)
    monkeypatch.setenv("MLFLOW_REGISTRY_URI", "http://127.0.0.1:5000")  # not silently used instead
    with pytest.raises(InvalidParameterValue) as missing:
        resolve_endpoint(None)
    assert "--endpoint" in missing.value.message and "SMR_ENDPOINT" in missing.value.message


def test_a_server_that_is_down_is_reported_at_once_with_its_url() -> None:
    client = SmrClient("http://127.0.0.1:9", credentials=Credentials("testing", "testing"))
    started = time.monotonic()
    with pytest.raises(Exception) as down:
        client.get_registered_model("x")
    assert time.monotonic() - started < 3
    assert "http://127.0.0.1:9" in str(down.value) and "connection refused" in str(down.value)
