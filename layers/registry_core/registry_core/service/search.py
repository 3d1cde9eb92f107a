"""Searches over registered models and model versions, served from DynamoDB indexes without a table Scan.

A search picks the narrowest source its filter allows (one model's partition, a run's index entries, a name prefix,
or a whole index in the requested order) and then either
- streams that source in index order, filtering as it goes, and resumes from the last item it looked at (the page
  token, `service/page_tokens.py`, holds that key), when the index order is the requested order; or
- reads the whole candidate set (at most SORT_WINDOW_ITEMS), sorts it in memory and pages by offset, when it is not.
Filters that no key serves (`name LIKE '%x%'`, tags, ILIKE, ...) make a request read more items than it returns;
READ_BUDGET_ITEMS bounds that, and the request then answers a short page with a token to continue.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from registry_core.domain.entities import Caller, ModelVersion, RegisteredModel
from registry_core.domain.errors import InvalidParameterValue
from registry_core.domain.limits import (
    SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT,
    SEARCH_MODEL_VERSION_MAX_RESULTS_THRESHOLD,
    SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT,
    SEARCH_REGISTERED_MODEL_MAX_RESULTS_THRESHOLD,
)
from registry_core.domain.permissions import can_read
from registry_core.search import filters, index_plan
from registry_core.service import page_tokens
from registry_core.store.base import Index, Page, PageRequest, RegistryStore, ResumeKey

T = TypeVar("T")

# Items one request may examine for a filter that no key serves; past it the page is cut short.
READ_BUDGET_ITEMS = 5_000
# Candidates one request may sort in memory for an order no index gives.
SORT_WINDOW_ITEMS = 10_000
# Keep a response well under Lambda's 6 MB payload limit; a larger page is cut short with a token.
RESPONSE_BUDGET_BYTES = 4_000_000
QUERY_PAGE_ITEMS = 500


@dataclass(frozen=True)
class SearchPage:
    items: list[Any]
    next_page_token: str | None


def model_view(model: RegisteredModel) -> dict[str, Any]:
    return {
        "name": model.name,
        "tags": model.tags,
        "description": model.description,
        "creation_timestamp": model.creation_timestamp,
        "last_updated_timestamp": model.last_updated_timestamp,
    }


def version_view(version: ModelVersion) -> dict[str, Any]:
    return {
        "name": version.name,
        "version": version.version,
        "run_id": version.run_id,
        "source": version.source,
        "current_stage": str(version.current_stage),
        "status": str(version.status),
        "user_id": version.user_id,
        "description": version.description,
        "creation_timestamp": version.creation_timestamp,
        "last_updated_timestamp": version.last_updated_timestamp,
        "tags": version.tags,
    }


def _approximate_size(entity: RegisteredModel | ModelVersion) -> int:
    return len(entity.model_dump_json(exclude={"copies"} if isinstance(entity, RegisteredModel) else None))


def _resume_token(fingerprint: str, resume: ResumeKey | None) -> str | None:
    return page_tokens.encode(fingerprint, key=resume) if resume else None


def _check_max_results(max_results: int, threshold: int) -> None:
    if max_results < 1:
        raise InvalidParameterValue(
            f"Invalid value for max_results. It must be a positive integer, but got {max_results}"
        )
    if max_results > threshold:
        raise InvalidParameterValue(
            "Invalid value for request parameter max_results. It must be at most "
            f"{threshold}, but got value {max_results}"
        )


def _stream(
    fetch: Callable[[ResumeKey | None, int], Page[T]],
    start: ResumeKey | None,
    accept: Callable[[list[T]], list[bool]],
    max_results: int,
) -> tuple[list[T], ResumeKey | None]:
    """Walk an index in order from `start`, keeping what `accept` accepts.

    Returns the matches and where to resume (None when the index is exhausted). It looks one match past the page so
    that a full last page does not hand out a token to an empty one.
    """
    results: list[T] = []
    result_keys: list[ResumeKey] = []
    examined = 0
    size = 0
    while True:
        page = fetch(start, QUERY_PAGE_ITEMS)
        verdicts = accept([entity for entity, _ in page.items])
        for (entity, key), accepted in zip(page.items, verdicts, strict=True):
            examined += 1
            if accepted:
                if len(results) == max_results:
                    return results, result_keys[-1]
                results.append(entity)
                result_keys.append(key)
                size += _approximate_size(entity)  # type: ignore[arg-type]
                if size > RESPONSE_BUDGET_BYTES:
                    return results, key
            if examined >= READ_BUDGET_ITEMS:
                return results, key
        if page.last_key is None:
            return results, None
        start = page.last_key


def _read_window(fetch: Callable[[ResumeKey | None, int], Page[T]]) -> list[T]:
    """The whole candidate set of a source, for an in-memory sort; bounded by SORT_WINDOW_ITEMS."""
    entities: list[T] = []
    start: ResumeKey | None = None
    while True:
        page = fetch(start, QUERY_PAGE_ITEMS)
        entities.extend(entity for entity, _ in page.items)
        if len(entities) > SORT_WINDOW_ITEMS:
            raise InvalidParameterValue(
                f"This search would sort more than {SORT_WINDOW_ITEMS} items in memory. Narrow it with a filter "
                "on name or run_id, or order by last_updated_timestamp (the order smr keeps an index for)."
            )
        if page.last_key is None:
            return entities
        start = page.last_key


def _page_of_window(
    entities: list[T], sort_key: Callable[[T], Any], offset: int, max_results: int, fingerprint: str
) -> SearchPage:
    ordered = sorted(entities, key=sort_key)
    page: list[T] = []
    size = 0
    for entity in ordered[offset : offset + max_results]:
        page.append(entity)
        size += _approximate_size(entity)  # type: ignore[arg-type]
        if size > RESPONSE_BUDGET_BYTES:
            break
    next_offset = offset + len(page)
    token = page_tokens.encode(fingerprint, offset=next_offset) if next_offset < len(ordered) else None
    return SearchPage(page, token)


class SearchService:
    def __init__(self, store: RegistryStore, caller: Caller) -> None:
        self._store = store
        # Private models the caller may not read are left out of every result, as if they did not exist.
        self._caller = caller

    # -- registered models ---------------------------------------------------------------------------------

    def search_registered_models(
        self,
        filter_string: str | None = None,
        max_results: int = SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT,
        order_by: list[str] | None = None,
        page_token: str | None = None,
    ) -> SearchPage:
        _check_max_results(max_results, SEARCH_REGISTERED_MODEL_MAX_RESULTS_THRESHOLD)
        clauses = filters.parse_registered_model_filter(filter_string)
        order = filters.parse_registered_model_order_by(order_by)
        sort_key = filters.sort_key_registered_model(order)
        fingerprint = page_tokens.query_fingerprint("registered-models/search", filter_string or "", order)
        cursor = page_tokens.decode(page_token, fingerprint)

        def accept(models: list[RegisteredModel]) -> list[bool]:
            return [
                model.visible
                and can_read(model, self._caller)
                and filters.matches_registered_model(model_view(model), clauses)
                for model in models
            ]

        exact = index_plan.exact_name(clauses)
        if exact is not None:
            found = self._store.get_model(exact)
            matches = [found] if found is not None and accept([found])[0] else []
            return _page_of_window(matches, lambda m: sort_key(model_view(m)), cursor.offset, max_results, fingerprint)

        primary, ascending = order[0]
        index = Index.MODELS_BY_NAME if primary == "name" else Index.MODELS_BY_UPDATE
        prefix = index_plan.name_prefix(clauses) if index is Index.MODELS_BY_NAME else None

        def fetch(start: ResumeKey | None, limit: int) -> Page[RegisteredModel]:
            return self._store.query_models(PageRequest(index, ascending, prefix=prefix, start_key=start, limit=limit))

        results, resume = _stream(fetch, cursor.mapping_key(), accept, max_results)
        # The index breaks timestamp ties by name in the index's direction; MLflow by name ascending.
        results.sort(key=lambda m: sort_key(model_view(m)))
        return SearchPage(results, _resume_token(fingerprint, resume))

    # -- model versions ------------------------------------------------------------------------------------

    def search_model_versions(
        self,
        filter_string: str | None = None,
        max_results: int = SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT,
        order_by: list[str] | None = None,
        page_token: str | None = None,
    ) -> SearchPage:
        _check_max_results(max_results, SEARCH_MODEL_VERSION_MAX_RESULTS_THRESHOLD)
        clauses = filters.parse_model_version_filter(filter_string)
        order = filters.parse_model_version_order_by(order_by)
        view_key = filters.sort_key_model_version(order)

        def sort_key(version: ModelVersion) -> Any:
            return view_key(version_view(version))

        fingerprint = page_tokens.query_fingerprint("model-versions/search", filter_string or "", order)
        cursor = page_tokens.decode(page_token, fingerprint)
        models: dict[str, RegisteredModel] = {}

        def accept(versions: list[ModelVersion]) -> list[bool]:
            missing = sorted({version.name for version in versions} - models.keys())
            if missing:
                models.update(self._store.get_models(missing))
            verdicts = []
            for version in versions:
                model = models.get(version.name)
                live = (
                    model is not None
                    and model.visible
                    and version.version in model.stages
                    and can_read(model, self._caller)
                )
                verdicts.append(live and filters.matches_model_version(version_view(version), clauses))
            return verdicts

        def with_aliases(page: SearchPage) -> SearchPage:
            return SearchPage([models[v.name].with_aliases(v) for v in page.items], page.next_page_token)

        primary, ascending = order[0]
        exact = index_plan.exact_name(clauses)
        runs = index_plan.run_ids(clauses)
        if exact is not None:
            model_source = PageRequest(Index.VERSIONS_OF_MODEL, partition=exact)
            if primary == "version":
                # One model's partition is in version order: stream it.
                def fetch_model(start: ResumeKey | None, limit: int) -> Page[ModelVersion]:
                    return self._store.query_versions(
                        PageRequest(Index.VERSIONS_OF_MODEL, ascending, partition=exact, start_key=start, limit=limit)
                    )

                results, resume = _stream(fetch_model, cursor.mapping_key(), accept, max_results)
                return with_aliases(SearchPage(results, _resume_token(fingerprint, resume)))
            candidates = self._read_versions(model_source)
        elif runs is not None:
            candidates = []
            for run_id in runs:
                candidates.extend(self._read_versions(PageRequest(Index.VERSIONS_BY_RUN, partition=run_id)))
        elif primary == "last_updated_timestamp":

            def fetch_updated(start: ResumeKey | None, limit: int) -> Page[ModelVersion]:
                return self._store.query_versions(
                    PageRequest(Index.VERSIONS_BY_UPDATE, ascending, start_key=start, limit=limit)
                )

            results, resume = _stream(fetch_updated, cursor.mapping_key(), accept, max_results)
            results.sort(key=sort_key)
            return with_aliases(SearchPage(results, _resume_token(fingerprint, resume)))
        else:
            candidates = self._read_versions(
                PageRequest(Index.VERSIONS_BY_NAME, prefix=index_plan.name_prefix(clauses))
            )
        matching = [version for version, ok in zip(candidates, accept(candidates), strict=True) if ok]
        return with_aliases(_page_of_window(matching, sort_key, cursor.offset, max_results, fingerprint))

    def _read_versions(self, source: PageRequest) -> list[ModelVersion]:
        def fetch(start: ResumeKey | None, limit: int) -> Page[ModelVersion]:
            return self._store.query_versions(
                PageRequest(
                    source.index,
                    source.ascending,
                    partition=source.partition,
                    prefix=source.prefix,
                    start_key=start,
                    limit=limit,
                )
            )

        return _read_window(fetch)
