"""Every limit smr enforces, in one place: MLflow's names and values where MLflow has them, smr's own below.

MLflow's come from `mlflow/utils/validation.py` and `mlflow/store/model_registry/__init__.py`. Two of them are easy
to confuse and MLflow keeps them apart: a registry tag value may be 100,000 characters, a run tag value 8,000.
"""

from __future__ import annotations

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
