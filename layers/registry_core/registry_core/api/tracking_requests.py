"""Requests of the tracking operations (MLflow's field names; run_uuid accepted where MLflow still sends it)."""

from __future__ import annotations

from pydantic import Field, StrictStr, model_validator

from registry_core.api.requests import Request, Tag
from registry_core.domain.limits import SEARCH_EXPERIMENTS_MAX_RESULTS_DEFAULT, SEARCH_RUNS_MAX_RESULTS_DEFAULT


class CreateExperiment(Request):
    name: StrictStr
    artifact_location: StrictStr | None = None
    tags: list[Tag] = Field(default_factory=list)


class ExperimentRef(Request):
    experiment_id: StrictStr


class GetExperimentByName(Request):
    experiment_name: StrictStr


class SearchExperiments(Request):
    max_results: int = SEARCH_EXPERIMENTS_MAX_RESULTS_DEFAULT
    page_token: StrictStr | None = None
    filter: StrictStr | None = None
    order_by: list[StrictStr] = Field(default_factory=list)
    view_type: StrictStr | None = None


class UpdateExperiment(Request):
    experiment_id: StrictStr
    new_name: StrictStr


class RunRequest(Request):
    run_id: StrictStr = ""
    run_uuid: StrictStr | None = None

    @model_validator(mode="after")
    def _run_id_from_uuid(self) -> RunRequest:
        if not self.run_id and self.run_uuid:
            self.run_id = self.run_uuid
        if not self.run_id:
            from registry_core.domain.errors import InvalidParameterValue
            from registry_core.domain.validation import missing_value

            raise InvalidParameterValue(missing_value("run_id"))
        return self


class CreateRun(Request):
    experiment_id: StrictStr | None = None
    user_id: StrictStr | None = None
    run_name: StrictStr | None = None
    start_time: int | None = None
    tags: list[Tag] = Field(default_factory=list)


class UpdateRun(RunRequest):
    status: StrictStr | None = None
    end_time: int | None = None
    run_name: StrictStr | None = None


class MetricIn(Request):
    key: StrictStr
    value: float
    timestamp: int
    step: int = 0
    model_id: StrictStr | None = None
    dataset_name: StrictStr | None = None
    dataset_digest: StrictStr | None = None


class LogMetric(RunRequest, MetricIn):
    pass


class Param(Request):
    key: StrictStr
    value: StrictStr


class LogParam(RunRequest):
    key: StrictStr
    value: StrictStr


class SetTag(RunRequest):
    key: StrictStr
    value: StrictStr


class DeleteTag(RunRequest):
    key: StrictStr


class LogBatch(RunRequest):
    metrics: list[MetricIn] = Field(default_factory=list)
    params: list[Param] = Field(default_factory=list)
    tags: list[Tag] = Field(default_factory=list)


class DatasetIn(Request):
    name: StrictStr
    digest: StrictStr
    source_type: StrictStr = ""
    source: StrictStr = ""
    schema_: StrictStr | None = Field(default=None, alias="schema")
    profile: StrictStr | None = None


class DatasetInputIn(Request):
    dataset: DatasetIn
    tags: list[Tag] = Field(default_factory=list)


class ModelInputIn(Request):
    model_id: StrictStr


class LogInputs(RunRequest):
    datasets: list[DatasetInputIn] = Field(default_factory=list)
    models: list[ModelInputIn] = Field(default_factory=list)


class ModelOutputIn(Request):
    model_id: StrictStr
    step: int = 0


class LogOutputs(RunRequest):
    models: list[ModelOutputIn] = Field(default_factory=list)


class SearchRuns(Request):
    experiment_ids: list[StrictStr] = Field(default_factory=list)
    filter: StrictStr | None = None
    run_view_type: StrictStr | None = None
    max_results: int = SEARCH_RUNS_MAX_RESULTS_DEFAULT
    order_by: list[StrictStr] = Field(default_factory=list)
    page_token: StrictStr | None = None


class GetMetricHistory(RunRequest):
    metric_key: StrictStr
    page_token: StrictStr | None = None
    max_results: int | None = None


class CreateLoggedModel(Request):
    experiment_id: StrictStr
    name: StrictStr | None = None
    model_type: StrictStr | None = None
    source_run_id: StrictStr | None = None
    params: list[Param] = Field(default_factory=list)
    tags: list[Tag] = Field(default_factory=list)


class LoggedModelRef(Request):
    model_id: StrictStr


class FinalizeLoggedModel(Request):
    model_id: StrictStr
    status: StrictStr


class SetLoggedModelTags(Request):
    model_id: StrictStr
    tags: list[Tag] = Field(default_factory=list)


class DeleteLoggedModelTag(Request):
    model_id: StrictStr
    tag_key: StrictStr


class SearchLoggedModels(Request):
    experiment_ids: list[StrictStr] = Field(default_factory=list)
    filter: StrictStr | None = None
    max_results: int | None = None
    page_token: StrictStr | None = None
