"""Where smr intentionally differs from MLflow's own registry: every difference in one place.

Each helper answers "what does this backend show?" for one documented choice, so a test states the MLflow behaviour
(proven by running it against a real `mlflow server`) and smr's behaviour side by side.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from tests.e2e.scenarios import SMR

# (a) STAGE UNIQUENESS. smr keeps at most one version per model in Staging and one in Production: transitioning a
# version into an occupied Staging/Production archives the previous holder, even with archive_existing_versions=False.
# MLflow keeps both holders unless archive_existing_versions=True.
UNIQUE_STAGES = frozenset({"Staging", "Production"})
ARCHIVED = "Archived"
CANONICAL_STAGES = {stage.lower(): stage for stage in ("None", "Staging", "Production", ARCHIVED)}


@dataclass(frozen=True)
class Transition:
    version: str
    stage: str
    archive_existing_versions: bool = False


def stages_after(backend: str, created: Iterable[str], transitions: Iterable[Transition]) -> dict[str, str]:
    """(a) The stage of every version after the transitions, as `backend` applies them. Stages are canonical."""
    stages = {version: "None" for version in created}
    for transition in transitions:
        target = CANONICAL_STAGES[transition.stage.lower()]
        archive_others = transition.archive_existing_versions and target in UNIQUE_STAGES
        if backend == SMR and target in UNIQUE_STAGES:
            archive_others = True  # (a): the previous holder is archived regardless of the flag
        if archive_others:
            for version, stage in stages.items():
                if version != transition.version and stage == target:
                    stages[version] = ARCHIVED
        stages[transition.version] = target
    return stages


def latest_by_stage(stages: Mapping[str, str]) -> dict[str, str]:
    """What get_latest_versions() shows: the highest version number in each stage, stage -> version."""
    latest: dict[str, str] = {}
    for version, stage in stages.items():
        if stage not in latest or int(version) > int(latest[stage]):
            latest[stage] = version
    return latest


# (b) ALIASES IN LISTINGS. smr fills ModelVersion.aliases everywhere it returns a version. MLflow fills them on a single
# version (get_model_version, get_model_version_by_alias, get_latest_versions, transition/update responses) but leaves
# them empty in search_model_versions results and in RegisteredModel.latest_versions.
def listed_aliases(backend: str, aliases: Iterable[str]) -> list[str]:
    """(b) The aliases a listed version shows on `backend`, given the aliases that point at it."""
    return sorted(aliases) if backend == SMR else []


# (c) RUN OF A LOGGED MODEL KEPT IN THE CLIENT'S OWN TRACKING STORE. MLflow 3's log_model registers with `model_id` and
# no `run_id`; MLflow's server fills the run in from the logged model in its own tracking store. When the client keeps
# its runs in a local tracking store, smr never sees that logged model, so the version's run_id stays "" (when the
# tracking calls go to smr too, smr fills it in as MLflow does).
def run_id_of_logged_model_version(backend: str, run_id: str) -> str:
    """(c) The run_id a version registered by log_model shows, when the tracking store is the client's own."""
    return "" if backend == SMR else run_id
