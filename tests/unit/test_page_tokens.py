"""Page tokens: one codec for every paged route; a token only continues the query that issued it, and every bad
token is INVALID_PARAMETER_VALUE (a 400), never an internal error."""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import Callable
from typing import Any

import pytest

from registry_core.domain.entities import Caller, Stage
from registry_core.domain.errors import InvalidParameterValue
from registry_core.domain.governance import WebhookEventName
from registry_core.domain.tracking import Metric
from registry_core.service import page_tokens
from registry_core.service.history import HistoryService
from registry_core.service.registry import RegistryService
from registry_core.service.search import SearchService
from registry_core.service.tracking import TrackingService
from registry_core.service.webhooks import WebhookService
from registry_core.store.memory import InMemoryRegistryStore
from registry_core.store.tracking_memory import InMemoryTrackingStore
from registry_core.store.webhooks import InMemoryWebhookStore


def _raw(payload: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


GARBAGE = [
    "not-a-token",
    "%%%",
    "é",
    "\ud800",
    _raw([1, 2, 3]),
    _raw("a string"),
    _raw(None),
    _raw(7),
    _raw({}),
    _raw({"v": 99, "q": "x"}),
    _raw({"v": 1}),
    base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    base64.urlsafe_b64encode(b"[" * 5000).decode()[:8000],
    "A" * (page_tokens.MAX_TOKEN_CHARS + 1),
]


# -- the codec ---------------------------------------------------------------------------------------------------


def test_a_token_resumes_its_own_query_at_its_key_or_offset() -> None:
    query = page_tokens.query_fingerprint("route", "filter", [["name", True]])
    assert page_tokens.decode(page_tokens.encode(query, key={"pk": {"S": "x"}}), query).mapping_key() == {
        "pk": {"S": "x"}
    }
    assert page_tokens.decode(page_tokens.encode(query, key="after"), query).string_key() == "after"
    assert page_tokens.decode(page_tokens.encode(query, offset=30), query).offset == 30
    assert page_tokens.decode(None, query) == page_tokens.Cursor()
    assert page_tokens.decode("", query) == page_tokens.Cursor()


def test_the_fingerprint_depends_on_route_and_parameters_only() -> None:
    assert page_tokens.query_fingerprint("a", "f") == page_tokens.query_fingerprint("a", "f")
    assert page_tokens.query_fingerprint("a", "f") != page_tokens.query_fingerprint("b", "f")
    assert page_tokens.query_fingerprint("a", "f") != page_tokens.query_fingerprint("a", "g")


def test_a_token_of_another_query_is_refused() -> None:
    token = page_tokens.encode(page_tokens.query_fingerprint("a"), offset=1)
    with pytest.raises(InvalidParameterValue, match="another route"):
        page_tokens.decode(token, page_tokens.query_fingerprint("b"))


@pytest.mark.parametrize(
    "payload",
    [
        {"v": 1, "q": "Q", "o": -1},
        {"v": 1, "q": "Q", "o": "3"},
        {"v": 1, "q": "Q", "o": True},
        {"v": 1, "q": "Q", "o": 1.5},
        {"v": 1, "q": "Q", "k": 5},
        {"v": 1, "q": "Q", "k": [1, 2]},
    ],
)
def test_fields_of_the_wrong_type_are_refused(payload: dict[str, Any]) -> None:
    with pytest.raises(InvalidParameterValue, match="Invalid page token"):
        page_tokens.decode(_raw(payload), "Q")


def test_a_key_of_the_wrong_kind_for_the_route_is_refused() -> None:
    with pytest.raises(InvalidParameterValue):
        page_tokens.decode(page_tokens.encode("Q", key="s"), "Q").mapping_key()
    with pytest.raises(InvalidParameterValue):
        page_tokens.decode(page_tokens.encode("Q", key={"a": 1}), "Q").string_key()


@pytest.mark.parametrize("token", GARBAGE)
def test_garbage_is_an_invalid_parameter(token: str) -> None:
    with pytest.raises(InvalidParameterValue):
        page_tokens.decode(token, "Q")


OWNER = Caller(principal="arn:aws:iam::123456789012:user/owner")


# -- every paged route -------------------------------------------------------------------------------------------


@pytest.fixture
def routes() -> dict[str, Callable[[str | None], str | None]]:
    """Each paged route, fed a page token, answering its next page token (two results exist, one per page)."""
    store = InMemoryRegistryStore()
    ticks = itertools.count(1_700_000_000_000)
    registry = RegistryService(store, OWNER, clock=lambda: next(ticks))
    for name in ("a", "b"):
        registry.create_registered_model(name)
        for _ in range(2):
            registry.create_model_version(name, f"s3://bucket/{name}", run_id="r1")
    registry.transition_model_version_stage("a", 1, Stage.STAGING.value, archive_existing_versions=False)
    registry.transition_model_version_stage("a", 1, Stage.PRODUCTION.value, archive_existing_versions=False)
    search = SearchService(store, OWNER)
    history = HistoryService(store, OWNER)
    webhooks = WebhookService(InMemoryWebhookStore(), OWNER, allow_loopback=True)
    for name in ("w1", "w2"):
        webhooks.create_webhook(
            name, "http://127.0.0.1:9/hook", [WebhookEventName(entity="registered_model", action="created")]
        )
    tracking = TrackingService(InMemoryTrackingStore(), "s3://bucket/mlruns", OWNER, clock=lambda: 1000)
    experiment = tracking.create_experiment("e")
    for _ in range(2):
        run = tracking.create_run(experiment, "me", None, {}, None)
    for step in range(2):
        tracking.log_metric(run.run_id, Metric(key="m", value=1.0, timestamp=1000 + step, step=step))
    return {
        "models": lambda t: search.search_registered_models(max_results=1, page_token=t).next_page_token,
        "versions": lambda t: search.search_model_versions(max_results=1, page_token=t).next_page_token,
        "versions of a": lambda t: (
            search.search_model_versions("name = 'a'", max_results=1, page_token=t).next_page_token
        ),
        "model history": lambda t: history.model_history("a", max_results=1, page_token=t).next_page_token,
        "version history": lambda t: history.version_history("a", 1, max_results=1, page_token=t).next_page_token,
        "webhooks": lambda t: webhooks.list_webhooks(max_results=1, page_token=t)[1],
        "runs": lambda t: tracking.search_runs([experiment], None, "ACTIVE_ONLY", 1, [], t).next_page_token,
        "experiments": lambda t: tracking.search_experiments("ALL", 1, None, [], t).next_page_token,
        "metric history": lambda t: tracking.get_metric_history(run.run_id, "m", 1, t).next_page_token,
    }


def test_every_route_continues_with_its_own_token_and_refuses_every_other(
    routes: dict[str, Callable[[str | None], str | None]],
) -> None:
    tokens = {name: route(None) for name, route in routes.items()}
    assert [name for name, token in tokens.items() if token is None] == []
    for name, route in routes.items():
        route(tokens[name])  # its own token: the next page
        for other, token in tokens.items():
            if other != name:
                with pytest.raises(InvalidParameterValue):
                    route(token)


@pytest.mark.parametrize("token", GARBAGE)
def test_every_route_answers_garbage_with_an_invalid_parameter(
    routes: dict[str, Callable[[str | None], str | None]], token: str
) -> None:
    for name, route in routes.items():
        with pytest.raises(InvalidParameterValue):
            route(token)
        assert name


@pytest.mark.parametrize("key", [{"k": 3}, {"k": [1]}, {"pk": "x"}, {"k": [1, 2, 3]}, {"k": ["x", 1]}, {"k": None}])
def test_a_forged_resume_key_with_the_right_query_is_refused(
    routes: dict[str, Callable[[str | None], str | None]], key: dict[str, Any]
) -> None:
    queries = {
        "models": page_tokens.query_fingerprint("registered-models/search", "", [["name", True]]),
        "webhooks": page_tokens.query_fingerprint("webhooks/list"),
    }
    for name, query in queries.items():
        with pytest.raises(InvalidParameterValue):
            routes[name](page_tokens.encode(query, key=key))
