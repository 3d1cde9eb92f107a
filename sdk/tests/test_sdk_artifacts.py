"""upload_version and download through the presigned-transfer contract (tests/support's stand-in of it)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest

from smr import ArtifactIntegrityError, SmrClient, load_model, parse_model_uri
from tests.support.artifacts_stub import PART_SIZE, ArtifactsStub

MULTIPART_THRESHOLD = 100 * 1024


def _model_folder(root: Path) -> Path:
    folder = root / "model"
    (folder / "sub").mkdir(parents=True)
    (folder / "MLmodel").write_text("flavors: {}\n")
    (folder / "sub" / "empty.txt").write_bytes(b"")
    # Several parts, the last one short.
    (folder / "sub" / "weights.bin").write_bytes(os.urandom(PART_SIZE * 3 + 1234))
    return folder


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_folder_uploads_multipart_and_in_parallel_and_downloads_verified(
    stub: ArtifactsStub, stub_client: SmrClient, model_name: str, tmp_path: Path
) -> None:
    folder = _model_folder(tmp_path)
    version = stub_client.upload_version(
        model_name,
        folder,
        description="uploaded",
        tags={"team": "growth"},
        model_metrics={"accuracy": 0.97},
        aliases=["candidate"],
        multipart_threshold=MULTIPART_THRESHOLD,
        progress=False,
    )
    assert version.status == "READY"
    assert version.version == 1
    assert version.description == "uploaded"
    assert version.aliases == ["candidate"]
    assert version.model_metrics == {"accuracy": 0.97}
    part_puts = [r for r in stub.requests_seen if r.startswith("PUT /stub-s3/")]
    assert len(part_puts) == 6  # MLmodel and empty.txt in one PUT each, weights.bin in four parts
    manifest = {entry["path"]: entry["sha256"] for entry in stub.manifests[(model_name, 1)]}
    assert manifest == {
        "MLmodel": _digest(folder / "MLmodel"),
        "sub/empty.txt": _digest(folder / "sub" / "empty.txt"),
        "sub/weights.bin": _digest(folder / "sub" / "weights.bin"),
    }

    dest = stub_client.download(model_name, "@candidate", tmp_path / "out", progress=False)
    assert _digest(dest / "sub" / "weights.bin") == _digest(folder / "sub" / "weights.bin")
    assert (dest / "MLmodel").read_text() == "flavors: {}\n"
    assert (dest / "sub" / "empty.txt").read_bytes() == b""
    assert not list(dest.rglob("*.smr-partial"))


def test_a_corrupted_download_is_refused_and_leaves_no_file(
    stub: ArtifactsStub, stub_client: SmrClient, model_name: str, tmp_path: Path
) -> None:
    stub_client.upload_version(model_name, _model_folder(tmp_path), progress=False)
    stub.corrupt_downloads = True
    try:
        with pytest.raises(ArtifactIntegrityError):
            stub_client.download(model_name, 1, tmp_path / "out", progress=False)
    finally:
        stub.corrupt_downloads = False
    assert not (tmp_path / "out" / "MLmodel").exists()
    assert not list((tmp_path / "out").rglob("*.smr-partial"))


def test_upload_version_of_a_single_file(stub_client: SmrClient, model_name: str, tmp_path: Path) -> None:
    single = tmp_path / "model.pkl"
    single.write_bytes(b"pickle")
    version = stub_client.upload_version(model_name, single, progress=True)  # a progress bar must not get in the way
    out = stub_client.download(model_name, version.version, tmp_path / "out", progress=False)
    assert (out / "model.pkl").read_bytes() == b"pickle"


def test_load_model_returns_the_local_path_for_a_models_uri(
    stub_client: SmrClient, model_name: str, tmp_path: Path
) -> None:
    stub_client.upload_version(model_name, _model_folder(tmp_path), aliases=["champion"], progress=False)
    path = load_model(f"models:/{model_name}@champion", client=stub_client, dest=tmp_path / "cache", as_path=True)
    assert (Path(path) / "MLmodel").is_file()


def test_load_model_loads_a_pyfunc_model_when_mlflow_is_installed(
    stub_client: SmrClient, model_name: str, tmp_path: Path
) -> None:
    from mlflow.pyfunc import PythonModel, save_model

    class Doubler(PythonModel):
        def predict(self, context: Any, model_input: Any, params: dict[str, Any] | None = None) -> Any:
            return [2 * value for value in model_input]

    saved = tmp_path / "pyfunc"
    save_model(str(saved), python_model=Doubler())
    stub_client.upload_version(model_name, saved, stage="Production", progress=False)
    loaded = load_model(f"models:/{model_name}/Production", client=stub_client, dest=tmp_path / "cache")
    assert list(loaded.predict([1, 2])) == [2, 4]


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("models:/churn@champion", ("churn", "champion")),
        ("models:/churn/3", ("churn", "3")),
        ("models:/churn/Production", ("churn", "Production")),
    ],
)
def test_model_uris_parse(uri: str, expected: tuple[str, str]) -> None:
    assert parse_model_uri(uri) == expected


@pytest.mark.parametrize(
    "path",
    [
        "../etc/passwd",
        "/etc/passwd",
        "a/../../x",
        "..\\..\\x",  # escapes on Windows, where the backslash separates
        "a\\..\\..\\x",
        "C:x",
        "C:\\Windows\\x",
        "c:/x",
        "\\\\server\\share\\x",  # UNC
        "//server/share/x",
        "",
        ".",
    ],
)
def test_a_path_escaping_the_destination_is_refused_on_posix_and_windows(path: str, tmp_path: Path) -> None:
    from smr.artifacts import _safe_destination

    with pytest.raises(ArtifactIntegrityError):
        _safe_destination(tmp_path, path)


def test_a_nested_relative_path_lands_under_the_destination(tmp_path: Path) -> None:
    from smr.artifacts import _safe_destination

    assert _safe_destination(tmp_path, "sub dir/model.pkl") == tmp_path / "sub dir" / "model.pkl"


def test_against_the_real_endpoints_a_multipart_upload_becomes_ready_and_downloads_verified(
    client: SmrClient, model_name: str, tmp_path: Path
) -> None:
    """The same round trip through smr's own uploads/create, uploads/complete and download-urls (S3 parts >= 5 MiB)."""
    folder = tmp_path / "model"
    (folder / "sub").mkdir(parents=True)
    (folder / "MLmodel").write_text("flavors: {}\n")
    (folder / "sub" / "weights.bin").write_bytes(os.urandom(5 * 1024 * 1024 * 2 + 4321))
    version = client.upload_version(
        model_name, folder, description="real", multipart_threshold=5 * 1024 * 1024, progress=False
    )
    assert (version.status, version.version, version.description) == ("READY", 1, "real")
    dest = client.download(model_name, 1, tmp_path / "out", progress=False)
    assert _digest(dest / "sub" / "weights.bin") == _digest(folder / "sub" / "weights.bin")
    assert (dest / "MLmodel").read_text() == "flavors: {}\n"


def test_the_progress_bar_shows_speed_and_time_left_only_once_they_mean_something() -> None:
    import io

    from rich.console import Console
    from rich.progress import Progress, TimeRemainingColumn, TransferSpeedColumn

    from smr.artifacts import SETTLE_S, _settled

    clock = [0.0]
    bar = Progress(
        _settled(TransferSpeedColumn),
        _settled(TimeRemainingColumn),
        console=Console(file=io.StringIO()),
        get_time=lambda: clock[0],
    )
    task_id = bar.add_task("uploading", total=100_000_000)
    clock[0] = 0.05
    bar.advance(task_id, 1_000)  # the first small part, right after start: no "22.3 kB/s 1:57:25"
    columns = [column for column in bar.columns if not isinstance(column, str)]
    assert [str(column.render(bar.tasks[0])) for column in columns] == ["", ""]
    clock[0] = SETTLE_S + 1
    bar.advance(task_id, 10_000_000)
    speed, remaining = (str(column.render(bar.tasks[0])) for column in columns)
    assert speed.endswith("/s") and ":" in remaining
