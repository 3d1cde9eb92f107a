"""Every DynamoDB key of the registry is built here (see docs/design.md for the table layout)."""

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


def version_number_from_sk(sk: str) -> int:
    return int(sk.removeprefix(VERSION_SK_PREFIX))


def model_key(name: str) -> dict[str, str]:
    return {"pk": model_pk(name), "sk": MODEL_SK}


def version_key(name: str, version: int) -> dict[str, str]:
    return {"pk": model_pk(name), "sk": version_sk(version)}


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
        keys["gsi3pk"] = f"RUN#{run_id}"
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
