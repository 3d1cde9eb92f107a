"""A promotion policy cannot be defeated by an EDIT holder: neither by relaxing it nor by rewriting its metrics."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from registry_core.domain.entities import Caller
from registry_core.domain.errors import InvalidParameterValue, PermissionDenied
from registry_core.domain.governance import ModelMetric, PromotionPolicy
from registry_core.domain.permissions import principal_matches
from registry_core.service.governance import GovernanceService
from registry_core.service.permissions import PermissionService
from registry_core.service.registry import RegistryService
from registry_core.store.memory import InMemoryRegistryStore

OWNER = Caller(principal="arn:aws:iam::1:user/owner")
EDITOR = Caller(principal="arn:aws:iam::1:user/editor")
OTHER_EDITOR = Caller(principal="arn:aws:iam::1:user/other-editor")
CI_ROLE = "arn:aws:iam::1:role/model-eval"
CI = Caller(principal="arn:aws:sts::1:assumed-role/model-eval/build-42")


@pytest.fixture
def store() -> InMemoryRegistryStore:
    store = InMemoryRegistryStore()
    owner = RegistryService(store, OWNER, clock=lambda: 1000)
    owner.create_registered_model("m")
    owner.create_model_version("m", "s3://b/1")
    for principal in (EDITOR.principal, OTHER_EDITOR.principal, CI.principal):
        PermissionService(store, OWNER).set_permission("m", principal, "EDIT")
    return store


@dataclass
class Acting:
    """The registry's and the governance operations, acting for one principal."""

    registry: RegistryService
    governance: GovernanceService


def as_(store: InMemoryRegistryStore, caller: Caller) -> Acting:
    return Acting(
        RegistryService(store, caller, clock=lambda: 2000), GovernanceService(store, caller, clock=lambda: 2000)
    )


def accuracy(value: float) -> list[ModelMetric]:
    return [ModelMetric(key="accuracy", value=value)]


def test_an_editor_cannot_replace_or_remove_the_policy(store: InMemoryRegistryStore) -> None:
    policy = PromotionPolicy.model_validate(
        {"rules": {"stage:Production": [{"type": "metric", "key": "accuracy", "op": ">=", "value": 0.9}]}}
    )
    as_(store, OWNER).governance.set_promotion_policy("m", policy)
    with pytest.raises(PermissionDenied, match="needs MANAGE"):
        as_(store, EDITOR).governance.set_promotion_policy("m", PromotionPolicy())
    assert as_(store, EDITOR).governance.get_promotion_policy("m") == policy
    with pytest.raises(InvalidParameterValue, match=r"accuracy >= 0\.9"):
        as_(store, EDITOR).registry.transition_model_version_stage("m", 1, "Production")


def test_a_metric_records_who_recorded_it_and_when_whatever_the_client_says(store: InMemoryRegistryStore) -> None:
    forged = ModelMetric(key="accuracy", value=0.99, recorded_by=CI.principal, recorded_at=1)
    version = as_(store, EDITOR).governance.set_model_version_metrics("m", 1, [forged])
    assert [(m.recorded_by, m.recorded_at) for m in version.model_metrics] == [(EDITOR.principal, 2000)]


def test_a_metric_recorded_by_one_principal_is_not_overwritten_by_another_editor(
    store: InMemoryRegistryStore,
) -> None:
    as_(store, EDITOR).governance.set_model_version_metrics("m", 1, accuracy(0.5))
    with pytest.raises(PermissionDenied, match=r"recorded by arn:aws:iam::1:user/editor"):
        as_(store, OTHER_EDITOR).governance.set_model_version_metrics("m", 1, accuracy(0.99))
    assert as_(store, OWNER).registry.get_model_version("m", 1).model_metrics[0].value == 0.5
    # Its recorder may correct it, a MANAGE holder may replace it, and other keys are free to record.
    as_(store, EDITOR).governance.set_model_version_metrics("m", 1, accuracy(0.6))
    as_(store, OTHER_EDITOR).governance.set_model_version_metrics("m", 1, [ModelMetric(key="loss", value=0.1)])
    version = as_(store, OWNER).governance.set_model_version_metrics("m", 1, accuracy(0.7))
    assert {(m.key, m.value, m.recorded_by) for m in version.model_metrics} == {
        ("loss", 0.1, OTHER_EDITOR.principal),
        ("accuracy", 0.7, OWNER.principal),
    }


def test_a_policy_may_require_who_recorded_the_metric(store: InMemoryRegistryStore) -> None:
    as_(store, OWNER).governance.set_promotion_policy(
        "m",
        PromotionPolicy.model_validate(
            {
                "rules": {
                    "stage:Production": [
                        {"type": "metric", "key": "accuracy", "op": ">=", "value": 0.9, "recorded_by": [CI_ROLE]}
                    ]
                }
            }
        ),
    )
    # The promoter vouching for its own number does not count...
    as_(store, EDITOR).governance.set_model_version_metrics("m", 1, accuracy(0.99))
    with pytest.raises(InvalidParameterValue, match=r"recorded by arn:aws:iam::1:user/editor"):
        as_(store, EDITOR).registry.transition_model_version_stage("m", 1, "Production")
    # ...and squatting the key does not lock the trusted recorder out: a session of the named role replaces it.
    as_(store, CI).governance.set_model_version_metrics("m", 1, accuracy(0.95))
    with pytest.raises(PermissionDenied):
        as_(store, EDITOR).governance.set_model_version_metrics("m", 1, accuracy(0.99))
    assert (
        as_(store, EDITOR).registry.transition_model_version_stage("m", 1, "Production").current_stage == "Production"
    )


def test_a_metric_with_no_recorder_counts_as_someone_elses(store: InMemoryRegistryStore) -> None:
    # Metrics recorded before recorders were kept: only a MANAGE holder replaces them.
    stored = store.get_version("m", 1)
    assert stored is not None
    store._versions[("m", 1)] = stored.model_copy(update={"model_metrics": accuracy(0.5)})
    with pytest.raises(PermissionDenied, match="another principal"):
        as_(store, EDITOR).governance.set_model_version_metrics("m", 1, accuracy(0.99))
    as_(store, OWNER).governance.set_model_version_metrics("m", 1, accuracy(0.99))


@pytest.mark.parametrize(
    ("principal", "allowed", "matches"),
    [
        ("arn:aws:iam::1:user/a", "arn:aws:iam::1:user/a", True),
        ("arn:aws:iam::1:user/a", "arn:aws:iam::1:user/b", False),
        ("arn:aws:sts::1:assumed-role/model-eval/s1", CI_ROLE, True),
        ("arn:aws:sts::2:assumed-role/model-eval/s1", CI_ROLE, False),
        ("arn:aws:sts::1:assumed-role/model-eval-2/s1", CI_ROLE, False),
        ("arn:aws:sts::1:assumed-role/model-eval/s1", "arn:aws:iam::1:role/path/model-eval", True),
        ("", CI_ROLE, False),
    ],
)
def test_a_role_arn_stands_for_its_sessions(principal: str, allowed: str, matches: bool) -> None:
    assert principal_matches(principal, allowed) is matches
