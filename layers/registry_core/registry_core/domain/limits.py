"""Every limit smr enforces, in one place: MLflow's names and values where MLflow has them, smr's own below.

MLflow's come from `mlflow/utils/validation.py` and `mlflow/store/model_registry/__init__.py`. Two of them are easy
to confuse and MLflow keeps them apart: a registry tag value may be 100,000 characters, a run tag value 8,000.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

# -- MLflow's model registry -------------------------------------------------------------------------------
MAX_MODEL_REGISTRY_TAG_KEY_LENGTH: Final = 250
MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH: Final = 100_000
MAX_REGISTERED_MODEL_ALIAS_LENGTH: Final = 255
SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT: Final = 100
SEARCH_REGISTERED_MODEL_MAX_RESULTS_THRESHOLD: Final = 1000
SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT: Final = 10_000
SEARCH_MODEL_VERSION_MAX_RESULTS_THRESHOLD: Final = 200_000

# -- MLflow's tracking API ---------------------------------------------------------------------------------
MAX_ENTITY_KEY_LENGTH: Final = 250
MAX_PARAM_VAL_LENGTH: Final = 6000
MAX_TAG_VAL_LENGTH: Final = 8000
MAX_EXPERIMENT_NAME_LENGTH: Final = 500
MAX_METRICS_PER_BATCH: Final = 1000
MAX_PARAMS_TAGS_PER_BATCH: Final = 100
MAX_ENTITIES_PER_BATCH: Final = 1000
# get-history without max_results answers this many points and a token (MLflow's client pages with 25,000 too).
METRIC_HISTORY_MAX_PAGE: Final = 25_000
SEARCH_RUNS_MAX_RESULTS_DEFAULT: Final = 1000
SEARCH_RUNS_MAX_RESULTS_THRESHOLD: Final = 50_000
SEARCH_EXPERIMENTS_MAX_RESULTS_DEFAULT: Final = 1000
SEARCH_EXPERIMENTS_MAX_RESULTS_THRESHOLD: Final = 50_000
SEARCH_LOGGED_MODELS_MAX_RESULTS_DEFAULT: Final = 100

# -- smr's governance extensions ---------------------------------------------------------------------------
# Metrics and params live in the version item and in the model item's copies: bounded to keep items small.
MAX_METRICS_PER_VERSION: Final = 100
MAX_PARAMS_PER_VERSION: Final = 100
MAX_COMMENT_LENGTH: Final = 1000
MAX_POLICY_RULES: Final = 50
MAX_POLICY_TARGETS: Final = 20
# Principals a metric rule may name as the trusted recorders of its metric.
MAX_POLICY_RECORDERS: Final = 20
HISTORY_MAX_RESULTS_DEFAULT: Final = 100
HISTORY_MAX_RESULTS_THRESHOLD: Final = 1000

# -- smr's artifacts ---------------------------------------------------------------------------------------
MAX_UPLOAD_ID_LENGTH: Final = 128
MAX_FILES_PER_UPLOAD: Final = 1000
MAX_LISTED_UPLOADS: Final = 100

# -- smr's webhooks ----------------------------------------------------------------------------------------
MAX_WEBHOOK_NAME_LENGTH: Final = 256
MAX_WEBHOOK_URL_LENGTH: Final = 2048
WEBHOOK_LIST_MAX_RESULTS_DEFAULT: Final = 100
WEBHOOK_LIST_MAX_RESULTS_THRESHOLD: Final = 1000
DELIVERY_LOG_MAX_RESULTS: Final = 100

# -- what the store and AWS can keep: refused with 400 where requests are parsed -----------------------------
# DynamoDB numbers: at most 38 significant digits, magnitude 1E-130 .. 9.9999999999999999999999999999999999999E+125.
DYNAMODB_NUMBER_MAX_DIGITS: Final = 38
DYNAMODB_NUMBER_MAX_MAGNITUDE: Final = Decimal("9.9999999999999999999999999999999999999E+125")
DYNAMODB_NUMBER_MIN_MAGNITUDE: Final = Decimal("1E-130")
# MLflow's steps, timestamps and counts are protobuf int64s; 19 digits also fit DynamoDB's 38.
INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
# Versions are zero-padded to 10 digits in keys (store/keys.py VERSION_DIGITS), so a version has at most 10 digits.
MAX_VERSION_DIGITS: Final = 10

# -- request bodies -----------------------------------------------------------------------------------------------
# Lambda takes at most 6 MB of request payload, the event's envelope included; every handler refuses a body above
# this (400) before parsing it, in AWS and under `make run` alike.
MAX_REQUEST_BODY_BYTES: Final = 5 * 1024 * 1024
# Every request of MLflow's API and smr's nests at most a few levels (a policy: body → rules → target → rule).
MAX_JSON_DEPTH: Final = 32

# -- uploads ------------------------------------------------------------------------------------------------------
# S3's limits: one object at most 5 TiB, sent in at most 10,000 parts of 5 MiB to 5 GiB.
S3_MAX_OBJECT_BYTES: Final = 5 * 1024**4
S3_MAX_PARTS: Final = 10_000
S3_MIN_PART_BYTES: Final = 5 * 1024**2
S3_MAX_PART_BYTES: Final = 5 * 1024**3
S3_MAX_KEY_BYTES: Final = 1024
# One upload (uploads/create) must answer within API Gateway's 30 s and Lambda's 6 MB response: it presigns at most
# MAX_PRESIGNED_URLS_PER_UPLOAD URLs (files and parts; each up to ~3 KB with a long key and a session token), starts
# at most MAX_MULTIPART_FILES_PER_UPLOAD multipart uploads (one S3 call each), and its answer is refused above
# MAX_RESPONSE_BYTES rather than cut short by Lambda. An upload holds at most MAX_UPLOAD_BYTES in all.
MAX_PRESIGNED_URLS_PER_UPLOAD: Final = 1500
MAX_MULTIPART_FILES_PER_UPLOAD: Final = 100
MAX_UPLOAD_BYTES: Final = S3_MAX_OBJECT_BYTES
LAMBDA_MAX_RESPONSE_BYTES: Final = 6 * 1024 * 1024
MAX_RESPONSE_BYTES: Final = 5 * 1024 * 1024
# smr.json: instructions for the version (description, tags, aliases, metrics); kept in the upload's record, which
# DynamoDB holds to 400 KB.
MAX_UPLOAD_MANIFEST_BYTES: Final = 256 * 1024
# An upload's record is one DynamoDB item (at most 400 KB): its file list is refused above this, before any S3 call,
# and a failure's reason is cut to MAX_FAILURE_REASON_LENGTH characters so that the failure can always be recorded.
MAX_UPLOAD_RECORD_BYTES: Final = 350 * 1024
MAX_FAILURE_REASON_LENGTH: Final = 2000
