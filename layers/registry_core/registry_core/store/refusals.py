"""DynamoDB's permanent refusals of a write, told apart from write conflicts.

A ValidationException (a value DynamoDB cannot keep: NaN, a number beyond 38 digits, a string that is not UTF-8, a
key too long) fails the same way however often it is retried. Inside a transaction it arrives as a
TransactionCanceledException whose cancellation reasons name it; treating that as a lost race would retry it until
the retry budget ran out and answer 503 half a minute later. It is answered at once instead.
"""

from __future__ import annotations

from typing import Any

from registry_core.domain.errors import InvalidParameterValue
from registry_core.store.base import ItemTooLarge

# DynamoDB names it ValidationError in cancellation reasons; moto names it ValidationException.
_VALIDATION_CODES = frozenset({"ValidationException", "ValidationError"})


def permanent_refusal(error: Any) -> Exception | None:
    """The error to raise for a botocore ClientError that retrying cannot cure, or None if it may be transient."""
    response = getattr(error, "response", None)
    if not isinstance(response, dict):  # not a botocore ClientError
        return None
    code = str(response.get("Error", {}).get("Code", ""))
    message = str(response.get("Error", {}).get("Message", ""))
    reasons = [reason for reason in response.get("CancellationReasons") or [] if reason.get("Code")]
    refusals = [reason for reason in reasons if reason.get("Code") in _VALIDATION_CODES]
    if code not in _VALIDATION_CODES and not refusals:
        return None
    detail = str(refusals[0].get("Message", "")) if refusals else message
    if "size" in detail.lower() or "size" in message.lower():
        return ItemTooLarge(detail or message)
    return InvalidParameterValue(f"The request holds a value the registry cannot store: {detail or message}")


def raise_if_permanent(error: Exception) -> None:
    """Raise the answer to a refusal that retrying cannot cure; return for anything that may be transient."""
    refusal = permanent_refusal(error)
    if refusal is not None:
        raise refusal from error


def refused_input(error: Exception) -> InvalidParameterValue | None:
    """The client's error to answer for an exception that is DynamoDB refusing a value, or None."""
    refusal = permanent_refusal(error)
    if refusal is None or isinstance(refusal, InvalidParameterValue):
        return refusal
    return InvalidParameterValue(f"The request holds a value too large for the registry to store: {refusal}")
