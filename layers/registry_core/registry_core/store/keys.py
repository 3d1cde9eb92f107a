"""Every DynamoDB key of the table is built here: registry, uploads, history, events, webhooks, tracking.

See docs/design.md for the table layout. Only the DynamoDB side of store/ uses these (the service asks in entity
terms, and the in-memory fakes order and find things their own way, so the contract suites compare two
implementations).
"""

from __future__ import annotations

MODEL_SK = "#MODEL"
VERSION_SK_PREFIX = "V#"
MODELS_PARTITION = "RM"
VERSIONS_PARTITION = "MV"
# Zero padding makes string order equal numeric order.
VERSION_DIGITS = 10
TIMESTAMP_DIGITS = 15


def model_pk(name: str) -> str:
    return f"M#{name}"


def version_sk(version: int) -> str:
    return f"{VERSION_SK_PREFIX}{version:0{VERSION_DIGITS}d}"


def model_key(name: str) -> dict[str, str]:
    return {"pk": model_pk(name), "sk": MODEL_SK}


def version_key(name: str, version: int) -> dict[str, str]:
    return {"pk": model_pk(name), "sk": version_sk(version)}


def versions_of_run_partition(run_id: str) -> str:
    """The gsi3 partition of the versions registered from a run."""
    return f"RUN#{run_id}"


def model_index_keys(name: str, last_updated: int) -> dict[str, str]:
    return {
        "gsi1pk": MODELS_PARTITION,
        "gsi1sk": name,
        "gsi2pk": MODELS_PARTITION,
        "gsi2sk": f"{last_updated:0{TIMESTAMP_DIGITS}d}#{name}",
    }


def version_index_keys(name: str, version: int, last_updated: int, run_id: str | None) -> dict[str, str]:
    keys = {
        "gsi1pk": VERSIONS_PARTITION,
        "gsi1sk": f"{name}#{version:0{VERSION_DIGITS}d}",
        "gsi2pk": VERSIONS_PARTITION,
        "gsi2sk": f"{last_updated:0{TIMESTAMP_DIGITS}d}#{name}#{version:0{VERSION_DIGITS}d}",
    }
    if run_id:
        # Sparse index: only versions that came from a run are in it.
        keys["gsi3pk"] = versions_of_run_partition(run_id)
        keys["gsi3sk"] = f"{name}#{version:0{VERSION_DIGITS}d}"
    return keys


# Upload records (docs/artifacts.md): one item per upload folder, listed per model through gsi1.
UPLOAD_SK = "#UPLOAD"


def upload_key(name: str, upload_id: str) -> dict[str, str]:
    # A model name cannot contain '/', so "<name>/<upload id>" is unambiguous.
    return {"pk": f"UP#{name}/{upload_id}", "sk": UPLOAD_SK}


def uploads_partition(name: str) -> str:
    return f"UP#{name}"


def upload_index_keys(name: str, upload_id: str, created: int) -> dict[str, str]:
    return {"gsi1pk": uploads_partition(name), "gsi1sk": f"{created:0{TIMESTAMP_DIGITS}d}#{upload_id}"}


# -- history and events (docs/governance.md) -------------------------------------------------------------------
# History and event items live in partitions named by the model's uid, not its name: they survive renames, and the
# deletion of versions (whose cleanup only touches `M#<name>` / `V#...`). Their sort key orders them by time; the
# revision and the position in the transaction make it unique.
HISTORY_PK_PREFIX = "H#"
EVENT_PK_PREFIX = "EV#"  # not "E#": experiments (tracking) use it
REVISION_DIGITS = 10
SEQ_DIGITS = 3


def record_sk(timestamp: int, rev: int, seq: int) -> str:
    return f"{timestamp:0{TIMESTAMP_DIGITS}d}#{rev:0{REVISION_DIGITS}d}#{seq:0{SEQ_DIGITS}d}"


def history_pk(model_uid: str) -> str:
    return f"{HISTORY_PK_PREFIX}{model_uid}"


def event_pk(model_uid: str) -> str:
    return f"{EVENT_PK_PREFIX}{model_uid}"


def history_version_partition(model_uid: str, version: int) -> str:
    return f"HV#{model_uid}#{version:0{VERSION_DIGITS}d}"


def history_alias_partition(model_uid: str, alias: str) -> str:
    return f"HA#{model_uid}#{alias}"


def history_stage_entered_partition(model_uid: str, stage: str) -> str:
    return f"HS#{model_uid}#{stage}"


def history_stage_left_partition(model_uid: str, stage: str) -> str:
    return f"HSL#{model_uid}#{stage}"


def record_sk_upper_bound_at(timestamp: int) -> str:
    """An inclusive sort-key bound that admits every record made at or before `timestamp` (ms)."""
    return f"{timestamp:0{TIMESTAMP_DIGITS}d}#~"


def record_sk_just_after(sk: str) -> str:
    """An inclusive lower bound admitting exactly the record keys greater than `sk` (all have the same length)."""
    return sk + "!"


def record_sk_just_before(sk: str) -> str:
    """An inclusive upper bound admitting exactly the record keys smaller than `sk` (all have the same length)."""
    return sk[:-1] + chr(ord(sk[-1]) - 1) + "~"


# -- webhooks and their delivery log ----------------------------------------------------------------------------
WEBHOOK_SK = "#WEBHOOK"
WEBHOOKS_PARTITION = "WEBHOOKS"
DELIVERY_SK_PREFIX = "D#"


def webhook_key(webhook_id: str) -> dict[str, str]:
    return {"pk": f"WH#{webhook_id}", "sk": WEBHOOK_SK}


def webhook_index_keys(webhook_id: str, created: int) -> dict[str, str]:
    return {"gsi1pk": WEBHOOKS_PARTITION, "gsi1sk": f"{created:0{TIMESTAMP_DIGITS}d}#{webhook_id}"}


def delivery_key(webhook_id: str, timestamp: int, delivery_id: str, attempt: int) -> dict[str, str]:
    return {
        "pk": f"WH#{webhook_id}",
        "sk": f"{DELIVERY_SK_PREFIX}{timestamp:0{TIMESTAMP_DIGITS}d}#{delivery_id}#{attempt:0{SEQ_DIGITS}d}",
    }


# --- tracking (docs/tracking.md) ---------------------------------------------------------------------------------
EXPERIMENT_SK = "#EXP"
EXPERIMENT_NAME_SK = "#EXPNAME"
EXPERIMENTS_PARTITION = "EXP"
COUNTER_PK = "#COUNTER"
EXPERIMENT_COUNTER_SK = "EXP"
RUN_SK = "#RUN"
METRIC_SK_PREFIX = "MH#"
LOGGED_MODEL_SK = "#LM"
_INT64_OFFSET = 2**63
_INT64_DIGITS = 20


def experiment_key(experiment_id: str) -> dict[str, str]:
    return {"pk": f"E#{experiment_id}", "sk": EXPERIMENT_SK}


def experiment_name_key(name: str) -> dict[str, str]:
    """The item that reserves an experiment name (names are unique, deleted experiments keep theirs)."""
    return {"pk": f"EN#{name}", "sk": EXPERIMENT_NAME_SK}


def experiment_counter_key() -> dict[str, str]:
    return {"pk": COUNTER_PK, "sk": EXPERIMENT_COUNTER_SK}


def experiment_index_keys(name: str) -> dict[str, str]:
    return {"gsi1pk": EXPERIMENTS_PARTITION, "gsi1sk": name}


def run_key(run_id: str) -> dict[str, str]:
    return {"pk": f"R#{run_id}", "sk": RUN_SK}


def runs_of_experiment_partition(experiment_id: str) -> str:
    return f"RUNS#{experiment_id}"


def run_index_keys(experiment_id: str, start_time: int, run_id: str) -> dict[str, str]:
    return {
        "gsi1pk": runs_of_experiment_partition(experiment_id),
        "gsi1sk": f"{start_time:0{TIMESTAMP_DIGITS}d}#{run_id}",
    }


def sortable_int(number: int) -> str:
    """A signed 64-bit integer as a fixed-width string whose order is the numbers' order."""
    return f"{number + _INT64_OFFSET:0{_INT64_DIGITS}d}"


def sortable_float(value: float) -> str:
    """A double as 16 hex digits whose string order is the numbers' order (IEEE 754 bits, sign-flipped)."""
    import struct

    bits: int = struct.unpack(">Q", struct.pack(">d", value))[0]
    bits = (~bits & 0xFFFF_FFFF_FFFF_FFFF) if bits >> 63 else bits | (1 << 63)
    return f"{bits:016x}"


def metric_history_prefix(key: str) -> str:
    # Metric keys cannot contain '#', so the prefix of one key never matches another.
    return f"{METRIC_SK_PREFIX}{key}#"


def metric_point_key(run_id: str, key: str, timestamp: int, step: int, value: float) -> dict[str, str]:
    """One point of a metric's history, ordered as MLflow returns history: by timestamp, step, then value.

    The value is part of the key: a point logged twice (a client retry) is one point, as in MLflow's SQL store.
    """
    sk = f"{metric_history_prefix(key)}{sortable_int(timestamp)}#{sortable_int(step)}#{sortable_float(value)}"
    return {"pk": f"R#{run_id}", "sk": sk}


def latest_metric_order(step: int, timestamp: int, value: float) -> str:
    """A string whose order is MLflow's order for the latest metric value: step, then timestamp, then value."""
    return f"{sortable_int(step)}#{sortable_int(timestamp)}#{sortable_float(value)}"


def logged_model_key(model_id: str) -> dict[str, str]:
    return {"pk": f"L#{model_id}", "sk": LOGGED_MODEL_SK}


def logged_models_of_experiment_partition(experiment_id: str) -> str:
    return f"LMS#{experiment_id}"


def logged_model_index_keys(experiment_id: str, creation_ms: int, model_id: str) -> dict[str, str]:
    return {
        "gsi1pk": logged_models_of_experiment_partition(experiment_id),
        "gsi1sk": f"{creation_ms:0{TIMESTAMP_DIGITS}d}#{model_id}",
    }
