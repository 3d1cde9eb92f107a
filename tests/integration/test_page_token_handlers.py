"""Every paged route, called through its handler with a bad page token, answers INVALID_PARAMETER_VALUE (400)."""

from __future__ import annotations

import base64
import copy
import json
from urllib.parse import quote

import pytest

from registry_core.service import page_tokens

from .test_handlers import Invoke, invoke, sample_event

__all__ = ["invoke"]

GET_ROUTES = [
    "list_webhooks",
    "search_registered_models",
    "search_model_versions",
    "get_registered_model_history",
    "get_model_version_history",
]
POST_ROUTES = ["search_runs", "search_experiments", "search_logged_models"]
BAD_TOKENS = {
    "not base64 JSON": "not-a-token",
    "a JSON list": base64.urlsafe_b64encode(b"[1, 2]").decode(),
    "a JSON string": base64.urlsafe_b64encode(b'"x"').decode(),
    "another version": base64.urlsafe_b64encode(b'{"v": 2, "q": "x"}').decode(),
    "another route": page_tokens.encode(page_tokens.query_fingerprint("webhooks/list"), key={"pk": {"S": "x"}}),
}


@pytest.mark.parametrize("token", list(BAD_TOKENS.values()), ids=list(BAD_TOKENS))
def test_a_bad_page_token_is_a_client_error_on_every_paged_route(invoke: Invoke, token: str) -> None:
    assert invoke("create_registered_model")[0] == 200
    assert invoke("create_model_version")[0] == 200
    for operation in GET_ROUTES:
        event = copy.deepcopy(sample_event(operation))
        event["rawQueryString"] = f"{event['rawQueryString']}&page_token={quote(token)}"
        status, body = invoke(operation, event)
        assert (status, body.get("error_code")) == (400, "INVALID_PARAMETER_VALUE"), (operation, body)
    for operation in POST_ROUTES:
        event = copy.deepcopy(sample_event(operation))
        event["body"] = json.dumps({**json.loads(event["body"]), "page_token": token})
        status, body = invoke(operation, event)
        assert (status, body.get("error_code")) == (400, "INVALID_PARAMETER_VALUE"), (operation, body)
