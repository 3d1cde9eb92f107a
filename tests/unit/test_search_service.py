"""Searches: filters, orders and page tokens, against the in-memory store."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from registry_core.domain.entities import Caller
from registry_core.domain.errors import InvalidParameterValue
from registry_core.service import search as search_module
from registry_core.service.registry import RegistryService
from registry_core.service.search import SearchService
from registry_core.store.memory import InMemoryRegistryStore

TESTER = Caller(principal="arn:aws:iam::1:user/tester")


@pytest.fixture
def store() -> InMemoryRegistryStore:
    return InMemoryRegistryStore()


@pytest.fixture
def registry(store: InMemoryRegistryStore) -> RegistryService:
    ticks = itertools.count(1_700_000_000_000)
    return RegistryService(store, TESTER, clock=lambda: next(ticks))


@pytest.fixture
def search(store: InMemoryRegistryStore) -> SearchService:
    return SearchService(store, TESTER)


def _all_pages(fetch: Any, max_results: int) -> list[list[str]]:
    pages, token = [], None
    while True:
        page = fetch(max_results=max_results, page_token=token)
        pages.append([f"{item.name}/{item.version}" if hasattr(item, "version") else item.name for item in page.items])
        token = page.next_page_token
        if token is None:
            return pages


def test_models_page_in_name_order_without_an_empty_last_page(registry: RegistryService, search: SearchService) -> None:
    for name in ["g", "c", "a", "e", "b", "f", "d"]:
        registry.create_registered_model(name)
    pages = _all_pages(search.search_registered_models, 3)
    assert pages == [["a", "b", "c"], ["d", "e", "f"], ["g"]]
    exact = _all_pages(search.search_registered_models, 7)
    assert exact == [["a", "b", "c", "d", "e", "f", "g"]]


def test_models_filter_by_name_pattern_and_tag(registry: RegistryService, search: SearchService) -> None:
    registry.create_registered_model("fraud-a", {"team": "risk"})
    registry.create_registered_model("Fraud-b", {"team": "growth"})
    registry.create_registered_model("churn", {"team": "risk"})
    names = lambda f: [m.name for m in search.search_registered_models(f).items]  # noqa: E731
    assert names("name LIKE 'fraud%'") == ["fraud-a"]
    assert names("name ILIKE 'fraud%'") == ["Fraud-b", "fraud-a"]
    assert names("tags.team = 'risk'") == ["churn", "fraud-a"]
    assert names("name = 'churn'") == ["churn"]
    assert names("tags.`mlflow.prompt.is_prompt` != 'true'") == ["Fraud-b", "churn", "fraud-a"]


def test_models_order_by_last_update_descending(registry: RegistryService, search: SearchService) -> None:
    for name in ["a", "b", "c"]:
        registry.create_registered_model(name)
    registry.update_registered_model("a", "touched last")
    page = search.search_registered_models(order_by=["last_updated_timestamp DESC"])
    assert [m.name for m in page.items] == ["a", "c", "b"]


def test_a_token_only_continues_the_search_it_came_from(registry: RegistryService, search: SearchService) -> None:
    for name in ["a", "b", "c"]:
        registry.create_registered_model(name)
    token = search.search_registered_models(max_results=1).next_page_token
    with pytest.raises(InvalidParameterValue, match="another filter or order"):
        search.search_registered_models("name LIKE 'b%'", max_results=1, page_token=token)
    with pytest.raises(InvalidParameterValue, match="Invalid page token"):
        search.search_registered_models(page_token="not-a-token")


@pytest.mark.parametrize(("max_results", "fragment"), [(0, "positive"), (1001, "at most 1000")])
def test_max_results_is_bounded_as_mlflow_bounds_it(search: SearchService, max_results: int, fragment: str) -> None:
    with pytest.raises(InvalidParameterValue, match=fragment):
        search.search_registered_models(max_results=max_results)


def test_versions_of_one_model_in_default_order_page_by_offset(
    registry: RegistryService, search: SearchService
) -> None:
    registry.create_registered_model("m")
    registry.create_registered_model("other")
    for _ in range(5):
        registry.create_model_version("m", "s3://x")
    registry.create_model_version("other", "s3://y")
    registry.update_model_version("m", 2, "touched last")
    pages = _all_pages(lambda **kw: search.search_model_versions("name = 'm'", **kw), 2)
    assert pages == [["m/2", "m/5"], ["m/4", "m/3"], ["m/1"]]


def test_versions_by_version_number_stream_from_the_models_partition(
    registry: RegistryService, search: SearchService
) -> None:
    registry.create_registered_model("m")
    for _ in range(5):
        registry.create_model_version("m", "s3://x")
    pages = _all_pages(
        lambda **kw: search.search_model_versions("name = 'm'", order_by=["version_number ASC"], **kw), 2
    )
    assert pages == [["m/1", "m/2"], ["m/3", "m/4"], ["m/5"]]


def test_versions_filter_by_run_tags_and_number(registry: RegistryService, search: SearchService) -> None:
    registry.create_registered_model("m")
    registry.create_model_version("m", "s3://a", run_id="r1", tags={"validated": "true"})
    registry.create_model_version("m", "s3://b", run_id="r2")
    registry.create_model_version("m", "s3://c", run_id="r3")
    versions = lambda f: sorted(v.version for v in search.search_model_versions(f).items)  # noqa: E731
    assert versions("run_id IN ('r1', 'r3')") == [1, 3]
    assert versions("run_id = 'r2'") == [2]
    assert versions("tags.validated = 'true'") == [1]
    assert versions("name = 'm' AND version_number >= 2") == [2, 3]
    assert versions("source_path = 's3://b'") == [2]


def test_searches_return_aliases_and_skip_deleted_versions(registry: RegistryService, search: SearchService) -> None:
    registry.create_registered_model("m")
    for _ in range(3):
        registry.create_model_version("m", "s3://x")
    registry.set_registered_model_alias("m", "champion", 3)
    registry.delete_model_version("m", 2)
    found = {v.version: v.aliases for v in search.search_model_versions().items}
    assert found == {3: ["champion"], 1: []}


def test_models_being_deleted_are_not_found(
    registry: RegistryService, search: SearchService, store: InMemoryRegistryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry.create_registered_model("kept")
    registry.create_registered_model("gone")
    registry.create_model_version("gone", "s3://x")

    def interrupted(*_: Any) -> None:
        raise TimeoutError("injected")

    monkeypatch.setattr(store, "delete_versions_in_batches", interrupted)
    with pytest.raises(TimeoutError):
        registry.delete_registered_model("gone")
    assert [m.name for m in search.search_registered_models().items] == ["kept"]
    assert search.search_model_versions().items == []


def test_a_selective_filter_reads_a_bounded_number_of_items_and_hands_back_a_token(
    registry: RegistryService, search: SearchService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_module, "READ_BUDGET_ITEMS", 4)
    monkeypatch.setattr(search_module, "QUERY_PAGE_ITEMS", 2)
    for index in range(10):
        registry.create_registered_model(f"m{index}", {"hit": "yes"} if index == 8 else None)
    first = search.search_registered_models("tags.hit = 'yes'")
    assert first.items == [] and first.next_page_token is not None
    found: list[str] = []
    token: str | None = first.next_page_token
    while token:
        page = search.search_registered_models("tags.hit = 'yes'", page_token=token)
        found.extend(m.name for m in page.items)
        token = page.next_page_token
    assert found == ["m8"]


def test_an_order_that_needs_a_large_in_memory_sort_is_refused(
    registry: RegistryService, search: SearchService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_module, "SORT_WINDOW_ITEMS", 3)
    registry.create_registered_model("m")
    for _ in range(4):
        registry.create_model_version("m", "s3://x")
    with pytest.raises(InvalidParameterValue, match="sort more than 3"):
        search.search_model_versions(order_by=["creation_timestamp ASC"])
