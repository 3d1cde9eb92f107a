"""Atomic promotion (POST /api/2.0/smr/model-versions/promote): a stage and aliases in one commit, or nothing."""

from __future__ import annotations

import pytest

from registry_core.domain.entities import Caller, Stage
from registry_core.domain.errors import InvalidParameterValue, ResourceDoesNotExist
from registry_core.domain.governance import ModelMetric, PromotionPolicy
from registry_core.service.governance import GovernanceService
from registry_core.service.history import HistoryService
from registry_core.service.registry import RegistryService
from registry_core.store.memory import InMemoryRegistryStore

POLICY = PromotionPolicy.model_validate(
    {
        "rules": {
            "stage:Production": [{"type": "metric", "key": "accuracy", "op": ">=", "value": 0.9}],
            "alias:champion": [{"type": "metric", "key": "auc", "op": ">=", "value": 0.9}],
        }
    }
)


ALICE = Caller(principal="arn:aws:iam::1:user/alice", request_id="r-1")


@pytest.fixture
def store() -> InMemoryRegistryStore:
    return InMemoryRegistryStore()


@pytest.fixture
def registry(store: InMemoryRegistryStore) -> RegistryService:
    return RegistryService(store, ALICE)


@pytest.fixture
def governance(store: InMemoryRegistryStore) -> GovernanceService:
    return GovernanceService(store, ALICE)


def _model_with(registry: RegistryService, *metrics: dict[str, float]) -> None:
    registry.create_registered_model("fraud")
    for index, values in enumerate(metrics):
        registry.create_model_version(
            "fraud", f"s3://b/{index}", model_metrics=[ModelMetric(key=k, value=v) for k, v in values.items()]
        )


def test_a_refused_alias_leaves_the_stage_unchanged_too(
    registry: RegistryService, governance: GovernanceService
) -> None:
    # Given a version that meets the stage rule but not the alias rule
    _model_with(registry, {"accuracy": 0.95, "auc": 0.8})
    governance.set_promotion_policy("fraud", POLICY)
    before = registry.get_registered_model("fraud")
    # When it is promoted to both at once
    with pytest.raises(InvalidParameterValue) as refused:
        registry.promote_model_version("fraud", 1, stage="Production", aliases=["champion"])
    # Then nothing changed, and the message names the broken rule
    assert "alias:champion" in refused.value.message and "auc >= 0.9 (it is 0.8)" in refused.value.message
    assert "Nothing was changed" in refused.value.message
    after = registry.get_registered_model("fraud")
    assert (after.rev, after.stages, after.aliases) == (before.rev, {1: Stage.NONE}, {})


def test_every_broken_target_is_listed(registry: RegistryService, governance: GovernanceService) -> None:
    _model_with(registry, {"accuracy": 0.5, "auc": 0.5})
    governance.set_promotion_policy("fraud", POLICY)
    with pytest.raises(InvalidParameterValue) as refused:
        registry.promote_model_version("fraud", 1, stage="Production", aliases=["champion"])
    assert "stage:Production" in refused.value.message and "alias:champion" in refused.value.message


def test_a_compliant_promotion_moves_stage_and_aliases_in_one_commit(
    registry: RegistryService, governance: GovernanceService, store: InMemoryRegistryStore
) -> None:
    _model_with(registry, {"accuracy": 0.8}, {"accuracy": 0.95, "auc": 0.95})
    registry.transition_model_version_stage("fraud", 1, "Production")
    governance.set_promotion_policy("fraud", POLICY)
    rev = registry.get_registered_model("fraud").rev
    promoted = registry.promote_model_version(
        "fraud", 2, stage="production", aliases=["champion", "live"], archive_existing_versions=True, comment="go"
    )
    assert promoted.current_stage is Stage.PRODUCTION and sorted(promoted.aliases) == ["champion", "live"]
    model = registry.get_registered_model("fraud")
    assert model.rev == rev + 1
    assert model.stages == {1: Stage.ARCHIVED, 2: Stage.PRODUCTION}
    assert model.aliases == {"champion": 2, "live": 2}
    # History and events are those of the separate calls
    records = HistoryService(store, ALICE).version_history("fraud", 2).records
    assert [(r.subject, r.to_stage, r.alias, r.comment) for r in records[-3:]] == [
        ("stage", "Production", None, "go"),
        ("alias", None, "champion", "go"),
        ("alias", None, "live", "go"),
    ]
    types = [event.type.value for event in store.outbox_events(model.uid)][-3:]
    assert types == ["model_version.stage_transitioned", "model_version_alias.created", "model_version_alias.created"]


def test_aliases_alone_and_bad_requests(registry: RegistryService) -> None:
    _model_with(registry, {})
    assert registry.promote_model_version("fraud", 1, aliases=["candidate"]).aliases == ["candidate"]
    with pytest.raises(InvalidParameterValue, match="needs a stage"):
        registry.promote_model_version("fraud", 1)
    with pytest.raises(InvalidParameterValue, match="latest"):
        registry.promote_model_version("fraud", 1, aliases=["latest"])
    with pytest.raises(InvalidParameterValue):
        registry.promote_model_version("fraud", 1, stage="Prodution")
    with pytest.raises(ResourceDoesNotExist):
        registry.promote_model_version("fraud", 9, stage="Staging")


def test_alias_rules_see_the_version_as_the_stage_move_leaves_it(
    registry: RegistryService, governance: GovernanceService
) -> None:
    # Given an alias that needs the version to have been in Production first
    _model_with(registry, {})
    governance.set_promotion_policy(
        "fraud",
        PromotionPolicy.model_validate({"rules": {"alias:champion": [{"type": "prior_stage", "stage": "Production"}]}}),
    )
    # Then the alias alone is refused, and the stage with the alias is not
    with pytest.raises(InvalidParameterValue, match="Production first"):
        registry.promote_model_version("fraud", 1, aliases=["champion"])
    promoted = registry.promote_model_version("fraud", 1, stage="Production", aliases=["champion"])
    assert (promoted.current_stage, promoted.aliases) == (Stage.PRODUCTION, ["champion"])
