"""What a user sees of registry entities, as plain data that can be compared across backends.

Fields that only Databricks or MLflow's tracking server fill (deployment jobs, workspaces, params, metrics, model_id,
which the REST protocol does not carry) are left out: both backends would show the client's defaults.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mlflow.entities.model_registry import ModelVersion, RegisteredModel
from mlflow.exceptions import MlflowException

View = dict[str, Any]


def version_view(version: ModelVersion, *, listed: bool = False) -> View:
    """A model version as the user sees it.

    listed: the version comes from a listing (search_model_versions, RegisteredModel.latest_versions). Its aliases are
    left out there, because MLflow leaves them empty and smr fills them: difference (b), checked on its own in
    test_listings_show_aliases_as_documented.
    """
    view: View = {
        "name": version.name,
        "version": version.version,
        "creation_timestamp": version.creation_timestamp,
        "last_updated_timestamp": version.last_updated_timestamp,
        "current_stage": version.current_stage,
        "description": version.description,
        "source": version.source,
        "run_id": version.run_id,
        "run_link": version.run_link,
        "status": version.status,
        "status_message": version.status_message,
        "tags": dict(version.tags),
        "user_id": version.user_id,
    }
    if not listed:
        view["aliases"] = sorted(version.aliases)
    return view


def versions_view(versions: Iterable[ModelVersion], *, listed: bool) -> list[View]:
    """Versions in the order the backend returned them."""
    return [version_view(version, listed=listed) for version in versions]


def model_view(model: RegisteredModel) -> View:
    """A registered model as the user sees it. latest_versions is sorted by version: MLflow documents no order."""
    return {
        "name": model.name,
        "creation_timestamp": model.creation_timestamp,
        "last_updated_timestamp": model.last_updated_timestamp,
        "description": model.description,
        "tags": dict(model.tags),
        "aliases": dict(model.aliases),
        "latest_versions": versions_view(
            sorted(model.latest_versions or [], key=lambda version: int(version.version)), listed=True
        ),
    }


def stages_of(versions: Iterable[ModelVersion]) -> dict[str, str]:
    """version -> current stage."""
    return {version.version: version.current_stage or "" for version in versions}


def error_view(error: MlflowException) -> View:
    """What the client lets a caller branch on: the error code (the message wording is not part of the contract)."""
    return {"type": type(error).__name__, "error_code": error.error_code}
