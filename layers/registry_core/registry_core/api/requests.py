"""The request of every registry operation, validated by pydantic (MLflow's field names and types)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictStr

from registry_core.search.limits import (
    SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT,
    SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT,
)

# MLflow's server reads an absent (or null) optional string field as "" and stores that, so clients read back "".
Text = Annotated[StrictStr, BeforeValidator(lambda value: "" if value is None else value)]


class Request(BaseModel):
    # MLflow ignores fields it does not know; so do we. Strings are strict, as MLflow's _assert_string is.
    model_config = ConfigDict(extra="ignore")


class Tag(Request):
    key: StrictStr
    value: StrictStr


def tag_dict(tags: list[Tag]) -> dict[str, str]:
    return {tag.key: tag.value for tag in tags}


# A version is a string in MLflow's protocol; plain HTTP callers often send a number, which we accept too.
Version = StrictStr | int


class CreateRegisteredModel(Request):
    name: StrictStr
    tags: list[Tag] = Field(default_factory=list)
    description: Text = ""


class RenameRegisteredModel(Request):
    name: StrictStr
    new_name: StrictStr


class UpdateRegisteredModel(Request):
    name: StrictStr
    description: Text = ""


class ModelName(Request):
    name: StrictStr


class SearchRegisteredModels(Request):
    filter: StrictStr | None = None
    max_results: int = SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT
    order_by: list[StrictStr] = Field(default_factory=list)
    page_token: StrictStr | None = None


class GetLatestVersions(Request):
    name: StrictStr
    stages: list[StrictStr] = Field(default_factory=list)


class SetRegisteredModelTag(Request):
    name: StrictStr
    key: StrictStr
    value: StrictStr


class DeleteRegisteredModelTag(Request):
    name: StrictStr
    key: StrictStr


class SetRegisteredModelAlias(Request):
    name: StrictStr
    alias: StrictStr
    version: Version


class ModelAlias(Request):
    name: StrictStr
    alias: StrictStr


class CreateModelVersion(Request):
    name: StrictStr
    source: StrictStr
    run_id: Text = ""
    tags: list[Tag] = Field(default_factory=list)
    run_link: Text = ""
    description: Text = ""
    model_id: StrictStr | None = None


class ModelVersionRef(Request):
    name: StrictStr
    version: Version


class UpdateModelVersion(Request):
    name: StrictStr
    version: Version
    description: Text = ""


class SearchModelVersions(Request):
    filter: StrictStr | None = None
    max_results: int = SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT
    order_by: list[StrictStr] = Field(default_factory=list)
    page_token: StrictStr | None = None


class TransitionModelVersionStage(Request):
    name: StrictStr
    version: Version
    stage: StrictStr
    archive_existing_versions: bool = False


class SetModelVersionTag(Request):
    name: StrictStr
    version: Version
    key: StrictStr
    value: StrictStr


class DeleteModelVersionTag(Request):
    name: StrictStr
    version: Version
    key: StrictStr
