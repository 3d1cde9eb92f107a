"""SmrClient: every MLflow Model Registry operation, smr's extension endpoints, and helpers built on them."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

from botocore.credentials import Credentials

from smr.errors import InvalidParameterValue, ResourceDoesNotExist, SmrError, VersionRegistrationFailed
from smr.extensions import ExtensionRoutes
from smr.models import ModelVersion, Page, Permissions, RegisteredModel
from smr.transport import RetryPolicy, Transport

T = TypeVar("T")

MLFLOW = "/api/2.0/mlflow"
SMR = "/api/2.0/smr"
ENDPOINT_VARIABLE = "SMR_ENDPOINT"
# Page sizes the iterators ask for (the registry's maxima: MLflow's SEARCH_*_MAX_RESULTS thresholds).
MODELS_PAGE_SIZE = 1000
VERSIONS_PAGE_SIZE = 10_000
DEFAULT_POLL_INTERVAL_S = 1.0
DEFAULT_READY_TIMEOUT_S = 600.0
STAGES = ("None", "Staging", "Production", "Archived")
_DIGITS = re.compile(r"^\d+$")


def _tag_list(tags: Mapping[str, str] | None) -> list[dict[str, str]]:
    return [{"key": key, "value": str(value)} for key, value in (tags or {}).items()]


def resolve_endpoint(endpoint: str | None) -> str:
    found = endpoint or os.environ.get(ENDPOINT_VARIABLE)
    if not found:
        raise InvalidParameterValue(
            f"No registry endpoint: give --endpoint URL (CLI) or SmrClient(endpoint=URL), or set {ENDPOINT_VARIABLE} "
            "(for `make run`: `source .smr/env`; in AWS: the stack's ApiUrl output)."
        )
    return found


class SmrClient(ExtensionRoutes):
    """A client of one smr registry.

    client = SmrClient("https://abc123.execute-api.eu-west-1.amazonaws.com")   # or SMR_ENDPOINT
    client.create_registered_model("churn")
    for version in client.iter_model_versions(filter="name = 'churn'"):
        ...
    """

    def __init__(
        self,
        endpoint: str | None = None,
        *,
        region: str | None = None,
        credentials: Credentials | None = None,
        timeout: tuple[float, float] | None = None,
        retry: RetryPolicy | None = None,
        transport: Transport | None = None,
    ) -> None:
        if transport is None:
            kwargs: dict[str, Any] = {"region": region, "credentials": credentials, "retry": retry}
            if timeout is not None:
                kwargs["timeout"] = timeout
            transport = Transport(resolve_endpoint(endpoint), **kwargs)
        self.transport = transport

    @property
    def endpoint(self) -> str:
        return self.transport.endpoint

    def _get(self, path: str, **params: Any) -> Any:
        return self.transport.request("GET", path, params=params, idempotent=True)

    def _send(self, method: str, path: str, body: dict[str, Any], *, idempotent: bool = True) -> Any:
        return self.transport.request(
            method, path, body={k: v for k, v in body.items() if v is not None}, idempotent=idempotent
        )

    # -- registered models -----------------------------------------------------------------------------------

    def create_registered_model(
        self, name: str, *, tags: Mapping[str, str] | None = None, description: str | None = None
    ) -> RegisteredModel:
        """Create a model (the caller holds MANAGE on it). Raises ResourceAlreadyExists if the name is taken."""
        answer = self._send(
            "POST",
            f"{MLFLOW}/registered-models/create",
            {"name": name, "tags": _tag_list(tags), "description": description},
            idempotent=False,
        )
        return RegisteredModel.model_validate(answer["registered_model"])

    def get_registered_model(self, name: str) -> RegisteredModel:
        return RegisteredModel.model_validate(
            self._get(f"{MLFLOW}/registered-models/get", name=name)["registered_model"]
        )

    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        answer = self._send("POST", f"{MLFLOW}/registered-models/rename", {"name": name, "new_name": new_name})
        return RegisteredModel.model_validate(answer["registered_model"])

    def update_registered_model(self, name: str, description: str | None) -> RegisteredModel:
        answer = self._send("PATCH", f"{MLFLOW}/registered-models/update", {"name": name, "description": description})
        return RegisteredModel.model_validate(answer["registered_model"])

    def delete_registered_model(self, name: str) -> None:
        self._send("DELETE", f"{MLFLOW}/registered-models/delete", {"name": name})

    def search_registered_models(
        self,
        filter: str | None = None,
        *,
        max_results: int | None = None,
        order_by: list[str] | None = None,
        page_token: str | None = None,
    ) -> Page[RegisteredModel]:
        """One page of models; see iter_registered_models for all of them."""
        answer = self._get(
            f"{MLFLOW}/registered-models/search",
            filter=filter,
            max_results=max_results,
            order_by=order_by or None,
            page_token=page_token,
        )
        return Page[RegisteredModel](
            items=[RegisteredModel.model_validate(m) for m in answer.get("registered_models", [])],
            next_page_token=answer.get("next_page_token") or None,
        )

    def iter_registered_models(
        self, filter: str | None = None, *, order_by: list[str] | None = None, page_size: int = MODELS_PAGE_SIZE
    ) -> Iterator[RegisteredModel]:
        """Every model matching `filter`, fetching pages as the iteration goes."""
        return _paginate(
            lambda token: self.search_registered_models(
                filter, max_results=page_size, order_by=order_by, page_token=token
            )
        )

    def get_latest_versions(self, name: str, stages: list[str] | None = None) -> list[ModelVersion]:
        answer = self._send(
            "POST", f"{MLFLOW}/registered-models/get-latest-versions", {"name": name, "stages": stages or None}
        )
        return [ModelVersion.model_validate(v) for v in answer.get("model_versions", [])]

    def set_registered_model_tag(self, name: str, key: str, value: str) -> None:
        self._send("POST", f"{MLFLOW}/registered-models/set-tag", {"name": name, "key": key, "value": value})

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        self._send("DELETE", f"{MLFLOW}/registered-models/delete-tag", {"name": name, "key": key})

    # -- aliases ---------------------------------------------------------------------------------------------

    def set_registered_model_alias(self, name: str, alias: str, version: int | str) -> None:
        self._send("POST", f"{MLFLOW}/registered-models/alias", {"name": name, "alias": alias, "version": str(version)})

    def delete_registered_model_alias(self, name: str, alias: str) -> None:
        self._send("DELETE", f"{MLFLOW}/registered-models/alias", {"name": name, "alias": alias})

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        return ModelVersion.model_validate(
            self._get(f"{MLFLOW}/registered-models/alias", name=name, alias=alias)["model_version"]
        )

    # -- model versions --------------------------------------------------------------------------------------

    def create_model_version(
        self,
        name: str,
        source: str,
        *,
        run_id: str | None = None,
        tags: Mapping[str, str] | None = None,
        run_link: str | None = None,
        description: str | None = None,
        model_id: str | None = None,
    ) -> ModelVersion:
        """Register artifacts that already live at `source` (see upload_version to upload a folder)."""
        answer = self._send(
            "POST",
            f"{MLFLOW}/model-versions/create",
            {
                "name": name,
                "source": source,
                "run_id": run_id,
                "tags": _tag_list(tags),
                "run_link": run_link,
                "description": description,
                "model_id": model_id,
            },
            idempotent=False,
        )
        return ModelVersion.model_validate(answer["model_version"])

    def get_model_version(self, name: str, version: int | str) -> ModelVersion:
        return ModelVersion.model_validate(
            self._get(f"{MLFLOW}/model-versions/get", name=name, version=str(version))["model_version"]
        )

    def update_model_version(self, name: str, version: int | str, description: str | None) -> ModelVersion:
        answer = self._send(
            "PATCH",
            f"{MLFLOW}/model-versions/update",
            {"name": name, "version": str(version), "description": description},
        )
        return ModelVersion.model_validate(answer["model_version"])

    def delete_model_version(self, name: str, version: int | str) -> None:
        self._send("DELETE", f"{MLFLOW}/model-versions/delete", {"name": name, "version": str(version)})

    def search_model_versions(
        self,
        filter: str | None = None,
        *,
        max_results: int | None = None,
        order_by: list[str] | None = None,
        page_token: str | None = None,
    ) -> Page[ModelVersion]:
        """One page of versions; see iter_model_versions for all of them."""
        answer = self._get(
            f"{MLFLOW}/model-versions/search",
            filter=filter,
            max_results=max_results,
            order_by=order_by or None,
            page_token=page_token,
        )
        return Page[ModelVersion](
            items=[ModelVersion.model_validate(v) for v in answer.get("model_versions", [])],
            next_page_token=answer.get("next_page_token") or None,
        )

    def iter_model_versions(
        self, filter: str | None = None, *, order_by: list[str] | None = None, page_size: int = VERSIONS_PAGE_SIZE
    ) -> Iterator[ModelVersion]:
        """Every version matching `filter`: `for mv in client.iter_model_versions(filter="name = 'x'")`."""
        return _paginate(
            lambda token: self.search_model_versions(filter, max_results=page_size, order_by=order_by, page_token=token)
        )

    def get_model_version_download_uri(self, name: str, version: int | str) -> str:
        answer = self._get(f"{MLFLOW}/model-versions/get-download-uri", name=name, version=str(version))
        return str(answer["artifact_uri"])

    def transition_model_version_stage(
        self, name: str, version: int | str, stage: str, *, archive_existing_versions: bool = False
    ) -> ModelVersion:
        answer = self._send(
            "POST",
            f"{MLFLOW}/model-versions/transition-stage",
            {
                "name": name,
                "version": str(version),
                "stage": stage,
                "archive_existing_versions": archive_existing_versions,
            },
        )
        return ModelVersion.model_validate(answer["model_version"])

    def set_model_version_tag(self, name: str, version: int | str, key: str, value: str) -> None:
        self._send(
            "POST",
            f"{MLFLOW}/model-versions/set-tag",
            {"name": name, "version": str(version), "key": key, "value": value},
        )

    def delete_model_version_tag(self, name: str, version: int | str, key: str) -> None:
        self._send("DELETE", f"{MLFLOW}/model-versions/delete-tag", {"name": name, "version": str(version), "key": key})

    # -- resolving references --------------------------------------------------------------------------------

    def resolve_version(self, name: str, reference: int | str) -> ModelVersion:
        """A version by number ("3"), alias ("champion", "@champion") or stage ("Production", newest in it)."""
        text = str(reference).strip()
        if _DIGITS.match(text):
            return self.get_model_version(name, int(text))
        if text.lower() in {stage.lower() for stage in STAGES}:
            found = self.get_latest_versions(name, [text])
            if not found:
                raise ResourceDoesNotExist(f"No version of {name} is in stage {text}.")
            return found[0]
        alias = text.removeprefix("@")
        try:
            return self.get_model_version_by_alias(name, alias)
        except (ResourceDoesNotExist, InvalidParameterValue) as missing:
            if text.startswith("@"):
                raise
            # A bare word that is no alias may be a mistyped stage ("Prodution"): say what else it could be.
            # (MLflow answers a missing alias with INVALID_PARAMETER_VALUE; the error keeps the server's code.)
            raise type(missing)(
                f"{missing.message.rstrip('.')}. {text!r} is neither a version number, an alias of {name}, nor a stage "
                f"(stages: {', '.join(STAGES)}).",
                error_code=missing.error_code,
                status=missing.status,
            ) from missing

    # -- waiting ---------------------------------------------------------------------------------------------

    def wait_until_ready(
        self,
        name: str,
        version: int | str,
        *,
        timeout_s: float = DEFAULT_READY_TIMEOUT_S,
        poll_interval_s: float = DEFAULT_POLL_INTERVAL_S,
    ) -> ModelVersion:
        """Poll a version until READY; raises VersionRegistrationFailed on FAILED_REGISTRATION."""
        deadline = time.monotonic() + timeout_s
        while True:
            found = self.get_model_version(name, version)
            if found.status == "READY":
                return found
            if found.status == "FAILED_REGISTRATION":
                raise VersionRegistrationFailed(
                    f"{name} version {found.version} failed registration: {found.status_message or 'no reason given'}"
                )
            if time.monotonic() > deadline:
                raise SmrError(
                    f"{name} version {found.version} is still {found.status} after {timeout_s} s",
                    error_code="TIMEOUT",
                )
            time.sleep(poll_interval_s)

    # -- artifacts (smr's presigned transfers) ---------------------------------------------------------------

    def create_upload(
        self, name: str, files: list[dict[str, Any]], *, multipart_threshold: int | None = None
    ) -> dict[str, Any]:
        """POST /smr/uploads/create: presigned URLs for `files` ([{path, size, sha256}])."""
        result: dict[str, Any] = self._send(
            "POST",
            f"{SMR}/uploads/create",
            {"name": name, "files": files, "multipart_threshold": multipart_threshold},
            idempotent=False,
        )
        return result

    def complete_upload(self, upload_id: str, name: str, **fields: Any) -> ModelVersion:
        """POST /smr/uploads/complete: turns an upload into a version (PENDING_REGISTRATION, then READY)."""
        answer = self._send(
            "POST", f"{SMR}/uploads/complete", {"upload_id": upload_id, "name": name, **fields}, idempotent=False
        )
        return ModelVersion.model_validate(answer["model_version"])

    def get_download_urls(self, name: str, version: int | str) -> dict[str, Any]:
        """GET /smr/model-versions/download-urls: the version's files with sizes, SHA-256 and presigned URLs."""
        result: dict[str, Any] = self._get(f"{SMR}/model-versions/download-urls", name=name, version=str(version))
        return result

    def upload_version(
        self,
        name: str,
        path: str | os.PathLike[str],
        *,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
        run_id: str | None = None,
        aliases: list[str] | None = None,
        stage: str | None = None,
        model_metrics: Mapping[str, float] | None = None,
        create_model: bool = True,
        progress: bool | None = None,
        wait: bool = True,
        timeout_s: float = DEFAULT_READY_TIMEOUT_S,
        multipart_threshold: int | None = None,
        max_workers: int | None = None,
    ) -> ModelVersion:
        """Upload a folder (or one file) as a new version of `name` and return it once READY.

        Files go straight to S3 through presigned URLs (multipart and in parallel for large ones) with their SHA-256,
        which the registry checks before marking the version READY. `create_model` creates the model if missing.
        """
        from smr import artifacts

        if create_model:
            try:
                self.get_registered_model(name)
            except ResourceDoesNotExist:
                self.create_registered_model(name)
        version = artifacts.upload(
            self,
            name,
            Path(path),
            complete_fields={
                "description": description,
                "tags": _tag_list(tags) or None,
                "run_id": run_id,
                "aliases": aliases,
                "stage": stage,
                # uploads/complete takes the metrics as a map, name -> number (docs/artifacts.md).
                "model_metrics": {key: float(value) for key, value in (model_metrics or {}).items()} or None,
            },
            progress=progress,
            multipart_threshold=multipart_threshold,
            max_workers=max_workers,
        )
        if not wait:
            return version
        with artifacts.step(
            progress, f"verifying {name} version {version.version}: the registry copies it and checks every SHA-256..."
        ):
            return self.wait_until_ready(name, version.version, timeout_s=timeout_s)

    def download(
        self,
        name: str,
        reference: int | str,
        dest: str | os.PathLike[str],
        *,
        progress: bool | None = None,
        max_workers: int | None = None,
    ) -> Path:
        """Download a version (by number, alias or stage) into `dest`, checking every file's SHA-256."""
        from smr import artifacts

        version = self.resolve_version(name, reference)
        return artifacts.download(self, name, version.version, Path(dest), progress=progress, max_workers=max_workers)

    # -- permissions (smr extension) -------------------------------------------------------------------------

    def get_permissions(self, name: str) -> Permissions:
        return Permissions.model_validate(self._get(f"{SMR}/permissions/get", name=name))

    def set_permission(self, name: str, principal: str, level: str) -> Permissions:
        """Grant `principal` (an IAM ARN) READ, EDIT or MANAGE on model `name` (needs MANAGE or admin)."""
        answer = self._send(
            "POST", f"{SMR}/permissions/set", {"name": name, "principal": principal, "level": level.upper()}
        )
        return Permissions.model_validate(answer)

    def delete_permission(self, name: str, principal: str) -> Permissions:
        answer = self._send("DELETE", f"{SMR}/permissions/delete", {"name": name, "principal": principal})
        return Permissions.model_validate(answer)

    def set_private(self, name: str, private: bool = True) -> Permissions:
        """A private model is invisible to principals without an explicit permission (needs MANAGE or admin)."""
        answer = self._send("POST", f"{SMR}/permissions/set-private", {"name": name, "private": private})
        return Permissions.model_validate(answer)

    # -- promotion -------------------------------------------------------------------------------------------

    def promote_if(
        self,
        name: str,
        version: int | str,
        *,
        metric: str,
        threshold: float,
        stage: str | None = "Production",
        alias: str | None = None,
        higher_is_better: bool = True,
        archive_existing_versions: bool = True,
    ) -> bool:
        """Promote `version` when its `metric` clears `threshold`; returns whether it did.

        The rule: the metric is read from the version's `model_metrics`, else from its tag `metric.<metric>`
        (a number). It holds when value >= threshold (value <= threshold with higher_is_better=False). A version
        without the metric is not promoted. Promoting is one atomic call (`promote`): the transition to `stage` (if
        given) and `alias` (if given) land together or not at all, the model's promotion policy checked for both
        first. Nothing changes when the rule does not hold (False) or the policy refuses (InvalidParameterValue).
        """
        if stage is None and alias is None:
            raise InvalidParameterValue("promote_if needs a stage or an alias to promote to.")
        found = self.get_model_version(name, version)
        value = found.metric(metric)
        if value is None:
            return False
        holds = value >= threshold if higher_is_better else value <= threshold
        if not holds:
            return False
        self.promote(
            name,
            found.version,
            stage=stage,
            aliases=[alias] if alias is not None else None,
            archive_existing_versions=archive_existing_versions
            and stage is not None
            and stage.lower() in ("staging", "production"),
        )
        return True


def _paginate(fetch: Callable[[str | None], Page[T]]) -> Iterator[T]:
    token: str | None = None
    while True:
        page = fetch(token)
        yield from page.items
        token = page.next_page_token
        if not token:
            return
