"""`smr.load_model("models:/churn@champion")`: download a version (cached) and load it with mlflow if present."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from smr.client import SmrClient
from smr.errors import InvalidParameterValue

CACHE_VARIABLE = "SMR_CACHE_DIR"
_MODEL_URI = re.compile(r"^models:/(?P<name>[^/@]+)(?:@(?P<alias>[^/]+)|/(?P<reference>[^/]+))$")


def parse_model_uri(uri: str) -> tuple[str, str]:
    """models:/name@alias, models:/name/<version>, models:/name/<stage> -> (name, reference)."""
    match = _MODEL_URI.match(uri.strip())
    if match is None:
        raise InvalidParameterValue(
            f"Not a model URI: {uri!r}; expected models:/<name>@<alias>, models:/<name>/<version> or "
            "models:/<name>/<stage>."
        )
    return match["name"], match["alias"] if match["alias"] else match["reference"]


def default_cache_dir() -> Path:
    return Path(os.environ.get(CACHE_VARIABLE) or Path.home() / ".cache" / "smr")


def _mlflow_available() -> bool:
    try:
        import mlflow.pyfunc  # noqa: F401
    except ImportError:
        return False
    return True


def load_model(
    uri: str,
    *,
    client: SmrClient | None = None,
    dest: str | os.PathLike[str] | None = None,
    as_path: bool | None = None,
) -> Any:
    """Download the version `uri` names and return it loaded as an mlflow pyfunc model when mlflow is installed and
    the version is an MLflow model (has an MLmodel), else (or with as_path=True) the local folder. Versions are
    immutable, so a cached copy is reused."""
    name, reference = parse_model_uri(uri)
    client = client or SmrClient()
    version = client.resolve_version(name, reference)
    target = Path(dest) if dest is not None else default_cache_dir() / name / str(version.version)
    marker = target / ".smr-complete"
    if not marker.exists():
        client.download(name, version.version, target)
        marker.touch()
    # A folder without an MLmodel is not an MLflow model: mlflow could not load it, so it comes back as a path.
    if as_path is True or (as_path is None and not ((target / "MLmodel").is_file() and _mlflow_available())):
        return target
    import mlflow.pyfunc

    return mlflow.pyfunc.load_model(str(target))
