"""Input bounded at the edge: numbers DynamoDB can keep, MLflow's digit-string versions, UTF-8, JSON depth and size."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from registry_core.api.events import json_body
from registry_core.domain.errors import InvalidParameterValue
from registry_core.domain.limits import INT64_MAX, MAX_JSON_DEPTH, MAX_REQUEST_BODY_BYTES
from registry_core.domain.validation import Int64, StoredFloat, Version, validate_version
from registry_core.store.base import ItemTooLarge
from registry_core.store.refusals import permanent_refusal


class Fields(BaseModel):
    version: Version = "1"
    step: Int64 = 0
    value: StoredFloat = 0.0


@pytest.mark.parametrize("version", ["1_0", "٣", "+1", " 1 ", "-1", "1.0", "0x1", "12345678901", True, 1.0, [1]])
def test_a_version_that_is_not_a_digit_string_is_refused_with_mlflows_message(version: Any) -> None:
    with pytest.raises(InvalidParameterValue, match="Parameter 'version' must be an integer"):
        Fields.model_validate({"version": version})
    with pytest.raises(InvalidParameterValue):
        validate_version(version)


@pytest.mark.parametrize(("version", "number"), [("1", 1), ("0042", 42), (7, 7), ("9999999999", 9_999_999_999)])
def test_digit_strings_and_plain_numbers_are_versions(version: str | int, number: int) -> None:
    assert Fields.model_validate({"version": version}).version == version
    assert validate_version(version) == number


@pytest.mark.parametrize("step", [10**39, -(10**39), INT64_MAX + 1, True, "1_0", " 1", "1e3", "٣"])
def test_an_integer_beyond_int64_or_not_an_integer_is_refused(step: Any) -> None:
    with pytest.raises(ValidationError):
        Fields.model_validate({"step": step})


def test_int64_accepts_numbers_and_decimal_strings_as_protobuf_json_does() -> None:
    assert Fields.model_validate({"step": "-12"}).step == -12
    assert Fields.model_validate({"step": INT64_MAX}).step == INT64_MAX


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), 1e200, -1e127, 1e-131, True])
def test_a_stored_number_must_be_finite_and_within_dynamodbs_range(value: Any) -> None:
    with pytest.raises(ValidationError):
        Fields.model_validate({"value": value})


@pytest.mark.parametrize("value", [0.0, -0.0, 1e125, -9.9e125, 1e-130, 0.97])
def test_numbers_dynamodb_can_keep_are_accepted(value: float) -> None:
    assert Fields.model_validate({"value": value}).value == value


def _event(body: str) -> dict[str, Any]:
    return {"body": body, "requestContext": {"http": {"method": "POST"}}}


def test_a_body_nested_100000_levels_is_refused_not_crashed() -> None:
    with pytest.raises(InvalidParameterValue, match="nests deeper"):
        json_body(_event('{"a":' + "[" * 100_000 + "]" * 100_000 + "}"))


def test_a_body_nested_just_past_the_limit_is_refused_and_at_the_limit_accepted() -> None:
    def nested(levels: int) -> str:
        return "[" * (levels - 1) + "]" * (levels - 1)

    assert json_body(_event('{"a":' + nested(MAX_JSON_DEPTH) + "}"))
    with pytest.raises(InvalidParameterValue, match="nests deeper"):
        json_body(_event('{"a":' + nested(MAX_JSON_DEPTH + 1) + "}"))


@pytest.mark.parametrize("body", ['{"name": "x\\ud800y"}', '{"x\\udfff": 1}', '{"tags": [{"key": "\\ud83d"}]}'])
def test_a_lone_surrogate_anywhere_in_the_body_is_refused(body: str) -> None:
    with pytest.raises(InvalidParameterValue, match="not valid UTF-8"):
        json_body(_event(body))


def test_a_surrogate_pair_is_a_valid_character() -> None:
    assert json_body(_event('{"name": "\\ud83d\\ude00"}')) == {"name": "\U0001f600"}


def test_a_body_over_the_size_limit_is_refused() -> None:
    with pytest.raises(InvalidParameterValue, match="exceeds"):
        json_body(_event(json.dumps({"description": "x" * MAX_REQUEST_BODY_BYTES})))


def test_an_integer_of_thousands_of_digits_is_refused_as_bad_json() -> None:
    with pytest.raises(InvalidParameterValue, match="not valid JSON"):
        json_body(_event('{"step": ' + "9" * 5000 + "}"))


class _ClientError(Exception):
    def __init__(self, response: dict[str, Any]) -> None:
        super().__init__("client error")
        self.response = response


def test_a_validation_error_inside_a_cancelled_transaction_is_permanent() -> None:
    error = _ClientError(
        {
            "Error": {"Code": "TransactionCanceledException", "Message": "cancelled [None, ValidationError]"},
            "CancellationReasons": [
                {"Code": "None"},
                {"Code": "ValidationError", "Message": "The parameter cannot be converted to a numeric value: NaN"},
            ],
        }
    )
    refusal = permanent_refusal(error)
    assert isinstance(refusal, InvalidParameterValue)
    assert "numeric value" in refusal.message


def test_a_size_refusal_stays_item_too_large() -> None:
    error = _ClientError(
        {
            "Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
            "CancellationReasons": [{"Code": "ValidationError", "Message": "Item size has exceeded the maximum"}],
        }
    )
    assert isinstance(permanent_refusal(error), ItemTooLarge)


@pytest.mark.parametrize(
    "response",
    [
        {"Error": {"Code": "TransactionCanceledException"}, "CancellationReasons": [{"Code": code}]}
        for code in ("ConditionalCheckFailed", "TransactionConflict", "ThrottlingError")
    ]
    + [
        {"Error": {"Code": "ConditionalCheckFailedException"}},
        {"Error": {"Code": "ProvisionedThroughputExceededException"}},
    ],
)
def test_conflicts_and_throttling_are_not_permanent(response: dict[str, Any]) -> None:
    assert permanent_refusal(_ClientError(response)) is None


def test_an_exception_that_is_not_a_client_error_is_not_a_refusal() -> None:
    class HttpError(Exception):
        response = object()

    assert permanent_refusal(HttpError()) is None
    assert permanent_refusal(ValueError("x")) is None


def _handler_raising(error: Exception) -> Any:
    from registry_core.api.endpoint import endpoint
    from registry_core.api.requests import NoParameters

    @endpoint(NoParameters)
    def operation(request: NoParameters, caller: Any) -> dict[str, Any]:
        raise error

    return operation


def test_a_dynamodb_refusal_on_an_unchecked_path_is_answered_as_the_clients_error() -> None:
    refusal = _ClientError({"Error": {"Code": "ValidationException", "Message": "key attribute cannot be empty"}})
    response = _handler_raising(refusal)({"requestContext": {"http": {"method": "GET"}}}, None)
    assert response["statusCode"] == 400
    assert json.loads(response["body"])["error_code"] == "INVALID_PARAMETER_VALUE"


def test_any_other_failure_is_still_a_500_that_says_nothing() -> None:
    response = _handler_raising(RuntimeError("secret detail"))({"requestContext": {"http": {"method": "GET"}}}, None)
    assert response["statusCode"] == 500
    assert "secret" not in response["body"]
