"""The governance extension endpoints, fed their sample events, against the DynamoDB store on moto."""

from __future__ import annotations

import json
from typing import Any

from .test_handlers import FUNCTIONS, MODEL, Invoke, invoke, sample_event

__all__ = ["invoke"]

GOVERNANCE_OPERATIONS = {
    "get_registered_model_history",
    "get_model_version_history",
    "get_registered_model_state_at",
    "set_model_version_metrics",
    "set_promotion_policy",
    "get_promotion_policy",
    "promote_model_version",
}


def test_every_governance_operation_has_a_handler_and_a_sample_event() -> None:
    for operation in GOVERNANCE_OPERATIONS:
        assert (FUNCTIONS / operation / "app.py").is_file()
        assert sample_event(operation)["routeKey"].split(" ")[1].startswith("/api/2.0/smr/")


def _get(operation: str, **query: str) -> dict[str, Any]:
    event = sample_event(operation)
    event["rawQueryString"] = "&".join(f"{key}={value}" for key, value in query.items())
    return event


def test_a_guarded_promotion_with_history_over_http(invoke: Invoke) -> None:
    invoke("create_registered_model")
    invoke("create_model_version")
    status, body = invoke("set_promotion_policy")
    assert status == 200 and set(body["policy"]["rules"]) == {"stage:Production", "alias:champion"}
    assert invoke("get_promotion_policy")[1]["policy"] == body["policy"]

    status, refused = invoke("transition_model_version_stage", comment="first try")
    assert (status, refused["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
    assert "accuracy >= 0.95" in refused["message"] and "tag validated = true" in refused["message"]

    status, body = invoke("set_model_version_metrics")
    assert status == 200
    assert body["model_version"]["model_metrics"] == [
        {"key": "accuracy", "value": 0.97, "step": 1, "dataset_name": "holdout"}
    ]
    assert body["model_version"]["model_params"] == [{"name": "max_depth", "value": "6"}]
    invoke("set_model_version_tag")  # validated = true
    status, body = invoke("transition_model_version_stage", comment="metrics are in")
    assert (status, body["model_version"]["current_stage"]) == (200, "Production")
    assert invoke("get_model_version")[1]["model_version"]["model_params"] == [{"name": "max_depth", "value": "6"}]

    status, body = invoke("get_model_version_history")
    assert status == 200
    newest = body["records"][0]
    assert (newest["from_stage"], newest["to_stage"], newest["comment"]) == ("None", "Production", "metrics are in")
    assert newest["principal"] == "arn:aws:iam::123456789012:user/data-scientist"
    assert newest["request_id"] == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    assert "secret" not in json.dumps(body)


def test_optimistic_alias_moves_and_time_travel_over_http(invoke: Invoke) -> None:
    invoke("create_registered_model")
    invoke("create_model_version")
    invoke("create_model_version")
    assert invoke("set_registered_model_alias", version="1", expected_version="") == (200, {})
    status, body = invoke("set_registered_model_alias", version="2", expected_version="none")
    assert (status, body["error_code"]) == (409, "RESOURCE_CONFLICT")
    assert invoke("set_registered_model_alias", version="2", expected_version="1", comment="v2 wins") == (200, {})

    status, body = invoke(
        "get_registered_model_state_at",
        _get("get_registered_model_state_at", name=MODEL, alias="champion", timestamp="99999999999999"),
    )
    assert (status, body["version"], body["record"]["comment"]) == (200, "2", "v2 wins")
    status, body = invoke(
        "get_registered_model_state_at",
        _get("get_registered_model_state_at", name=MODEL, stage="None", timestamp="99999999999999"),
    )
    assert body["versions"] == ["1", "2"]
    status, body = invoke(
        "get_registered_model_state_at",
        _get("get_registered_model_state_at", name=MODEL, alias="champion", timestamp="1"),
    )
    assert status == 200 and "version" not in body
    status, body = invoke(
        "get_registered_model_state_at", _get("get_registered_model_state_at", name=MODEL, timestamp="1")
    )
    assert status == 400

    pages, token = [], None
    while True:
        query = {"name": MODEL, "max_results": "2", **({"page_token": token} if token else {})}
        status, body = invoke("get_registered_model_history", _get("get_registered_model_history", **query))
        assert status == 200
        pages.append(body["records"])
        token = body.get("next_page_token")
        if not token:
            break
    records = [record for page in pages for record in page]
    assert [(r["subject"], r.get("alias"), r.get("to_version"), r.get("to_stage")) for r in records] == [
        ("stage", None, None, "None"),
        ("stage", None, None, "None"),
        ("alias", "champion", "1", None),
        ("alias", "champion", "2", None),
    ]
    assert len(pages) == 2


def test_the_webhook_api_over_its_sample_events_never_returns_the_secret(invoke: Invoke, monkeypatch: Any) -> None:
    import registry_core.service.webhooks as webhooks_module

    # The sample URL's host must not need DNS in a test: pretend it resolves to a public address.
    monkeypatch.setattr(
        webhooks_module.socket,
        "getaddrinfo",
        lambda *_args, **_kwargs: [(2, 1, 6, "", ("93.184.216.34", 443))],
    )
    status, body = invoke("create_webhook")
    assert status == 200, body
    webhook = body["webhook"]
    assert webhook["events"] == [{"entity": "MODEL_VERSION_ALIAS", "action": "CREATED"}]
    assert "secret" not in json.dumps(body) and "whsec" not in json.dumps(body)
    webhook_id = webhook["webhook_id"]

    def with_id(operation: str) -> dict[str, Any]:
        event = sample_event(operation)
        event["pathParameters"] = {"webhook_id": webhook_id}
        return event

    status, body = invoke("get_webhook", with_id("get_webhook"))
    assert (status, body["webhook"]["name"]) == (200, "promotions") and "whsec" not in json.dumps(body)
    status, body = invoke("list_webhooks")
    assert [w["webhook_id"] for w in body["webhooks"]] == [webhook_id] and "whsec" not in json.dumps(body)
    status, body = invoke("update_webhook", with_id("update_webhook"))
    assert (status, body["webhook"]["status"]) == (200, "DISABLED")
    event = sample_event("get_webhook_deliveries")
    event["rawQueryString"] = f"webhook_id={webhook_id}"
    assert invoke("get_webhook_deliveries", event) == (200, {"deliveries": []})
    assert invoke("delete_webhook", with_id("delete_webhook")) == (200, {})
    status, body = invoke("get_webhook", with_id("get_webhook"))
    assert (status, body["error_code"]) == (404, "RESOURCE_DOES_NOT_EXIST")


def test_the_stream_and_queue_sample_events_are_what_the_event_functions_read() -> None:
    from registry_core.store.stream_images import outbox_event

    (record,) = sample_event("publish_registry_events")["Records"]
    event = outbox_event(record)
    assert event is not None and event.type.value == "model_version_alias.created"
    (message,) = sample_event("deliver_webhooks")["Records"]
    assert json.loads(message["body"])["event"]["id"] == event.id


def test_a_metric_that_dynamodb_cannot_store_is_a_client_error(invoke: Invoke) -> None:
    invoke("create_registered_model")
    invoke("create_model_version")
    event = sample_event("set_model_version_metrics")
    event["body"] = '{"name": "fraud-detector", "version": "1", "model_metrics": [{"key": "loss", "value": NaN}]}'
    status, body = invoke("set_model_version_metrics", event)
    assert (status, body["error_code"]) == (400, "INVALID_PARAMETER_VALUE")


def test_an_atomic_promotion_over_http_is_all_or_nothing(invoke: Invoke) -> None:
    invoke("create_registered_model")
    invoke("create_model_version")
    invoke("set_promotion_policy")  # Production needs accuracy >= 0.95 and tag validated; champion a description
    invoke("set_model_version_metrics")  # accuracy 0.97
    invoke("set_model_version_tag")  # validated = true
    invoke("update_model_version", description="")
    status, refused = invoke("promote_model_version")  # the version has no description: the alias is refused
    assert (status, refused["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
    assert "alias:champion" in refused["message"]
    version = invoke("get_model_version")[1]["model_version"]
    assert (version["current_stage"], version.get("aliases", [])) == ("None", [])

    invoke("update_model_version", description="gradient boosting")
    status, body = invoke("promote_model_version")
    assert status == 200
    assert (body["model_version"]["current_stage"], body["model_version"]["aliases"]) == ("Production", ["champion"])
    records = invoke("get_model_version_history")[1]["records"]
    assert {(r.get("to_stage"), r.get("alias"), r.get("comment")) for r in records[:2]} == {
        ("Production", None, "canary passed"),
        (None, "champion", "canary passed"),
    }
