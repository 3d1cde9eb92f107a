"""Reading the history of stage and alias changes: per version, per model, and "what pointed where at time T"."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from registry_core.domain.entities import Caller, RegisteredModel, canonical_stage
from registry_core.domain.errors import InvalidParameterValue
from registry_core.domain.governance import HistoryRecord
from registry_core.domain.permissions import PermissionLevel, authorize, model_not_found
from registry_core.domain.validation import validate_alias_name, validate_model_name, validate_version
from registry_core.store import keys
from registry_core.store.base import HistoryIndex, HistoryQuery, RegistryStore

HISTORY_MAX_RESULTS_DEFAULT = 100
HISTORY_MAX_RESULTS_THRESHOLD = 1000
# Records read per round trip when a stage's holders at time T are replayed.
REPLAY_PAGE_SIZE = 500
_TOKEN_VERSION = 1


@dataclass(frozen=True)
class HistoryPage:
    records: list[HistoryRecord]
    next_page_token: str | None


def _encode_token(scope: str, after: str, ascending: bool) -> str:
    payload = {"v": _TOKEN_VERSION, "s": scope, "k": after, "a": ascending}
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()


def _decode_token(token: str | None, scope: str, ascending: bool) -> str | None:
    if not token:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidParameterValue(f"Invalid page token: {token!r}.") from None
    if (
        not isinstance(payload, dict)
        or payload.get("v") != _TOKEN_VERSION
        or payload.get("s") != scope
        or payload.get("a") != ascending
        or not isinstance(payload.get("k"), str)
    ):
        raise InvalidParameterValue("The page token belongs to another history query; start again.")
    key: str = payload["k"]
    return key


def _check_max_results(max_results: int) -> None:
    if not 1 <= max_results <= HISTORY_MAX_RESULTS_THRESHOLD:
        raise InvalidParameterValue(
            f"Invalid value for max_results: it must be between 1 and {HISTORY_MAX_RESULTS_THRESHOLD}, "
            f"but got {max_results}"
        )


def record_key(record: HistoryRecord) -> str:
    return keys.record_sk(record.timestamp, record.rev, record.seq)


class HistoryService:
    def __init__(self, store: RegistryStore, caller: Caller) -> None:
        self._store = store
        # History names principals, comments and versions: READ on the model, like every other read of it.
        self._caller = caller

    def _model(self, name: str) -> RegisteredModel:
        validate_model_name(name)
        model = self._store.get_model(name)
        if model is None or not model.visible:
            raise model_not_found(name)
        authorize(model, self._caller, PermissionLevel.READ)
        return model

    def _page(
        self,
        scope: str,
        sources: list[tuple[HistoryIndex, str]],
        max_results: int,
        page_token: str | None,
        ascending: bool,
    ) -> HistoryPage:
        """One page merged from the sources (each ordered by record key); the token is the last key returned."""
        _check_max_results(max_results)
        cursor = _decode_token(page_token, scope, ascending)
        lower = keys.record_sk_just_after(cursor) if cursor and ascending else None
        upper = keys.record_sk_just_before(cursor) if cursor and not ascending else None
        merged: dict[str, HistoryRecord] = {}
        for index, partition in sources:
            # One more than asked tells whether another page exists.
            query = HistoryQuery(index, partition, lower, upper, ascending, max_results + 1)
            for record in self._store.query_history(query):
                merged[record_key(record)] = record
        ordered = sorted(merged.items(), reverse=not ascending)
        page = ordered[:max_results]
        token = _encode_token(scope, page[-1][0], ascending) if len(ordered) > max_results else None
        return HistoryPage([record for _, record in page], token)

    def model_history(
        self,
        name: str,
        max_results: int = HISTORY_MAX_RESULTS_DEFAULT,
        page_token: str | None = None,
        ascending: bool = True,
    ) -> HistoryPage:
        """Every stage and alias change of a model, across renames, including those of deleted versions."""
        model = self._model(name)
        sources = [(HistoryIndex.MODEL, keys.history_pk(model.uid))]
        return self._page(f"model:{model.uid}", sources, max_results, page_token, ascending)

    def version_history(
        self,
        name: str,
        version: str | int,
        max_results: int = HISTORY_MAX_RESULTS_DEFAULT,
        page_token: str | None = None,
        ascending: bool = True,
    ) -> HistoryPage:
        """A version's stage changes and the alias changes that pointed an alias at it or away from it."""
        model = self._model(name)
        number = validate_version(version)
        partition = keys.history_version_partition(model.uid, number)
        sources = [(HistoryIndex.VERSION, partition), (HistoryIndex.VERSION_ALIAS_LEFT, partition)]
        return self._page(f"version:{model.uid}:{number}", sources, max_results, page_token, ascending)

    def alias_at(self, name: str, alias: str, timestamp: int) -> tuple[int | None, HistoryRecord | None]:
        """The version `alias` pointed to at `timestamp` (ms), with the record that put it there; None if unset."""
        model = self._model(name)
        validate_alias_name(alias)
        query = HistoryQuery(
            HistoryIndex.ALIAS,
            keys.history_alias_partition(model.uid, alias),
            upper=keys.record_sk_upper_bound_at(timestamp),
            ascending=False,
            limit=1,
        )
        found = self._store.query_history(query)
        if not found:
            return None, None
        return found[0].to_version, found[0]

    def stage_at(self, name: str, stage: str, timestamp: int) -> list[int]:
        """The versions that were in `stage` at `timestamp` (ms), replaying the stage's entries and exits."""
        model = self._model(name)
        canonical = canonical_stage(stage).value
        upper = keys.record_sk_upper_bound_at(timestamp)
        events: dict[str, HistoryRecord] = {}
        for index, partition in (
            (HistoryIndex.STAGE_ENTERED, keys.history_stage_entered_partition(model.uid, canonical)),
            (HistoryIndex.STAGE_LEFT, keys.history_stage_left_partition(model.uid, canonical)),
        ):
            lower: str | None = None
            while True:
                page = self._store.query_history(HistoryQuery(index, partition, lower, upper, True, REPLAY_PAGE_SIZE))
                for record in page:
                    events[record_key(record)] = record
                if len(page) < REPLAY_PAGE_SIZE:
                    break
                lower = keys.record_sk_just_after(record_key(page[-1]))
        holders: set[int] = set()
        for _, record in sorted(events.items()):
            if record.version is None:
                continue
            if record.from_stage == canonical:
                holders.discard(record.version)
            if record.to_stage == canonical:
                holders.add(record.version)
        return sorted(holders)
