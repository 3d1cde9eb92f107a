"""History, promotion policies, optimistic alias moves and outbox events, against the in-memory store."""

from __future__ import annotations

import threading

import pytest

from registry_core.domain.entities import Caller, Stage, VersionStatus
from registry_core.domain.errors import InvalidParameterValue, ResourceConflict
from registry_core.domain.governance import ModelMetric, PromotionPolicy
from registry_core.service.governance import GovernanceService
from registry_core.service.history import HistoryService
from registry_core.service.registration import RegistrationService
from registry_core.service.registry import RegistryService
from registry_core.store.base import ConcurrentModification, Write
from registry_core.store.memory import InMemoryRegistryStore

START = 1_700_000_000_000
ALICE = Caller(principal="arn:aws:iam::1:user/alice", request_id="r-1")


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> int:
        self.now += 1
        return self.now


@pytest.fixture
def store() -> InMemoryRegistryStore:
    return InMemoryRegistryStore()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def registry(store: InMemoryRegistryStore, clock: Clock) -> RegistryService:
    return RegistryService(store, ALICE, clock=clock)


@pytest.fixture
def governance(store: InMemoryRegistryStore, clock: Clock) -> GovernanceService:
    return GovernanceService(store, ALICE, clock=clock)


@pytest.fixture
def history(store: InMemoryRegistryStore) -> HistoryService:
    return HistoryService(store, ALICE)


def _versions(registry: RegistryService, count: int = 3, name: str = "fraud") -> None:
    registry.create_registered_model(name)
    for index in range(count):
        registry.create_model_version(name, f"s3://b/{index}")


# -- history ---------------------------------------------------------------------------------------------------


def test_a_transition_records_who_when_from_to_comment_and_request(
    registry: RegistryService, history: HistoryService
) -> None:
    _versions(registry, 1)
    registry.transition_model_version_stage("fraud", 1, "staging", comment="canary passed")
    records = history.version_history("fraud", 1).records
    assert [(r.from_stage, r.to_stage) for r in records] == [(None, "None"), ("None", "Staging")]
    last = records[-1]
    assert last.principal == "arn:aws:iam::1:user/alice"
    assert last.request_id == "r-1"
    assert last.comment == "canary passed"
    assert last.timestamp > START


def test_promoting_records_the_archived_previous_holder_too(registry: RegistryService, history: HistoryService) -> None:
    _versions(registry, 2)
    registry.transition_model_version_stage("fraud", 1, "Production")
    registry.transition_model_version_stage("fraud", 2, "Production")
    v1 = history.version_history("fraud", 1).records
    assert (v1[-1].from_stage, v1[-1].to_stage, v1[-1].reason) == ("Production", "Archived", "archived_by_promotion")


class FailingCommit(InMemoryRegistryStore):
    """A transaction that fails (as a network error or a Lambda timeout would) whenever it carries history."""

    def commit(self, write: Write) -> None:
        if write.history:
            raise TimeoutError("injected: the transaction never reached the table")
        super().commit(write)


def test_a_change_and_its_history_record_land_together_or_not_at_all() -> None:
    store = FailingCommit()
    registry = RegistryService(store, ALICE, clock=Clock())
    registry.create_registered_model("fraud")
    uid = registry.get_registered_model("fraud").uid
    with pytest.raises(TimeoutError):
        registry.create_model_version("fraud", "s3://b/1")
    assert registry.get_registered_model("fraud").next_version == 1
    assert store.get_version("fraud", 1) is None
    assert [event.type.value for event in store.outbox_events(uid)] == ["registered_model.created"]


def test_a_history_key_already_taken_cancels_the_change(store: InMemoryRegistryStore) -> None:
    clock = Clock()
    registry = RegistryService(store, ALICE, clock=clock)
    _versions(registry, 1)
    model = store.get_model("fraud")
    assert model is not None
    # A record with the key the next change will use: same time, same revision, same position.
    frozen = clock.now + 1
    taken = (
        HistoryService(store, ALICE)
        .version_history("fraud", 1)
        .records[0]
        .model_copy(update={"timestamp": frozen, "rev": model.rev + 1, "seq": 0})
    )
    store.commit(Write(history=[taken]))
    with pytest.raises(ConcurrentModification):
        store.commit(
            Write(
                put_models=[(model.model_copy(update={"rev": model.rev + 1, "description": "x"}), model.rev)],
                history=[taken],
            )
        )
    read = store.get_model("fraud")
    assert read is not None and read.description is None and read.rev == model.rev


def test_history_survives_version_deletion_and_rename(registry: RegistryService, history: HistoryService) -> None:
    _versions(registry, 2)
    registry.set_registered_model_alias("fraud", "champion", 1)
    registry.delete_model_version("fraud", 1)
    registry.rename_registered_model("fraud", "fraud-v2")
    records = history.model_history("fraud-v2").records
    assert [(r.subject.value, r.version, r.reason) for r in records][-2:] == [
        ("stage", 1, "version_deleted"),
        ("alias", 1, "version_deleted"),
    ]
    assert [(r.subject.value, r.from_stage, r.to_stage) for r in history.version_history("fraud-v2", 1).records] == [
        ("stage", None, "None"),
        ("alias", None, None),
        ("stage", "None", None),
        ("alias", None, None),
    ]


def test_history_pages_with_opaque_tokens_in_time_order(registry: RegistryService, history: HistoryService) -> None:
    _versions(registry, 1)
    for stage in ["Staging", "Production", "Archived", "Staging", "Production"]:
        registry.transition_model_version_stage("fraud", 1, stage)
    seen = []
    token = None
    while True:
        page = history.version_history("fraud", 1, max_results=2, page_token=token)
        seen.extend(page.records)
        token = page.next_page_token
        if token is None:
            break
    assert [r.to_stage for r in seen] == ["None", "Staging", "Production", "Archived", "Staging", "Production"]
    assert [r.timestamp for r in seen] == sorted(r.timestamp for r in seen)
    newest_first = history.version_history("fraud", 1, max_results=4, ascending=False)
    assert [r.to_stage for r in newest_first.records] == ["Production", "Staging", "Archived", "Production"]
    rest = history.version_history("fraud", 1, max_results=4, page_token=newest_first.next_page_token, ascending=False)
    assert [r.to_stage for r in rest.records] == ["Staging", "None"]
    with pytest.raises(InvalidParameterValue):
        history.version_history("fraud", 1, page_token=newest_first.next_page_token)


def test_an_alias_move_shows_in_both_versions_histories(registry: RegistryService, history: HistoryService) -> None:
    _versions(registry, 2)
    registry.set_registered_model_alias("fraud", "champion", 1)
    registry.set_registered_model_alias("fraud", "champion", 2, comment="better recall")
    v1 = [r for r in history.version_history("fraud", 1).records if r.alias]
    v2 = [r for r in history.version_history("fraud", 2).records if r.alias]
    assert [(r.from_version, r.to_version) for r in v1] == [(None, 1), (1, 2)]
    assert [(r.from_version, r.to_version, r.comment) for r in v2] == [(1, 2, "better recall")]


def test_time_travel_answers_where_an_alias_and_a_stage_pointed(
    registry: RegistryService, history: HistoryService, clock: Clock
) -> None:
    _versions(registry, 3)
    checkpoints: dict[str, int] = {}
    registry.set_registered_model_alias("fraud", "champion", 1)
    registry.transition_model_version_stage("fraud", 1, "Production")
    checkpoints["a"] = clock.now
    registry.set_registered_model_alias("fraud", "champion", 2)
    registry.transition_model_version_stage("fraud", 2, "Production")
    checkpoints["b"] = clock.now
    registry.delete_registered_model_alias("fraud", "champion")
    registry.transition_model_version_stage("fraud", 3, "Production")
    registry.transition_model_version_stage("fraud", 2, "Archived")
    checkpoints["c"] = clock.now
    registry.set_registered_model_alias("fraud", "champion", 3)
    checkpoints["d"] = clock.now

    assert history.alias_at("fraud", "champion", START)[0] is None
    assert history.alias_at("fraud", "champion", checkpoints["a"])[0] == 1
    assert history.alias_at("fraud", "champion", checkpoints["b"])[0] == 2
    assert history.alias_at("fraud", "champion", checkpoints["c"])[0] is None
    assert history.alias_at("fraud", "champion", checkpoints["d"])[0] == 3
    assert history.stage_at("fraud", "Production", START) == []
    assert history.stage_at("fraud", "production", checkpoints["a"]) == [1]
    assert history.stage_at("fraud", "Production", checkpoints["b"]) == [2]
    assert history.stage_at("fraud", "Production", checkpoints["c"]) == [3]
    assert history.stage_at("fraud", "Archived", checkpoints["c"]) == [1, 2]
    assert history.stage_at("fraud", "None", checkpoints["a"]) == [2, 3]


# -- promotion policies ------------------------------------------------------------------------------------------

POLICY = PromotionPolicy.model_validate(
    {
        "rules": {
            "stage:Production": [
                {"type": "metric", "key": "accuracy", "op": ">=", "value": 0.95},
                {"type": "tag", "key": "validated", "value": "true"},
                {"type": "description_not_empty"},
                {"type": "prior_stage", "stage": "Staging"},
            ],
            "alias:champion": [{"type": "metric", "key": "accuracy", "op": ">=", "value": 0.9}],
        }
    }
)


def test_a_policy_blocks_a_promotion_listing_every_failed_rule(
    registry: RegistryService, governance: GovernanceService
) -> None:
    _versions(registry, 1)
    governance.set_promotion_policy("fraud", POLICY)
    governance.set_model_version_metrics("fraud", 1, [ModelMetric(key="accuracy", value=0.91)])
    before = registry.get_registered_model("fraud")
    with pytest.raises(InvalidParameterValue) as refused:
        registry.transition_model_version_stage("fraud", 1, "Production")
    message = refused.value.message
    for expected in ["accuracy >= 0.95 (it is 0.91)", "tag validated = true", "description", "Staging first"]:
        assert expected in message
    after = registry.get_registered_model("fraud")
    assert after.rev == before.rev and after.stages == {1: Stage.NONE}


def test_a_compliant_version_is_promoted(registry: RegistryService, governance: GovernanceService) -> None:
    _versions(registry, 1)
    governance.set_promotion_policy("fraud", POLICY)
    governance.set_model_version_metrics("fraud", 1, [ModelMetric(key="accuracy", value=0.97)], {"lr": "0.1"})
    registry.set_model_version_tag("fraud", 1, "validated", "true")
    registry.update_model_version("fraud", 1, "gradient boosting")
    registry.transition_model_version_stage("fraud", 1, "Staging")
    promoted = registry.transition_model_version_stage("fraud", 1, "Production")
    assert promoted.current_stage is Stage.PRODUCTION
    assert promoted.model_params == {"lr": "0.1"}


def test_a_policy_guards_alias_moves(registry: RegistryService, governance: GovernanceService) -> None:
    registry.create_registered_model("fraud")
    registry.create_model_version("fraud", "s3://b/1", model_metrics=[ModelMetric(key="accuracy", value=0.5)])
    registry.create_model_version("fraud", "s3://b/2", model_metrics=[ModelMetric(key="accuracy", value=0.93)])
    governance.set_promotion_policy("fraud", POLICY)
    with pytest.raises(InvalidParameterValue, match="alias:champion"):
        registry.set_registered_model_alias("fraud", "champion", 1)
    registry.set_registered_model_alias("fraud", "champion", 2)
    assert registry.get_registered_model("fraud").aliases == {"champion": 2}


def test_invalid_policies_are_refused() -> None:
    with pytest.raises(ValueError):
        PromotionPolicy.model_validate({"rules": {"production": []}})
    with pytest.raises(ValueError):
        PromotionPolicy.model_validate({"rules": {"stage:Production": [{"type": "metric", "key": "a", "op": "~"}]}})


# -- optimistic alias moves -------------------------------------------------------------------------------------


def test_an_alias_move_expecting_a_stale_target_is_refused(registry: RegistryService) -> None:
    _versions(registry, 3)
    registry.set_registered_model_alias("fraud", "champion", 1, expected_version="")
    with pytest.raises(ResourceConflict):
        registry.set_registered_model_alias("fraud", "champion", 2, expected_version="none")
    registry.set_registered_model_alias("fraud", "champion", 2, expected_version="1")
    with pytest.raises(ResourceConflict, match="points to version 2, not the expected version 1"):
        registry.set_registered_model_alias("fraud", "champion", 3, expected_version=1)
    assert registry.get_registered_model("fraud").aliases == {"champion": 2}


def test_two_concurrent_optimistic_alias_moves_exactly_one_wins(store: InMemoryRegistryStore) -> None:
    registry = RegistryService(store, ALICE, clock=Clock())
    _versions(registry, 3)
    registry.set_registered_model_alias("fraud", "champion", 1)
    barrier = threading.Barrier(2)
    outcomes: dict[int, str] = {}

    def move(target: int) -> None:
        barrier.wait()
        try:
            RegistryService(store, ALICE, clock=Clock()).set_registered_model_alias(
                "fraud", "champion", target, expected_version=1
            )
            outcomes[target] = "won"
        except ResourceConflict:
            outcomes[target] = "lost"

    threads = [threading.Thread(target=move, args=(target,)) for target in (2, 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["lost", "won"]
    winner = next(target for target, outcome in outcomes.items() if outcome == "won")
    assert registry.get_registered_model("fraud").aliases == {"champion": winner}


# -- events ---------------------------------------------------------------------------------------------------


def test_each_kind_of_change_writes_exactly_one_event_with_its_payload(
    registry: RegistryService, store: InMemoryRegistryStore, clock: Clock
) -> None:
    registry.create_registered_model("fraud", tags={"team": "risk"})
    uid = registry.get_registered_model("fraud").uid
    registry.set_registered_model_tag("fraud", "k", "v")
    registry.delete_registered_model_tag("fraud", "k")
    registry.create_model_version("fraud", "s3://b/1", status=VersionStatus.PENDING_REGISTRATION)
    RegistrationService(registry, store, ALICE, clock=clock).finish_registration("fraud", 1, VersionStatus.READY)
    registry.set_model_version_tag("fraud", 1, "a", "b")
    registry.delete_model_version_tag("fraud", 1, "a")
    registry.transition_model_version_stage("fraud", 1, "Staging", comment="go")
    registry.set_registered_model_alias("fraud", "champion", 1)
    registry.delete_registered_model_alias("fraud", "champion")
    registry.delete_model_version("fraud", 1)
    registry.rename_registered_model("fraud", "fraud2")
    registry.delete_registered_model("fraud2")
    events = store.outbox_events(uid)
    assert [event.type.value for event in events] == [
        "registered_model.created",
        "registered_model_tag.set",
        "registered_model_tag.deleted",
        "model_version.created",
        "model_version.ready",
        "model_version_tag.set",
        "model_version_tag.deleted",
        "model_version.stage_transitioned",
        "model_version_alias.created",
        "model_version_alias.deleted",
        "model_version.deleted",
        "registered_model.renamed",
        "registered_model.deleted",
    ]
    assert len({event.id for event in events}) == len(events)
    by_type = {event.type.value: event for event in events}
    assert by_type["registered_model.created"].data == {"name": "fraud", "tags": {"team": "risk"}}
    assert by_type["model_version_tag.set"].data == {"name": "fraud", "version": "1", "key": "a", "value": "b"}
    transition = by_type["model_version.stage_transitioned"]
    assert transition.data == {
        "name": "fraud",
        "version": "1",
        "from_stage": "None",
        "to_stage": "Staging",
        "archived_versions": [],
        "comment": "go",
    }
    assert transition.principal == "arn:aws:iam::1:user/alice" and transition.request_id == "r-1"
    assert by_type["model_version_alias.created"].data == {"name": "fraud", "alias": "champion", "version": "1"}
    assert by_type["registered_model.renamed"].data == {"name": "fraud2", "old_name": "fraud"}
    assert by_type["registered_model.deleted"].model_name == "fraud2"


def test_a_version_created_ready_announces_both_creation_and_readiness(
    registry: RegistryService, store: InMemoryRegistryStore
) -> None:
    registry.create_registered_model("fraud")
    registry.create_model_version("fraud", "s3://b/1")
    events = store.outbox_events(registry.get_registered_model("fraud").uid)
    assert [event.type.value for event in events] == [
        "registered_model.created",
        "model_version.created",
        "model_version.ready",
    ]


def test_event_ids_are_deterministic() -> None:
    from registry_core.service.changes import event_id

    assert event_id("u", 1, 2, 3) == event_id("u", 1, 2, 3) != event_id("u", 1, 2, 4)


def test_outbox_events_expire_a_week_after_the_change(registry: RegistryService, store: InMemoryRegistryStore) -> None:
    from registry_core.domain.governance import OUTBOX_RETENTION_S

    registry.create_registered_model("fraud")
    (event,) = store.outbox_events(registry.get_registered_model("fraud").uid)
    assert event.expires_at == event.timestamp // 1000 + OUTBOX_RETENTION_S
