"""`make run`: a folder dropped under incoming/ acts as the local user unless another principal is named."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest

from smr_local import template as stack
from smr_local.gateway import LocalIdentity
from smr_local.server import function_environment

LOCAL_AWS = cast(Any, SimpleNamespace(endpoint_url="http://127.0.0.1:1"))


def test_drops_register_as_the_local_user_who_owns_the_models_it_created(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SMR_AUTO_REGISTRATION_OWNER", raising=False)
    environment = function_environment(stack.load_template(), "table", LOCAL_AWS)
    assert environment["SMR_AUTO_REGISTRATION_OWNER"] == LocalIdentity().user_arn
    assert LocalIdentity().user_arn.endswith(":user/smr-local")


def test_another_auto_registration_principal_may_be_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMR_AUTO_REGISTRATION_OWNER", "arn:aws:iam::123456789012:role/drops")
    environment = function_environment(stack.load_template(), "table", LOCAL_AWS)
    assert environment["SMR_AUTO_REGISTRATION_OWNER"] == "arn:aws:iam::123456789012:role/drops"
