"""Global options of `smr` anywhere on the line, without a server."""

from __future__ import annotations

from smr.cli import hoist_global_options


def test_global_options_after_the_subcommand_move_to_the_front() -> None:
    assert hoist_global_options(["search", "--versions", "-o", "json"]) == ["-o", "json", "search", "--versions"]
    assert hoist_global_options(["models", "list", "--output=json", "--endpoint", "http://x"]) == [
        "--output=json",
        "--endpoint",
        "http://x",
        "models",
        "list",
    ]
    assert hoist_global_options(["models", "show", "m", "-ojson"]) == ["-ojson", "models", "show", "m"]


def test_nothing_after_a_double_dash_is_touched() -> None:
    assert hoist_global_options(["versions", "create", "--", "-o", "json"]) == [
        "versions",
        "create",
        "--",
        "-o",
        "json",
    ]
