"""smr's governance of versions: the metrics and params a version carries, and the model's promotion policy.

Promotion policies are checked where versions change stage or take an alias (service/registry.py, with the rules in
service/policy.py); this module records what they read.
"""

from __future__ import annotations

from collections.abc import Callable

from registry_core.domain.entities import Caller, ModelVersion
from registry_core.domain.errors import InvalidParameterValue
from registry_core.domain.governance import ModelMetric, PromotionPolicy
from registry_core.domain.limits import MAX_METRICS_PER_VERSION, MAX_PARAM_VAL_LENGTH, MAX_PARAMS_PER_VERSION
from registry_core.domain.validation import validate_model_name, validate_version
from registry_core.service.model_writer import ModelChange, ModelWriter, now_ms
from registry_core.store.base import RegistryStore


def merged_metrics(
    metrics: list[ModelMetric], params: dict[str, str], new_metrics: list[ModelMetric], new_params: dict[str, str]
) -> tuple[list[ModelMetric], dict[str, str]]:
    """A version's metrics and params after adding new ones: a metric key given replaces that key's entries."""
    replaced = {metric.key for metric in new_metrics}
    merged = [metric for metric in metrics if metric.key not in replaced] + list(new_metrics)
    merged_params = {**params, **new_params}
    if len(merged) > MAX_METRICS_PER_VERSION:
        raise InvalidParameterValue(f"A model version may carry at most {MAX_METRICS_PER_VERSION} metric entries.")
    if len(merged_params) > MAX_PARAMS_PER_VERSION:
        raise InvalidParameterValue(f"A model version may carry at most {MAX_PARAMS_PER_VERSION} params.")
    for key, value in merged_params.items():
        if not key or len(value) > MAX_PARAM_VAL_LENGTH:
            raise InvalidParameterValue(
                f"Param {key!r}: names must be non-empty and values at most {MAX_PARAM_VAL_LENGTH} characters."
            )
    return merged, merged_params


def add_metrics(draft: ModelChange, model_metrics: list[ModelMetric], model_params: dict[str, str]) -> ModelVersion:
    """Merge metrics and params into the version the change read."""
    found = draft.version
    assert found is not None
    found.model_metrics, found.model_params = merged_metrics(
        found.model_metrics, found.model_params, model_metrics, model_params
    )
    found.last_updated_timestamp = draft.now
    if all(version is not found for version in draft.put_versions):
        draft.put_versions.append(found)
    return found


class GovernanceService:
    def __init__(self, store: RegistryStore, caller: Caller, *, clock: Callable[[], int] = now_ms) -> None:
        self._store = store
        self._writer = ModelWriter(store, caller, clock)

    def set_model_version_metrics(
        self,
        name: str,
        version: str | int,
        model_metrics: list[ModelMetric] | None = None,
        model_params: dict[str, str] | None = None,
    ) -> ModelVersion:
        """Add metrics and params to a version: a metric key given replaces that key's entries; params are upserted."""
        validate_model_name(name)
        number = validate_version(version)
        merged_metrics([], {}, model_metrics or [], model_params or {})  # validate before reading

        def change(draft: ModelChange) -> ModelVersion:
            return draft.model.with_aliases(add_metrics(draft, model_metrics or [], model_params or {}))

        return self._writer.mutate_model(name, change, version=number)

    def set_promotion_policy(self, name: str, policy: PromotionPolicy) -> PromotionPolicy:
        """Replace the model's promotion policy (an empty policy removes every rule)."""
        validate_model_name(name)

        def change(draft: ModelChange) -> PromotionPolicy:
            draft.model.policy = policy if policy.rules else None
            return policy

        return self._writer.mutate_model(name, change)

    def get_promotion_policy(self, name: str) -> PromotionPolicy:
        validate_model_name(name)
        return self._writer.readable(name, self._store.get_model(name)).policy or PromotionPolicy()
