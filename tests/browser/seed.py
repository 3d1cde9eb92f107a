"""The registry a browser test clicks through, made over the HTTP API as the CLI would (signed requests)."""

from __future__ import annotations

import hashlib
from typing import Any

import requests
from requests.auth import AuthBase

MODEL = "fraud-detector"
PRIVATE_MODEL = "bobs-secret-model"
# Markup in a description must show as text: nothing from the registry may run as script or become an element.
HOSTILE_DESCRIPTION = (
    "Detects **fraud** in card payments.\n\n- owner: risk team\n- see [the runbook](https://example.com/runbook)\n\n"
    '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script> [x](javascript:window.__pwned=1)'
)
UPLOADED_MODEL = "uploaded-model"
UPLOADED_FILES = {"MLmodel": b"flavors: {}\n", "model/weights.bin": bytes(range(256)) * 8}
WEBHOOK = "deploy-hook"
# Nothing listens on the discard port: every delivery fails, and the delivery log says so.
WEBHOOK_URL = "http://127.0.0.1:9/hook"
PRODUCTION_POLICY = {
    "stage:Production": [
        {"type": "metric", "key": "accuracy", "op": ">=", "value": 0.95},
        {"type": "tag", "key": "validated", "value": "true"},
    ]
}


class Api:
    def __init__(self, url: str, auth: AuthBase) -> None:
        self._url = url
        self._auth = auth

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        if method == "GET":
            response = requests.get(self._url + path, params=body, auth=self._auth, timeout=60)
        else:
            response = requests.request(method, self._url + path, json=body or {}, auth=self._auth, timeout=60)
        assert response.ok, f"{method} {path}: {response.status_code} {response.text}"
        answer: dict[str, Any] = response.json()
        return answer


def seed(api: Api, bob: Api) -> None:
    """fraud-detector: v1 in Production, v2 in Staging (good metrics, not validated), v3 validated; a policy."""
    mlflow, smr = "/api/2.0/mlflow", "/api/2.0/smr"
    api.call(
        "POST",
        f"{mlflow}/webhooks",
        {"name": WEBHOOK, "url": WEBHOOK_URL, "events": [{"entity": "model_version", "action": "created"}]},
    )
    api.call(
        "POST",
        f"{mlflow}/registered-models/create",
        {"name": MODEL, "description": HOSTILE_DESCRIPTION, "tags": [{"key": "team", "value": "risk"}]},
    )
    for number, (accuracy, tags) in enumerate(
        [(0.91, []), (0.96, []), (0.97, [{"key": "validated", "value": "true"}])], start=1
    ):
        api.call(
            "POST",
            f"{mlflow}/model-versions/create",
            {
                "name": MODEL,
                "source": f"s3://elsewhere/fraud/{number}",
                "tags": tags,
                "model_metrics": [{"key": "accuracy", "value": accuracy, "step": 1}],
                "model_params": [{"name": "C", "value": str(number / 2)}],
            },
        )
    api.call(
        "POST", f"{mlflow}/model-versions/transition-stage", {"name": MODEL, "version": "1", "stage": "Production"}
    )
    api.call("POST", f"{mlflow}/model-versions/transition-stage", {"name": MODEL, "version": "2", "stage": "Staging"})
    api.call("POST", f"{mlflow}/registered-models/alias", {"name": MODEL, "alias": "champion", "version": "1"})
    api.call(
        "POST", f"{smr}/registered-models/promotion-policy", {"name": MODEL, "policy": {"rules": PRODUCTION_POLICY}}
    )
    for index in range(30):  # more than one page of models
        api.call("POST", f"{mlflow}/registered-models/create", {"name": f"filler-{index:02d}"})
    upload(api, UPLOADED_MODEL, UPLOADED_FILES)
    bob.call("POST", f"{mlflow}/registered-models/create", {"name": PRIVATE_MODEL})
    bob.call("POST", f"{smr}/permissions/set-private", {"name": PRIVATE_MODEL, "private": True})


def upload(api: Api, name: str, files: dict[str, bytes]) -> None:
    """A version whose files the registry holds (docs/artifacts.md): presigned PUTs, then complete."""
    manifest = [
        {"path": path, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()} for path, data in files.items()
    ]
    created = api.call("POST", "/api/2.0/smr/uploads/create", {"name": name, "files": manifest})
    for spec in created["files"]:
        requests.put(spec["url"], data=files[spec["path"]], timeout=60).raise_for_status()
    api.call("POST", "/api/2.0/smr/uploads/complete", {"name": name, "upload_id": created["upload_id"]})
