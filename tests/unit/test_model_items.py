"""A model's item: what it stores of its versions' stages, and that it stays small however many versions there are."""

from __future__ import annotations

import json
import random

import pytest

from registry_core.domain.entities import ALL_STAGES, RegisteredModel, Stage
from registry_core.store import items
from registry_core.store.attribute_values import to_item

# DynamoDB's limit for one item; a model's whole metadata is one item.
ITEM_LIMIT_BYTES = 400 * 1024


def _model(stages: dict[int, Stage]) -> RegisteredModel:
    return RegisteredModel(
        name="churn",
        creation_timestamp=1,
        last_updated_timestamp=2,
        next_version=max(stages, default=0) + 1,
        stages=stages,
    )


@pytest.mark.parametrize("seed", range(20))
def test_every_versions_stage_survives_the_round_trip(seed: int) -> None:
    chooser = random.Random(seed)
    numbers = [number for number in range(1, chooser.randint(1, 300)) if chooser.random() > 0.2]  # deletions: gaps
    stages = {number: chooser.choice(ALL_STAGES) for number in numbers}
    model = _model(stages)

    assert items.model_from_item(items.model_to_item(model)) == model


def test_a_model_with_no_versions_round_trips() -> None:
    model = _model({})
    assert items.model_from_item(items.model_to_item(model)).stages == {}


def test_the_item_stays_small_with_a_hundred_thousand_versions() -> None:
    # A retraining pipeline's model: every version archived in turn, one in Production, one in Staging, a few unused.
    stages = dict.fromkeys(range(1, 99_990), Stage.ARCHIVED)
    stages.update({99_990: Stage.PRODUCTION, 99_995: Stage.STAGING, 99_999: Stage.NONE, 100_000: Stage.NONE})
    item = items.model_to_item(_model(stages))

    assert len(json.dumps(item)) < 1_000 < ITEM_LIMIT_BYTES
    assert item["stage_runs"] == {"S": "Archived=1-99989;None=99999-100000;Production=99990;Staging=99995"}


def test_an_item_written_with_the_stages_map_is_still_read() -> None:
    item = items.model_to_item(_model({}))
    del item["stage_runs"]
    item["stages"] = to_item({"stages": {"1": "Archived", "2": "Production"}})["stages"]

    assert items.model_from_item(item).stages == {1: Stage.ARCHIVED, 2: Stage.PRODUCTION}
