"""Reading the history of stage and alias changes: per version, per model, and "what pointed where at time T"."""

from __future__ import annotations

from dataclasses import dataclass, replace

from registry_core.domain.entities import Caller, RegisteredModel, canonical_stage
from registry_core.domain.errors import InvalidParameterValue, ResourceDoesNotExist
from registry_core.domain.governance import HistoryRecord
from registry_core.domain.limits import HISTORY_MAX_RESULTS_DEFAULT, HISTORY_MAX_RESULTS_THRESHOLD
from registry_core.domain.permissions import PermissionLevel, authorize
from registry_core.domain.validation import validate_alias_name, validate_model_name, validate_version
from registry_core.service import page_tokens
from registry_core.store.base import HistoryIndex, HistoryQuery, RecordPosition, RegistryStore, record_position

# Records read per round trip when a stage's holders at time T are replayed.
REPLAY_PAGE_SIZE = 500


@dataclass(frozen=True)
class HistoryPage:
    records: list[HistoryRecord]
    next_page_token: str | None


def _check_max_results(max_results: int) -> None:
    if not 1 <= max_results <= HISTORY_MAX_RESULTS_THRESHOLD:
        raise InvalidParameterValue(
            f"Invalid value for max_results: it must be between 1 and {HISTORY_MAX_RESULTS_THRESHOLD}, "
            f"but got {max_results}"
        )


def _position_text(position: RecordPosition) -> str:
    return ".".join(map(str, position))


def _position_of(text: str | None) -> RecordPosition | None:
    """The record position a page token carries ("<timestamp>.<rev>.<seq>"), checked."""
    if text is None:
        return None
    parts = text.split(".")
    if len(parts) != 3 or not all(part.isascii() and part.isdigit() and len(part) <= 20 for part in parts):
        raise InvalidParameterValue("Invalid page token: it does not resume this query.")
    return int(parts[0]), int(parts[1]), int(parts[2])


class HistoryService:
    def __init__(self, store: RegistryStore, caller: Caller) -> None:
        self._store = store
        self._caller = caller

    def _model(self, name: str) -> RegisteredModel:
        validate_model_name(name)
        model = self._store.get_model(name)
        if model is None or not model.visible:
            raise ResourceDoesNotExist(f"Registered Model with name={name} not found")
        # History shows the model's whole record (versions, principals, comments): reading it needs READ.
        authorize(model, self._caller, PermissionLevel.READ)
        return model

    def _page(
        self,
        scope: str,
        sources: list[HistoryQuery],
        max_results: int,
        page_token: str | None,
        ascending: bool,
    ) -> HistoryPage:
        """One page merged from the sources (each in time order); the token holds the last position returned."""
        _check_max_results(max_results)
        fingerprint = page_tokens.query_fingerprint("history", scope, ascending)
        cursor = _position_of(page_tokens.decode(page_token, fingerprint).string_key())
        merged: dict[RecordPosition, HistoryRecord] = {}
        for source in sources:
            # One more than asked tells whether another page exists.
            query = replace(
                source,
                after=cursor if ascending else None,
                before=None if ascending else cursor,
                ascending=ascending,
                limit=max_results + 1,
            )
            for record in self._store.query_history(query):
                merged[record_position(record)] = record
        ordered = sorted(merged.items(), reverse=not ascending)
        page = ordered[:max_results]
        token = page_tokens.encode(fingerprint, key=_position_text(page[-1][0])) if len(ordered) > max_results else None
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
        sources = [HistoryQuery(HistoryIndex.MODEL, model.uid)]
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
        sources = [
            HistoryQuery(HistoryIndex.VERSION, model.uid, number),
            HistoryQuery(HistoryIndex.VERSION_ALIAS_LEFT, model.uid, number),
        ]
        return self._page(f"version:{model.uid}:{number}", sources, max_results, page_token, ascending)

    def alias_at(self, name: str, alias: str, timestamp: int) -> tuple[int | None, HistoryRecord | None]:
        """The version `alias` pointed to at `timestamp` (ms), with the record that put it there; None if unset."""
        model = self._model(name)
        validate_alias_name(alias)
        query = HistoryQuery(
            HistoryIndex.ALIAS,
            model.uid,
            alias,
            at_or_before_ms=timestamp,
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
        events: dict[RecordPosition, HistoryRecord] = {}
        for index in (HistoryIndex.STAGE_ENTERED, HistoryIndex.STAGE_LEFT):
            after: RecordPosition | None = None
            while True:
                query = HistoryQuery(
                    index, model.uid, canonical, after=after, at_or_before_ms=timestamp, limit=REPLAY_PAGE_SIZE
                )
                page = self._store.query_history(query)
                for record in page:
                    events[record_position(record)] = record
                if len(page) < REPLAY_PAGE_SIZE:
                    break
                after = record_position(page[-1])
        holders: set[int] = set()
        for _, record in sorted(events.items()):
            if record.version is None:
                continue
            if record.from_stage == canonical:
                holders.discard(record.version)
            if record.to_stage == canonical:
                holders.add(record.version)
        return sorted(holders)
