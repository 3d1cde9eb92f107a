"""MLflow's two tag-value limits, kept apart as MLflow keeps them: registry tags 100,000 characters, run tags 8,000."""

from __future__ import annotations

import pytest

from registry_core.domain.entities import Caller
from registry_core.domain.errors import InvalidParameterValue
from registry_core.domain.limits import MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH, MAX_TAG_VAL_LENGTH
from registry_core.service.registry import RegistryService
from registry_core.service.tracking import TrackingService
from registry_core.store.memory import InMemoryRegistryStore
from registry_core.store.tracking_memory import InMemoryTrackingStore

TESTER = Caller(principal="arn:aws:iam::1:user/tester")


def test_a_registry_tag_may_hold_mlflows_registry_limit_and_no_more() -> None:
    registry = RegistryService(InMemoryRegistryStore(), TESTER)
    registry.create_registered_model("m")
    registry.set_registered_model_tag("m", "long", "x" * 100_000)
    assert len(registry.get_registered_model("m").tags["long"]) == MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH
    with pytest.raises(InvalidParameterValue, match="100000"):
        registry.set_registered_model_tag("m", "long", "x" * 100_001)


def test_a_run_tag_may_hold_mlflows_run_limit_and_no_more() -> None:
    tracking = TrackingService(InMemoryTrackingStore(), "s3://bucket/mlruns", TESTER)
    run = tracking.create_run(None, "me", None, {}, None)
    tracking.set_tag(run.run_id, "long", "x" * 8000)
    assert len(tracking.get_run(run.run_id).tags["long"]) == MAX_TAG_VAL_LENGTH
    with pytest.raises(InvalidParameterValue, match="8000"):
        tracking.set_tag(run.run_id, "long", "x" * 8001)
