"""The `smr` command: output (table and JSON) and the exit codes scripts rely on."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from smr.cli import main
from tests.support.artifacts_stub import ArtifactsStub
from tests.support.server import LocalServer


class Cli:
    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self._capsys = capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        self._capsys.readouterr()
        try:
            code = main(list(args))
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        captured = self._capsys.readouterr()
        return code, captured.out, captured.err

    def json(self, *args: str) -> Any:
        code, out, err = self("--output", "json", *args)
        assert code == 0, err
        return json.loads(out)


@pytest.fixture
def cli(server: LocalServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SMR_ENDPOINT", server.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    return Cli(capsys)


def test_models_create_show_list_tag_rename_delete(cli: Cli, model_name: str) -> None:
    created = cli.json("models", "create", model_name, "--description", "d", "--tag", "team=growth")
    assert created["name"] == model_name and created["tags"] == {"team": "growth"}
    assert cli.json("models", "show", model_name)["description"] == "d"
    listed = cli.json("models", "list", "--filter", f"name LIKE '{model_name}%'")
    assert [m["name"] for m in listed] == [model_name]
    tagged = cli.json("models", "tag", model_name, "stage=beta", "--delete", "team")
    assert tagged["tags"] == {"stage": "beta"}
    assert cli.json("models", "rename", model_name, model_name + "-2")["name"] == model_name + "-2"
    code, _, _ = cli("models", "delete", model_name + "-2", "--yes")
    assert code == 0
    code, _, err = cli("models", "show", model_name + "-2")
    assert code == 2
    assert err.startswith("error: RESOURCE_DOES_NOT_EXIST")


def test_the_table_output_shows_the_columns(cli: Cli, model_name: str) -> None:
    cli("models", "create", model_name, "--description", "tabled")
    code, out, _ = cli("models", "show", model_name)
    assert code == 0
    assert "name" in out and "description" in out and model_name in out and "tabled" in out


def test_versions_create_list_show_promote_alias_delete(cli: Cli, model_name: str) -> None:
    cli("models", "create", model_name)
    first = cli.json("versions", "create", model_name, "s3://b/1", "--tag", "metric.accuracy=0.99")
    cli.json("versions", "create", model_name, "s3://b/2", "--tag", "metric.accuracy=0.5")
    assert first["version"] == 1
    assert [v["version"] for v in cli.json("versions", "list", model_name)] == [2, 1]
    promoted = cli.json("versions", "promote", model_name, "1", "--stage", "Production")
    assert promoted["current_stage"] == "Production"
    assert cli.json("versions", "show", model_name, "Production")["version"] == 1
    aliased = cli.json("versions", "alias", model_name, "champion", "1")
    assert aliased["aliases"] == ["champion"]
    assert cli.json("versions", "show", model_name, "@champion")["version"] == 1
    cli.json("versions", "alias", model_name, "champion", "--delete")
    cli.json("versions", "delete", model_name, "1", "--yes")
    code, _, _ = cli("versions", "show", model_name, "1")
    assert code == 2


def test_conditional_promotion_exit_codes(cli: Cli, model_name: str) -> None:
    cli("models", "create", model_name)
    cli("versions", "create", model_name, "s3://b/1", "--tag", "metric.accuracy=0.5")
    code, out, _ = cli(
        "-o",
        "json",
        "versions",
        "promote",
        model_name,
        "1",
        "--stage",
        "Staging",
        "--if-metric",
        "accuracy",
        "--threshold",
        "0.9",
    )
    assert code == 6
    assert json.loads(out)["promoted"] is False
    assert cli.json("versions", "show", model_name, "1")["current_stage"] == "None"
    code, out, _ = cli(
        "-o",
        "json",
        "versions",
        "promote",
        model_name,
        "1",
        "--stage",
        "Staging",
        "--if-metric",
        "accuracy",
        "--threshold",
        "0.4",
    )
    assert code == 0
    assert cli.json("versions", "show", model_name, "1")["current_stage"] == "Staging"


def test_search_models_and_versions(cli: Cli, model_name: str) -> None:
    cli("models", "create", model_name)
    cli("versions", "create", model_name, "s3://b/1", "--tag", "team=growth")
    assert [m["name"] for m in cli.json("search", "--filter", f"name = '{model_name}'")] == [model_name]
    found = cli.json("search", "--versions", "--filter", f"name = '{model_name}' and tags.team = 'growth'")
    assert [(v["name"], v["version"]) for v in found] == [(model_name, 1)]


def test_a_conflict_exits_3(cli: Cli, model_name: str) -> None:
    cli("models", "create", model_name)
    code, _, err = cli("models", "create", model_name)
    assert code == 3
    assert "RESOURCE_ALREADY_EXISTS" in err


def test_a_usage_error_exits_1(cli: Cli) -> None:
    code, _, err = cli("models", "create")
    assert code == 1
    assert "Missing argument" in err
    assert cli("versions", "promote", "m", "1")[0] == 1  # neither --stage nor --alias


def test_a_forged_signature_exits_4(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong")
    code, _, err = cli("models", "list")
    assert code == 4
    assert "PERMISSION_DENIED" in err and "signature" in err


def test_other_errors_exit_5(cli: Cli) -> None:
    code, _, err = cli("--endpoint", "http://127.0.0.1:9", "models", "list")
    assert code == 5
    assert "CONNECTION_ERROR" in err


def test_help_shows_examples_and_exit_codes(cli: Cli) -> None:
    code, out, _ = cli("--help")
    assert code == 0
    assert "Examples:" in out and "Exit codes" in out
    code, out, _ = cli("versions", "upload", "--help")
    assert code == 0 and "smr versions upload churn" in out


def test_upload_and_download_from_the_cli(
    cli: Cli, stub: ArtifactsStub, monkeypatch: pytest.MonkeyPatch, model_name: str, tmp_path: Path
) -> None:
    monkeypatch.setenv("SMR_ENDPOINT", stub.url)
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "MLmodel").write_text("x")
    uploaded = cli.json("versions", "upload", model_name, str(tmp_path / "model"), "--metric", "accuracy=0.9")
    assert uploaded["status"] == "READY"
    downloaded = cli.json("versions", "download", model_name, str(uploaded["version"]), str(tmp_path / "out"))
    assert (Path(downloaded["path"]) / "MLmodel").read_text() == "x"
    assert uploaded["model_metrics"] == {"accuracy": 0.9}
    code, out, _ = cli("versions", "download", model_name, "1", str(tmp_path / "again"))
    assert code == 0 and "path" in out and "{" not in out  # a table, not JSON


def test_global_options_work_anywhere_on_the_line(cli: Cli, model_name: str) -> None:
    cli("models", "create", model_name)
    code, out, err = cli("search", "--filter", f"name = '{model_name}'", "-o", "json")
    assert code == 0, err
    assert [m["name"] for m in json.loads(out)] == [model_name]
    code, out, err = cli("models", "show", model_name, "--output=json")
    assert code == 0 and json.loads(out)["name"] == model_name


def test_models_show_lists_versions_stages_and_aliases_with_local_times(cli: Cli, model_name: str) -> None:
    cli("models", "create", model_name)
    cli("versions", "create", model_name, "s3://b/1")
    cli("versions", "promote", model_name, "1", "--stage", "Staging", "--alias", "candidate")
    code, out, _ = cli("models", "show", model_name)
    assert code == 0
    assert "versions" in out and "Staging" in out and "candidate" in out
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", out)  # not epoch milliseconds
    shown = cli.json("models", "show", model_name)
    assert [(v["version"], v["current_stage"], v["aliases"]) for v in shown["versions"]] == [
        (1, "Staging", ["candidate"])
    ]


def test_a_refused_promotion_changes_nothing(cli: Cli, model_name: str, tmp_path: Path) -> None:
    cli("models", "create", model_name)
    cli("versions", "create", model_name, "s3://b/1")
    cli("metrics", model_name, "1", "accuracy=0.95", "auc=0.5")
    policy = tmp_path / "policy.json"
    rule = {"type": "metric", "key": "auc", "op": ">", "value": 0.9}
    policy.write_text(json.dumps({"rules": {"alias:champion": [rule]}}))
    assert cli("policy", "set", model_name, str(policy))[0] == 0
    code, _, err = cli(
        "versions", "promote", model_name, "1", "--stage", "Production", "--alias", "champion",
        "--if-metric", "accuracy", "--threshold", "0.9",
    )  # fmt: skip
    assert code == 5 and "alias:champion" in err
    assert cli.json("versions", "show", model_name, "1")["current_stage"] == "None"
    history = cli.json("history", model_name)
    assert [r["to_stage"] for r in history if r["subject"] == "stage"] == ["None"]


def test_history_is_a_table_in_table_mode(cli: Cli, model_name: str) -> None:
    cli("models", "create", model_name)
    cli("versions", "create", model_name, "s3://b/1")
    cli("versions", "promote", model_name, "1", "--stage", "Staging", "--comment", "looks good")
    code, out, _ = cli("history", model_name, "--version", "1")
    assert code == 0 and "looks good" in out and "{" not in out


def test_a_mistyped_stage_and_a_missing_endpoint_say_what_to_do(
    cli: Cli, model_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli("models", "create", model_name)
    code, _, err = cli("versions", "promote", model_name, "1", "--stage", "Prodution")
    assert code != 0 and "Production" in err
    monkeypatch.delenv("SMR_ENDPOINT")
    code, _, err = cli("models", "list")
    assert code == 5 and "--endpoint" in err and "SMR_ENDPOINT" in err
