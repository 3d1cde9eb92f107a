"""Promotion policies: the rules a version must meet to enter a stage or take an alias."""

from __future__ import annotations

import operator
from collections.abc import Callable

from registry_core.domain.entities import ModelVersion
from registry_core.domain.errors import InvalidParameterValue
from registry_core.domain.governance import (
    DescriptionRule,
    MetricRule,
    ModelMetric,
    PolicyRule,
    PriorStageRule,
    PromotionPolicy,
    TagRule,
)
from registry_core.domain.permissions import principal_matches

_COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}


def latest_metric_entry(version: ModelVersion, key: str) -> ModelMetric | None:
    """A metric's entry with the highest step (then timestamp); the last one given wins ties."""
    best: tuple[int, int, int] | None = None
    entry: ModelMetric | None = None
    for position, metric in enumerate(version.model_metrics):
        if metric.key != key:
            continue
        rank = (metric.step or 0, metric.timestamp or 0, position)
        if best is None or rank > best:
            best, entry = rank, metric
    return entry


def describe(rule: PolicyRule) -> str:
    if isinstance(rule, MetricRule):
        recorders = f" recorded by {' or '.join(rule.recorded_by)}" if rule.recorded_by else ""
        return f"metric {rule.key} {rule.op} {rule.value:g}{recorders}"
    if isinstance(rule, TagRule):
        return f"tag {rule.key} = {rule.value}" if rule.value is not None else f"tag {rule.key} is set"
    if isinstance(rule, DescriptionRule):
        return "description is not empty"
    return f"must have been in {rule.stage} first"


def _failure(rule: PolicyRule, version: ModelVersion) -> str | None:
    if isinstance(rule, MetricRule):
        entry = latest_metric_entry(version, rule.key)
        if entry is None:
            return f"{describe(rule)} (the version has no metric {rule.key})"
        if rule.recorded_by and not any(
            principal_matches(entry.recorded_by or "", allowed) for allowed in rule.recorded_by
        ):
            return f"{describe(rule)} (it was recorded by {entry.recorded_by or 'an unknown principal'})"
        actual = entry.value
        return None if _COMPARE[rule.op](actual, rule.value) else f"{describe(rule)} (it is {actual:g})"
    if isinstance(rule, TagRule):
        if rule.key not in version.tags:
            return f"{describe(rule)} (the tag is not set)"
        actual_tag = version.tags[rule.key]
        if rule.value is not None and actual_tag != rule.value:
            return f"{describe(rule)} (it is {actual_tag!r})"
        return None
    if isinstance(rule, DescriptionRule):
        return None if (version.description or "").strip() else describe(rule)
    assert isinstance(rule, PriorStageRule)
    return None if rule.stage in version.stages_visited else describe(rule)


def promotion_failures(policy: PromotionPolicy | None, target: str, version: ModelVersion) -> str | None:
    """Why the policy refuses `version` for `target` (every broken rule), or None when it complies."""
    if policy is None:
        return None
    failures = [failure for rule in policy.rules.get(target, []) if (failure := _failure(rule, version))]
    if not failures:
        return None
    return f"Promotion policy of {version.name!r} refuses version {version.version} for {target}: " + "; ".join(
        failures
    )


def check_promotion(policy: PromotionPolicy | None, target: str, version: ModelVersion) -> None:
    """Raise InvalidParameterValue listing every rule of `target` that `version` breaks; nothing when it complies."""
    refusal = promotion_failures(policy, target, version)
    if refusal is not None:
        raise InvalidParameterValue(refusal + ".")
