"""The run search grammar (registry_core.search.runs) against mlflow's own `SearchUtils`.

The oracle is `SearchUtils.parse_search_filter` (accept/reject), `SearchUtils.filter` (which runs match) and
`SearchUtils.sort` (their order): the semantics MLflow's file store applies to runs and its SQL store reproduces.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pytest
from mlflow.entities import Metric as MlflowMetric
from mlflow.entities import Param, RunData, RunInfo, RunTag
from mlflow.entities import Run as MlflowRun
from mlflow.exceptions import MlflowException
from mlflow.utils.search_utils import SearchUtils

from registry_core.domain.errors import InvalidParameterValue
from registry_core.domain.tracking import Metric, Run, RunStatus
from registry_core.search.runs import parse_run_filter, parse_run_order_by, run_matches, run_sort_key
from registry_core.service.tracking import run_view


@dataclass(frozen=True)
class Seed:
    run_id: str
    name: str
    start: int
    end: int | None
    status: str
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)


SEEDS = [
    Seed("a1", "baseline", 100, 200, "FINISHED", {"acc": 0.7, "loss": 0.5}, {"C": "1.0", "model": "lr"}, {"t": "x"}),
    Seed("b2", "forest", 300, None, "RUNNING", {"acc": 0.9}, {"model": "rf"}, {"t": "Y", "team": "risk"}),
    Seed("c3", "Boosted", 200, 400, "FAILED", {"acc": 0.8, "loss": math.nan}, {"C": "0.5", "model": "lr"}, {}),
    Seed("d4", "other run", 300, 500, "FINISHED", {}, {}, {"t": "x"}),
    Seed("e5", "neg", 50, 60, "KILLED", {"acc": -1.0, "loss": 2.0}, {"C": "10"}, {"team": "ops"}),
]


def _mlflow_run(seed: Seed) -> MlflowRun:
    info = RunInfo(
        run_id=seed.run_id,
        experiment_id="1",
        user_id="u",
        status=seed.status,
        start_time=seed.start,
        end_time=seed.end,
        lifecycle_stage="active",
        artifact_uri=f"s3://b/{seed.run_id}",
        run_name=seed.name,
    )
    data = RunData(
        metrics=[MlflowMetric(key, value, 1, 0) for key, value in seed.metrics.items()],
        params=[Param(key, value) for key, value in seed.params.items()],
        tags=[RunTag(key, value) for key, value in {**seed.tags, "mlflow.runName": seed.name}.items()],
    )
    return MlflowRun(info, data)


def _our_run(seed: Seed) -> Run:
    return Run(
        run_id=seed.run_id,
        experiment_id="1",
        run_name=seed.name,
        user_id="u",
        status=RunStatus(seed.status),
        start_time=seed.start,
        end_time=seed.end,
        artifact_uri=f"s3://b/{seed.run_id}",
        params=dict(seed.params),
        tags={**seed.tags, "mlflow.runName": seed.name},
        metrics={key: Metric(key=key, value=value, timestamp=1, step=0) for key, value in seed.metrics.items()},
    )


MLFLOW_RUNS = [_mlflow_run(seed) for seed in SEEDS]
OUR_VIEWS = {seed.run_id: run_view(_our_run(seed)) for seed in SEEDS}

FILTERS = [
    "",
    "metrics.acc > 0.75",
    "metrics.acc >= 0.8",
    "metric.acc < 0",
    "metrics.acc != 0.9",
    "metrics.acc = 0.7",
    "metrics.loss > 1",
    "metrics.acc > 0.5 and params.model = 'lr'",
    "params.model != 'lr'",
    "params.C LIKE '1%'",
    "param.model ILIKE 'LR'",
    "parameters.C = '10'",
    "tags.t = 'x'",
    "tags.t ILIKE 'y'",
    "tags.t LIKE 'Y'",
    "tags.team != 'risk'",
    "tag.`mlflow.runName` = 'forest'",
    "tags.mlflow.runName LIKE '%o%'",
    "attributes.status = 'FINISHED'",
    "attribute.status != 'RUNNING'",
    "status IN ('FAILED', 'KILLED')",
    "run_id IN ('a1', 'c3')",
    "attributes.run_id NOT IN ('a1')",
    "run_name = 'forest'",
    "attributes.run_name ILIKE 'b%'",
    "`Run name` LIKE '%run'",
    "start_time > 100",
    "attributes.start_time <= 200",
    "created >= 300",
    "end_time > 300",
    "attributes.end_time != 60",
    "user_id = 'u' AND artifact_uri LIKE 's3://b/%'",
    '"status" = "FINISHED"',
    "run.status = 'KILLED'",
    # rejected, by both
    "metrics.acc > '1'",
    "metrics.acc LIKE 1",
    "params.model = lr",
    "params.model > 'a'",
    "tags.t IN ('x')",
    "attributes.status > 'A'",
    "start_time = 'x'",
    "attributes.unknown = 'x'",
    "foo.bar = 'x'",
    "status IN ('a')",
    "metrics.acc >",
    "dataset.oops = 'x'",
]


def _ours(filter_string: str) -> list[str] | str:
    try:
        clauses = parse_run_filter(filter_string)
    except InvalidParameterValue:
        return "rejected"
    return [seed.run_id for seed in SEEDS if run_matches(OUR_VIEWS[seed.run_id], clauses)]


def _mlflows(filter_string: str) -> list[str] | str:
    try:
        return [run.info.run_id for run in SearchUtils.filter(MLFLOW_RUNS, filter_string)]
    except MlflowException:
        return "rejected"


@pytest.mark.parametrize("filter_string", FILTERS)
def test_run_filters_accept_reject_and_match_as_mlflow_does(filter_string: str) -> None:
    assert _ours(filter_string) == _mlflows(filter_string)


def test_the_filter_list_exercises_both_matches_and_rejections() -> None:
    outcomes = [_mlflows(filter_string) for filter_string in FILTERS]
    assert sum(outcome == "rejected" for outcome in outcomes) >= 10
    assert any(outcome not in ("rejected", []) and len(outcome) < len(SEEDS) for outcome in outcomes)


ORDERS = [
    [],
    ["metrics.acc"],
    ["metrics.acc DESC"],
    ["metrics.loss ASC"],
    ["metrics.loss DESC"],
    ["params.model", "metrics.acc DESC"],
    ["params.C DESC"],
    ["tags.t"],
    ["attributes.start_time"],
    ["start_time DESC", "run_id DESC"],
    ["attributes.end_time ASC"],
    ["run_name"],
    ["status DESC"],
]


@pytest.mark.parametrize("order_by", ORDERS, ids=[" | ".join(order) or "default" for order in ORDERS])
def test_run_order_by_sorts_as_mlflow_does(order_by: list[str]) -> None:
    expected = [run.info.run_id for run in SearchUtils.sort(MLFLOW_RUNS, order_by)]
    orders = parse_run_order_by(order_by)
    ours = sorted(OUR_VIEWS, key=lambda run_id: run_sort_key(OUR_VIEWS[run_id], orders))
    assert ours == expected


@pytest.mark.parametrize("order_by", ["metrics.acc sideways", "foo.bar", "attributes.nope"])
def test_bad_order_by_is_rejected_like_mlflow(order_by: str) -> None:
    with pytest.raises(MlflowException):
        SearchUtils.parse_order_by_for_search_runs(order_by)
    with pytest.raises(InvalidParameterValue):
        parse_run_order_by([order_by])
