"""Configuration, read from the environment once. No other module reads os.environ."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel


class Settings(BaseModel):
    table_name: str
    bucket_name: str = ""
    # The identity used when a request carries none (only the local server sends such requests).
    default_principal: str = "anonymous"
    # IAM principals (ARNs) that hold every permission on every model (SMR_ADMIN_PRINCIPALS, comma-separated).
    admin_principals: frozenset[str] = frozenset()


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings(
        table_name=os.environ.get("SMR_TABLE_NAME", "smr-registry"),
        bucket_name=os.environ.get("SMR_BUCKET_NAME", ""),
        admin_principals=frozenset(
            part.strip() for part in os.environ.get("SMR_ADMIN_PRINCIPALS", "").split(",") if part.strip()
        ),
    )
