"""Unit tests run with no AWS; the settings still need a table name, as every function is deployed with one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from registry_core.config import settings


@pytest.fixture(autouse=True)
def _configured(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SMR_TABLE_NAME", "smr-unit-tests")
    settings.cache_clear()
    yield
    settings.cache_clear()
