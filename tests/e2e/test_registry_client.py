"""Every MlflowClient registry method, against a real `mlflow server` and against smr.

Each test runs one scenario through `same_as_oracle`: against the oracle alone, or against smr and the oracle, where
the two must show the user the same thing. The explicit expectations after it hold for both (the oracle run proves
they are MLflow's behaviour); the documented differences come from tests.e2e.differences.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e import differences
from tests.e2e.conftest import Observe
from tests.e2e.differences import Transition
from tests.e2e.scenarios import Backend, Scope, clock_passes, error_of, later
from tests.e2e.views import model_view, stages_of, version_view, versions_view

pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore::FutureWarning")]

MISSING = {"type": "RestException", "error_code": "RESOURCE_DOES_NOT_EXIST"}
EXISTS = {"type": "RestException", "error_code": "RESOURCE_ALREADY_EXISTS"}
INVALID = {"type": "RestException", "error_code": "INVALID_PARAMETER_VALUE"}
NO_ERROR = {"type": "no error"}


def model_with_versions(s: Scope, count: int, label: str = "model") -> str:
    name = s.name(label)
    s.client.create_registered_model(name)
    for index in range(1, count + 1):
        s.client.create_model_version(name, s.source(f"{label}-{index}"))
    return name


# --- registered models ------------------------------------------------------------------------------------------


def test_create_registered_model_with_tags_and_description(same_as_oracle: Observe) -> None:
    def scenario(s: Scope) -> dict[str, Any]:
        created = s.client.create_registered_model(
            s.name("full"), tags={"team": "fraud", "tier": "1"}, description="detects fraud"
        )
        bare = s.client.create_registered_model(s.name("bare"))
        return {
            "created": model_view(created),
            "fetched": model_view(s.client.get_registered_model(s.name("full"))),
            "bare": model_view(bare),
            "bare fetched": model_view(s.client.get_registered_model(s.name("bare"))),
        }

    seen = same_as_oracle(scenario)
    assert seen["fetched"] == seen["created"]
    assert seen["fetched"]["name"] == "<p>-full"
    assert seen["fetched"]["tags"] == {"team": "fraud", "tier": "1"}
    assert seen["fetched"]["description"] == "detects fraud"
    assert seen["fetched"]["aliases"] == {}
    assert seen["fetched"]["latest_versions"] == []
    assert seen["bare fetched"]["tags"] == {}


def test_a_name_is_registered_once(same_as_oracle: Observe) -> None:
    def scenario(s: Scope) -> dict[str, Any]:
        s.client.create_registered_model(s.name(), description="first")
        return {
            "again": error_of(lambda: s.client.create_registered_model(s.name(), description="second")),
            "kept": s.client.get_registered_model(s.name()).description,
        }

    assert same_as_oracle(scenario) == {"again": EXISTS, "kept": "first"}


def test_operations_on_a_missing_model_say_it_does_not_exist(same_as_oracle: Observe) -> None:
    def scenario(s: Scope) -> dict[str, Any]:
        missing = s.name("missing")
        client = s.client
        return {
            "get": error_of(lambda: client.get_registered_model(missing)),
            "update": error_of(lambda: client.update_registered_model(missing, description="x")),
            "rename": error_of(lambda: client.rename_registered_model(missing, s.name("other"))),
            "delete": error_of(lambda: client.delete_registered_model(missing)),
            "set tag": error_of(lambda: client.set_registered_model_tag(missing, "k", "v")),
            "delete tag": error_of(lambda: client.delete_registered_model_tag(missing, "k")),
            "latest": error_of(lambda: client.get_latest_versions(missing)),
            "create version": error_of(lambda: client.create_model_version(missing, s.source("x"))),
            "get version": error_of(lambda: client.get_model_version(missing, "1")),
        }

    seen = same_as_oracle(scenario)
    assert seen == dict.fromkeys(seen, MISSING)


def test_update_registered_model_changes_the_description(same_as_oracle: Observe) -> None:
    def scenario(s: Scope) -> dict[str, Any]:
        before = s.client.create_registered_model(s.name(), description="old")
        clock_passes(before.last_updated_timestamp)
        updated = s.client.update_registered_model(s.name(), description="new")
        fetched = s.client.get_registered_model(s.name())
        return {
            "updated": model_view(updated),
            "fetched": model_view(fetched),
            "timestamp moved": later(fetched.last_updated_timestamp, before.last_updated_timestamp),
            "creation kept": fetched.creation_timestamp == before.creation_timestamp,
        }

    seen = same_as_oracle(scenario)
    assert seen["updated"] == seen["fetched"]
    assert seen["fetched"]["description"] == "new"
    assert seen["timestamp moved"] and seen["creation kept"]


def test_rename_moves_versions_tags_and_aliases(same_as_oracle: Observe) -> None:
    def scenario(s: Scope) -> dict[str, Any]:
        old, new = s.name("old"), s.name("new")
        s.client.create_registered_model(old, tags={"k": "v"}, description="d")
        s.client.create_model_version(old, s.source("1"), tags={"vk": "vv"})
        s.client.create_model_version(old, s.source("2"))
        s.client.transition_model_version_stage(old, "1", "Production")
        s.client.set_registered_model_alias(old, "champion", "2")
        returned = s.client.rename_registered_model(old, new)
        return {
            "returned": None if returned is None else model_view(returned),
            "new": model_view(s.client.get_registered_model(new)),
            "old": error_of(lambda: s.client.get_registered_model(old)),
            "old version": error_of(lambda: s.client.get_model_version(old, "1")),
            "version 1": version_view(s.client.get_model_version(new, "1")),
            "by alias": version_view(s.client.get_model_version_by_alias(new, "champion")),
            "searched": versions_view(
                s.client.search_model_versions(f"name = '{new}'", order_by=["version_number ASC"]), listed=True
            ),
            "old searched": versions_view(s.client.search_model_versions(f"name = '{old}'"), listed=True),
        }

    seen = same_as_oracle(scenario)
    assert seen["new"]["name"] == "<p>-new"
    assert seen["new"]["tags"] == {"k": "v"}
    assert seen["new"]["aliases"] == {"champion": "2"}
    assert seen["old"] == MISSING
    assert seen["old version"] == MISSING
    assert seen["version 1"]["name"] == "<p>-new"
    assert seen["version 1"]["current_stage"] == "Production"
    assert seen["version 1"]["tags"] == {"vk": "vv"}
    assert seen["by alias"]["version"] == "2"
    assert [version["version"] for version in seen["searched"]] == ["1", "2"]
    assert seen["old searched"] == []


def test_rename_onto_an_existing_name_is_rejected(same_as_oracle: Observe) -> None:
    def scenario(s: Scope) -> dict[str, Any]:
        first, second = model_with_versions(s, 1, "first"), model_with_versions(s, 2, "second")
        return {
            "rename": error_of(lambda: s.client.rename_registered_model(first, second)),
            "first": model_view(s.client.get_registered_model(first)),
            "second": model_view(s.client.get_registered_model(second)),
        }

    seen = same_as_oracle(scenario)
    assert seen["rename"] == EXISTS
    assert [version["version"] for version in seen["first"]["latest_versions"]] == ["1"]
    assert [version["version"] for version in seen["second"]["latest_versions"]] == ["2"]


def test_delete_registered_model_deletes_its_versions_and_frees_the_name(same_as_oracle: Observe) -> None:
    def scenario(s: Scope) -> dict[str, Any]:
        name = model_with_versions(s, 2)
        s.client.set_registered_model_alias(name, "champion", "1")
        s.client.delete_registered_model(name)
        gone = {
            "model": error_of(lambda: s.client.get_registered_model(name)),
            "version": error_of(lambda: s.client.get_model_version(name, "1")),
            "alias": error_of(lambda: s.client.get_model_version_by_alias(name, "champion")),
            "searched": versions_view(s.client.search_model_versions(f"name = '{name}'"), listed=True),
            "delete again": error_of(lambda: s.client.delete_registered_model(name)),
        }
        s.client.create_registered_model(name)
        recreated = s.client.create_model_version(name, s.source("again"))
        return {**gone, "recreated": model_view(s.client.get_registered_model(name)), "first": recreated.version}

    seen = same_as_oracle(scenario)
    assert seen["model"] == seen["version"] == seen["delete again"] == MISSING
    assert seen["searched"] == []
    assert seen["recreated"]["aliases"] == {}
    assert seen["first"] == "1"


def test_registered_model_tags_can_be_set_overwritten_and_deleted(same_as_oracle: Observe) -> None:
    def scenario(s: Scope) -> dict[str, Any]:
        name = s.name()
        s.client.create_registered_model(name, tags={"keep": "1"})
        s.client.set_registered_model_tag(name, "stage", "dev")
        after_set = dict(s.client.get_registered_model(name).tags)
        s.client.set_registered_model_tag(name, "stage", "prod")
        after_overwrite = dict(s.client.get_registered_model(name).tags)
        s.client.delete_registered_model_tag(name, "stage")
        return {
            "set": after_set,
            "overwritten": after_overwrite,
            "deleted": dict(s.client.get_registered_model(name).tags),
            "delete absent key": error_of(lambda: s.client.delete_registered_model_tag(name, "absent")),
        }

    assert same_as_oracle(scenario) == {
        "set": {"keep": "1", "stage": "dev"},
        "overwritten": {"keep": "1", "stage": "prod"},
        "deleted": {"keep": "1"},
        "delete absent key": NO_ERROR,
    }


# --- search_registered_models -----------------------------------------------------------------------------------


def names(models: Any) -> list[str]:
    return [model.name for model in models]


def test_search_registered_models_by_name(same_as_oracle: Observe) -> None:
    def scenario(s: Scope) -> dict[str, Any]:
        for label in ("alpha", "Alpha", "alpha-2", "beta", "alphabet"):
            s.client.create_registered_model(s.name(label))
        search = s.client.search_registered_models
        return {
            "equals": names(search(f"name = '{s.name('alpha')}'")),
            "equals, other case": names(search(f"name = '{s.name('ALPHA')}'")),
            "like prefix": names(search(f"name LIKE '{s.name('alpha')}%'")),
            "like one char": names(search(f"name LIKE '{s.prefix}-_lpha'")),
            "like is case sensitive": names(search(f"name LIKE '{s.name('ALPHA')}%'")),
            "ilike": names(search(f"name ILIKE '{s.name('ALPHA')}'")),
            "ilike prefix": names(search(f"name ILIKE '{s.prefix}-a%'")),
            "whole run, default order": names(search(f"name LIKE '{s.prefix}-%'")),
        }

    assert same_as_oracle(scenario) == {
        "equals": ["<p>-alpha"],
        "equals, other case": [],
        "like prefix": ["<p>-alpha", "<p>-alpha-2", "<p>-alphabet"],
        "like one char": ["<p>-Alpha", "<p>-alpha"],
        "like is case sensitive": [],
        "ilike": ["<p>-Alpha", "<p>-alpha"],
        "ilike prefix": ["<p>-Alpha", "<p>-alpha", "<p>-alpha-2", "<p>-alphabet"],
        "whole run, default order": ["<p>-Alpha", "<p>-alpha", "<p>-alpha-2", "<p>-alphabet", "<p>-beta"],
    }


def test_search_registered_models_by_tag(same_as_oracle: Observe) -> None:
    def scenario(s: Scope) -> dict[str, Any]:
        s.client.create_registered_model(s.name("a"), tags={"team": s.prefix, "tier": "1"})
        s.client.create_registered_model(s.name("b"), tags={"team": s.prefix, "tier": "2"})
        s.client.create_registered_model(s.name("c"), tags={"team": "other"})
        s.client.create_registered_model(s.name("d"))
        search = s.client.search_registered_models
        return {
            "tag": names(search(f"tags.team = '{s.prefix}'")),
            "backquoted tag": names(search(f"tags.`team` = '{s.prefix}'")),
            "tag and name": names(search(f"name LIKE '{s.prefix}-%' AND tags.tier = '2'")),
            "two tags": names(search(f"tags.team = '{s.prefix}' AND tags.tier = '1'")),
            "tag differs": names(search(f"name LIKE '{s.prefix}-%' AND tags.team != 'other'")),
            "with full entities": [model_view(m) for m in search(f"tags.team = '{s.prefix}'")],
        }

    seen = same_as_oracle(scenario)
    assert seen["tag"] == seen["backquoted tag"] == ["<p>-a", "<p>-b"]
    assert seen["tag and name"] == ["<p>-b"]
    assert seen["two tags"] == ["<p>-a"]
    assert seen["tag differs"] == ["<p>-a", "<p>-b"]


def test_search_registered_models_order_by(same_as_oracle: Observe) -> None:
    def scenario(s: Scope) -> dict[str, Any]:
        for label in ("a", "b", "c", "d"):
            s.client.create_registered_model(s.name(label))
        # Touch them in another order, each on a later millisecond, so last_updated_timestamp orders them.
        for label in ("c", "a", "d", "b"):
            updated = s.client.update_registered_model(s.name(label), description=f"touched {label}")
            clock_passes(updated.last_updated_timestamp)
        run = f"name LIKE '{s.prefix}-%'"
        search = s.client.search_registered_models
        return {
            "name ASC": names(search(run, order_by=["name ASC"])),
            "name DESC": names(search(run, order_by=["name DESC"])),
            "name": names(search(run, order_by=["name"])),
            "updated ASC": names(search(run, order_by=["last_updated_timestamp ASC"])),
            "updated DESC": names(search(run, order_by=["last_updated_timestamp DESC"])),
            "updated": names(search(run, order_by=["last_updated_timestamp"])),
        }

    assert same_as_oracle(scenario) == {
        "name ASC": ["<p>-a", "<p>-b", "<p>-c", "<p>-d"],
        "name DESC": ["<p>-d", "<p>-c", "<p>-b", "<p>-a"],
        "name": ["<p>-a", "<p>-b", "<p>-c", "<p>-d"],
        "updated ASC": ["<p>-c", "<p>-a", "<p>-d", "<p>-b"],
        "updated DESC": ["<p>-b", "<p>-d", "<p>-a", "<p>-c"],
        "updated": ["<p>-c", "<p>-a", "<p>-d", "<p>-b"],
    }


def test_search_registered_models_pages_through_every_model_once(same_as_oracle: Observe) -> None:
    def scenario(s: Scope) -> dict[str, Any]:
        for index in range(7):
            s.client.create_registered_model(s.name(f"m{index}"))
        run = f"name LIKE '{s.prefix}-%'"
        pages: list[list[str]] = []
        tokens: list[bool] = []
        token = None
        while len(pages) < 5:  # a guard: 7 models in pages of 3 take three pages
            page = s.client.search_registered_models(run, max_results=3, page_token=token)
            pages.append(names(page))
            token = page.token
            tokens.append(bool(token))
            if not token:
                break
        descending: list[str] = []
        token = None
        for _ in range(5):
            page = s.client.search_registered_models(run, max_results=4, order_by=["name DESC"], page_token=token)
            descending.extend(names(page))
            token = page.token
            if not token:
                break
        return {"pages": pages, "more after page": tokens, "descending in pages of 4": descending}

    assert same_as_oracle(scenario) == {
        "pages": [["<p>-m0", "<p>-m1", "<p>-m2"], ["<p>-m3", "<p>-m4", "<p>-m5"], ["<p>-m6"]],
        "more after page": [True, True, False],
        "descending in pages of 4": [f"<p>-m{index}" for index in reversed(range(7))],
    }


def test_search_registered_models_rejects_what_it_cannot_answer(same_as_oracle: Observe) -> None:
    def scenario(s: Scope) -> dict[str, Any]:
        search = s.client.search_registered_models
        return {
            "unknown comparator": error_of(lambda: search("name ~ 'x'")),
            "unknown attribute": error_of(lambda: search("version_number = 1")),
            "OR": error_of(lambda: search(f"name = '{s.name('a')}' OR name = '{s.name('b')}'")),
            "unquoted value": error_of(lambda: search("name = x")),
            "unknown order key": error_of(lambda: search(order_by=["owner ASC"])),
            "max_results too large": error_of(lambda: search(max_results=1001)),
            "max_results at the limit": error_of(lambda: search(f"name = '{s.name()}'", max_results=1000)),
            "garbage page token": error_of(lambda: search(f"name = '{s.name()}'", page_token="not a token")),
        }

    assert same_as_oracle(scenario) == {
        "unknown comparator": INVALID,
        "unknown attribute": INVALID,
        "OR": INVALID,
        "unquoted value": INVALID,
        "unknown order key": INVALID,
        "max_results too large": INVALID,
        "max_results at the limit": NO_ERROR,
        "garbage page token": INVALID,
    }


# --- aliases ----------------------------------------------------------------------------------------------------


def test_aliases_point_at_one_version_and_follow_moves_and_deletes(same_as_oracle: Observe) -> None:
    def scenario(s: Scope) -> dict[str, Any]:
        name = model_with_versions(s, 3)
        client = s.client
        client.set_registered_model_alias(name, "champion", "1")
        client.set_registered_model_alias(name, "challenger", "2")
        client.set_registered_model_alias(name, "shadow", "2")
        first = {
            "model": model_view(client.get_registered_model(name)),
            "champion": version_view(client.get_model_version_by_alias(name, "champion")),
            "version 2": version_view(client.get_model_version(name, "2")),
        }
        client.set_registered_model_alias(name, "champion", "3")  # moves: one version per alias
        client.delete_registered_model_alias(name, "challenger")
        return {
            **first,
            "moved": client.get_model_version_by_alias(name, "champion").version,
            "old holder": sorted(client.get_model_version(name, "1").aliases),
            "new holder": sorted(client.get_model_version(name, "3").aliases),
            "after delete": dict(client.get_registered_model(name).aliases),
            "deleted alias": error_of(lambda: client.get_model_version_by_alias(name, "challenger")),
            "never set": error_of(lambda: client.get_model_version_by_alias(name, "nobody")),
            "delete absent alias": error_of(lambda: client.delete_registered_model_alias(name, "nobody")),
        }

    seen = same_as_oracle(scenario)
    assert seen["model"]["aliases"] == {"champion": "1", "challenger": "2", "shadow": "2"}
    assert seen["champion"]["version"] == "1"
    assert seen["champion"]["aliases"] == ["champion"]
    assert seen["version 2"]["aliases"] == ["challenger", "shadow"]
    assert seen["moved"] == "3"
    assert seen["old holder"] == []
    assert seen["new holder"] == ["champion"]
    assert seen["after delete"] == {"champion": "3", "shadow": "2"}
    # MLflow answers an unknown alias with INVALID_PARAMETER_VALUE, not RESOURCE_DOES_NOT_EXIST.
    assert seen["deleted alias"] == seen["never set"] == INVALID
    assert seen["delete absent alias"] == NO_ERROR


def test_deleting_a_version_removes_the_aliases_that_point_at_it(same_as_oracle: Observe) -> None:
    def scenario(s: Scope) -> dict[str, Any]:
        name = model_with_versions(s, 2)
        s.client.set_registered_model_alias(name, "champion", "2")
        s.client.set_registered_model_alias(name, "fallback", "1")
        s.client.delete_model_version(name, "2")
        return {
            "aliases": dict(s.client.get_registered_model(name).aliases),
            "champion": error_of(lambda: s.client.get_model_version_by_alias(name, "champion")),
        }

    assert same_as_oracle(scenario) == {"aliases": {"fallback": "1"}, "champion": INVALID}


def test_alias_names_that_mean_something_else_are_rejected(same_as_oracle: Observe) -> None:
    def scenario(s: Scope) -> dict[str, Any]:
        name = model_with_versions(s, 1)
        alias = s.client.set_registered_model_alias
        return {
            "latest": error_of(lambda: alias(name, "latest", "1")),
            "LATEST": error_of(lambda: alias(name, "LATEST", "1")),
            "v1": error_of(lambda: alias(name, "v1", "1")),
            "V12": error_of(lambda: alias(name, "V12", "1")),
            "missing version": error_of(lambda: alias(name, "champion", "7")),
            "missing model": error_of(lambda: alias(s.name("missing"), "champion", "1")),
            "left untouched": dict(s.client.get_registered_model(name).aliases),
            "v1a is an ordinary name": error_of(lambda: alias(name, "v1a", "1")),
        }

    assert same_as_oracle(scenario) == {
        "latest": INVALID,
        "LATEST": INVALID,
        "v1": INVALID,
        "V12": INVALID,
        "missing version": MISSING,
        "missing model": MISSING,
        "left untouched": {},
        "v1a is an ordinary name": NO_ERROR,
    }


def test_listings_show_aliases_as_documented(backend: Backend, same_as_oracle: Observe) -> None:
    """(b): MLflow leaves aliases empty in listings; smr fills them. A single version shows them on both."""

    def scenario(s: Scope) -> dict[str, Any]:
        name = model_with_versions(s, 2)
        s.client.set_registered_model_alias(name, "champion", "1")
        s.client.set_registered_model_alias(name, "shadow", "1")
        s.client.transition_model_version_stage(name, "1", "Production")
        s.client.transition_model_version_stage(name, "2", "Staging")

        def aliases_of(versions: Any) -> dict[str, list[str]]:
            return {version.version: sorted(version.aliases) for version in versions}

        return {
            # Not compared with the oracle: it is where the two differ.
            "listed": {
                "search_model_versions": aliases_of(s.client.search_model_versions(f"name = '{name}'")),
                "get_registered_model": aliases_of(s.client.get_registered_model(name).latest_versions),
                "search_registered_models": aliases_of(
                    s.client.search_registered_models(f"name = '{name}'")[0].latest_versions
                ),
            },
            "single": {
                "get_model_version": aliases_of([s.client.get_model_version(name, "1")]),
                "get_latest_versions": aliases_of(s.client.get_latest_versions(name, ["Production"])),
            },
        }

    # Compare only what both must agree on, then check the listings against the documented difference.
    seen = Scope(backend).observe(scenario)
    assert seen["single"] == {
        "get_model_version": {"1": ["champion", "shadow"]},
        "get_latest_versions": {"1": ["champion", "shadow"]},
    }
    expected_listing = {
        "1": differences.listed_aliases(backend.name, ["champion", "shadow"]),
        "2": differences.listed_aliases(backend.name, []),
    }
    assert seen["listed"] == dict.fromkeys(seen["listed"], expected_listing)


# --- model versions ---------------------------------------------------------------------------------------------


def test_create_model_version_keeps_what_it_was_given(same_as_oracle: Observe) -> None:
    def scenario(s: Scope) -> dict[str, Any]:
        name = s.name()
        s.client.create_registered_model(name)
        full = s.client.create_model_version(
            name,
            s.source("full"),
            run_id=s.run_id("train"),
            tags={"framework": "sklearn", "data": "v3"},
            run_link="http://tracking.example/#/runs/1",
            description="first cut",
        )
        bare = s.client.create_model_version(name, s.source("bare"))
        third = s.client.create_model_version(name, s.source("third"))
        return {
            "full": version_view(full),
            "full fetched": version_view(s.client.get_model_version(name, "1")),
            "bare": version_view(bare),
            "bare fetched": version_view(s.client.get_model_version(name, "2")),
            "numbers": [full.version, bare.version, third.version],
            "model": model_view(s.client.get_registered_model(name)),
        }

    seen = same_as_oracle(scenario)
    assert seen["full"] == seen["full fetched"]
    assert seen["full fetched"]["source"] == "s3://e2e-artifacts/<p>/full"
    assert seen["full fetched"]["run_id"] == "<run:train>"
    assert seen["full fetched"]["run_link"] == "http://tracking.example/#/runs/1"
    assert seen["full fetched"]["tags"] == {"framework": "sklearn", "data": "v3"}
    assert seen["full fetched"]["description"] == "first cut"
    assert seen["full fetched"]["current_stage"] == "None"
    assert seen["full fetched"]["status"] == "READY"
    assert seen["bare"] == seen["bare fetched"]
    assert seen["numbers"] == ["1", "2", "3"]
    assert [version["version"] for version in seen["model"]["latest_versions"]] == ["3"]


def test_unset_text_fields_read_back_as_empty_strings(same_as_oracle: Observe) -> None:
    def scenario(s: Scope) -> dict[str, Any]:
        name = s.name()
        s.client.create_registered_model(name)
        created = s.client.create_model_version(name, s.source("bare"))

        # repr(), so that the comparison tells None from "".
        def unset_fields(version: Any) -> dict[str, str]:
            return {field: repr(getattr(version, field)) for field in ("description", "run_id", "run_link")}

        return {
            "create_model_version": unset_fields(created),
            "get_model_version": unset_fields(s.client.get_model_version(name, "1")),
            "search_model_versions": unset_fields(s.client.search_model_versions(f"name = '{name}'")[0]),
            "get_latest_versions": unset_fields(s.client.get_latest_versions(name)[0]),
            "latest_versions": unset_fields(s.client.get_registered_model(name).latest_versions[0]),
            "model description": repr(s.client.get_registered_model(name).description),
        }

    seen = same_as_oracle(scenario)
    assert seen["get_model_version"] == {"description": "''", "run_id": "''", "run_link": "''"}


def test_operations_on_a_missing_version_say_it_does_not_exist(same_as_oracle: Observe) -> None:
    def scenario(s: Scope) -> dict[str, Any]:
        name = model_with_versions(s, 1)
        client = s.client
        return {
            "get": error_of(lambda: client.get_model_version(name, "2")),
            "update": error_of(lambda: client.update_model_version(name, "2", description="x")),
            "delete": error_of(lambda: client.delete_model_version(name, "2")),
            "download uri": error_of(lambda: client.get_model_version_download_uri(name, "2")),
            "transition": error_of(lambda: client.transition_model_version_stage(name, "2", "Staging")),
            "set tag": error_of(lambda: client.set_model_version_tag(name, "2", "k", "v")),
            "delete tag": error_of(lambda: client.delete_model_version_tag(name, "2", "k")),
        }

    seen = same_as_oracle(scenario)
    assert seen == dict.fromkeys(seen, MISSING)


def test_a_version_number_must_be_a_number(same_as_oracle: Observe) -> None:
    def scenario(s: Scope) -> dict[str, Any]:
        name = model_with_versions(s, 1)
        return {"get": error_of(lambda: s.client.get_model_version(name, "one"))}

    assert same_as_oracle(scenario) == {"get": INVALID}


def test_update_model_version_changes_the_description(same_as_oracle: Observe) -> None:
    def scenario(s: Scope) -> dict[str, Any]:
        name = s.name()
        s.client.create_registered_model(name)
        before = s.client.create_model_version(name, s.source("1"), description="old")
        clock_passes(before.last_updated_timestamp)
        updated = s.client.update_model_version(name, "1", description="new")
        fetched = s.client.get_model_version(name, "1")
        return {
            "updated": version_view(updated),
            "fetched": version_view(fetched),
            "timestamp moved": later(fetched.last_updated_timestamp, before.last_updated_timestamp),
        }

    seen = same_as_oracle(scenario)
    assert seen["updated"] == seen["fetched"]
    assert seen["fetched"]["description"] == "new"
    assert seen["timestamp moved"]


def test_delete_model_version_removes_only_that_version(same_as_oracle: Observe) -> None:
    def scenario(s: Scope) -> dict[str, Any]:
        name = model_with_versions(s, 3)
        s.client.transition_model_version_stage(name, "2", "Staging")
        s.client.delete_model_version(name, "2")
        s.client.delete_model_version(name, "3")
        after = s.client.create_model_version(name, s.source("after"))
        return {
            "deleted": error_of(lambda: s.client.get_model_version(name, "2")),
            "delete again": error_of(lambda: s.client.delete_model_version(name, "2")),
            "left": [
                v.version for v in s.client.search_model_versions(f"name = '{name}'", order_by=["version_number"])
            ],
            "latest": stages_of(s.client.get_latest_versions(name)),
            "next number": after.version,
        }

    seen = same_as_oracle(scenario)
    assert seen["deleted"] == seen["delete again"] == MISSING
    assert seen["left"] == ["1", seen["next number"]]
    assert "Staging" not in seen["latest"].values()


def test_model_version_tags_can_be_set_overwritten_and_deleted(same_as_oracle: Observe) -> None:
    def scenario(s: Scope) -> dict[str, Any]:
        name = model_with_versions(s, 2)
        client = s.client
        client.set_model_version_tag(name, "1", "validated", "no")
        client.set_model_version_tag(name, "1", "validated", "yes")
        client.set_model_version_tag(name, "1", "owner", "ana")
        after_set = dict(client.get_model_version(name, "1").tags)
        client.delete_model_version_tag(name, "1", "owner")
        client.transition_model_version_stage(name, "2", "Staging")
        # With stage=, the client resolves the latest version in that stage (through get_latest_versions).
        client.set_model_version_tag(name, key="by_stage", value="x", stage="Staging")
        return {
            "set": after_set,
            "deleted": dict(client.get_model_version(name, "1").tags),
            "by stage": dict(client.get_model_version(name, "2").tags),
            "delete absent key": error_of(lambda: client.delete_model_version_tag(name, "1", "absent")),
        }

    assert same_as_oracle(scenario) == {
        "set": {"validated": "yes", "owner": "ana"},
        "deleted": {"validated": "yes"},
        "by stage": {"by_stage": "x"},
        "delete absent key": NO_ERROR,
    }


def test_download_uri_is_the_source(same_as_oracle: Observe) -> None:
    def scenario(s: Scope) -> dict[str, Any]:
        name = model_with_versions(s, 2)
        return {version: s.client.get_model_version_download_uri(name, version) for version in ("1", "2")}

    assert same_as_oracle(scenario) == {"1": "s3://e2e-artifacts/<p>/model-1", "2": "s3://e2e-artifacts/<p>/model-2"}


# --- search_model_versions --------------------------------------------------------------------------------------


def test_search_model_versions_filters(same_as_oracle: Observe) -> None:
    def scenario(s: Scope) -> dict[str, Any]:
        name, other = s.name("main"), s.name("other")
        run_a, run_b, run_c = s.run_id("a"), s.run_id("b"), s.run_id("c")
        s.client.create_registered_model(name)
        s.client.create_registered_model(other)
        for index, run_id in enumerate([run_a, run_b, run_a, run_c, run_b], start=1):
            s.client.create_model_version(name, s.source(f"main/{index}"), run_id=run_id, tags={"i": str(index)})
        s.client.create_model_version(other, s.source("other/1"), run_id=run_a, tags={"i": "1"})

        def found(filter_string: str) -> list[tuple[str, str]]:
            return sorted((v.name, v.version) for v in s.client.search_model_versions(filter_string))

        return {
            "name": found(f"name = '{name}'"),
            "name like": found(f"name LIKE '{s.prefix}-%'"),
            "name ilike": found(f"name ILIKE '{s.name('MAIN')}'"),
            "run_id": found(f"run_id = '{run_a}'"),
            "run_id IN": found(f"run_id IN ('{run_b}', '{run_c}')"),
            "run_id differs": found(f"name = '{name}' AND run_id != '{run_a}'"),
            "version =": found(f"name = '{name}' AND version_number = 2"),
            "version >": found(f"name = '{name}' AND version_number > 3"),
            "version >=": found(f"name = '{name}' AND version_number >= 3"),
            "version <": found(f"name = '{name}' AND version_number < 2"),
            "version <=": found(f"name = '{name}' AND version_number <= 2"),
            "version !=": found(f"name = '{name}' AND version_number != 3"),
            "version range": found(f"name = '{name}' AND version_number > 1 AND version_number < 4"),
            "tag": found(f"name LIKE '{s.prefix}-%' AND tags.i = '1'"),
            "backquoted tag": found(f"name = '{name}' AND tags.`i` = '4'"),
            "tag differs": found(f"name = '{name}' AND tags.i != '4'"),
            "source_path": found(f"source_path = '{s.source('main/3')}'"),
            "full entity": versions_view(s.client.search_model_versions(f"run_id = '{run_c}'"), listed=True),
        }

    seen = same_as_oracle(scenario)
    main = [("<p>-main", str(index)) for index in range(1, 6)]
    assert seen["name"] == main
    assert seen["name like"] == [*main, ("<p>-other", "1")]
    assert seen["name ilike"] == main
    assert seen["run_id"] == [main[0], main[2], ("<p>-other", "1")]
    assert seen["run_id IN"] == [main[1], main[3], main[4]]
    assert seen["run_id differs"] == [main[1], main[3], main[4]]
    assert seen["version ="] == [main[1]]
    assert seen["version >"] == main[3:]
    assert seen["version >="] == main[2:]
    assert seen["version <"] == main[:1]
    assert seen["version <="] == main[:2]
    assert seen["version !="] == [*main[:2], *main[3:]]
    assert seen["version range"] == main[1:3]
    assert seen["tag"] == [main[0], ("<p>-other", "1")]
    assert seen["backquoted tag"] == [main[3]]
    assert seen["tag differs"] == [*main[:3], main[4]]
    assert seen["source_path"] == [main[2]]
    assert [version["run_id"] for version in seen["full entity"]] == ["<run:c>"]


def test_search_model_versions_order_and_pages(same_as_oracle: Observe) -> None:
    def scenario(s: Scope) -> dict[str, Any]:
        name = s.name()
        s.client.create_registered_model(name)
        for index in range(1, 6):
            created = s.client.create_model_version(name, s.source(str(index)))
            clock_passes(created.last_updated_timestamp)
        # Touch version 2 last: it becomes the most recently updated.
        s.client.update_model_version(name, "2", description="touched")
        query = f"name = '{name}'"

        def numbers(order_by: list[str] | None) -> list[str]:
            return [v.version for v in s.client.search_model_versions(query, order_by=order_by)]

        pages: list[list[str]] = []
        token = None
        for _ in range(5):
            page = s.client.search_model_versions(
                query, max_results=2, order_by=["version_number ASC"], page_token=token
            )
            pages.append([v.version for v in page])
            token = page.token
            if not token:
                break
        return {
            "version ASC": numbers(["version_number ASC"]),
            "version DESC": numbers(["version_number DESC"]),
            "created DESC": numbers(["creation_timestamp DESC"]),
            "updated DESC": numbers(["last_updated_timestamp DESC"]),
            "default": numbers(None),
            "pages of 2": pages,
        }

    assert same_as_oracle(scenario) == {
        "version ASC": ["1", "2", "3", "4", "5"],
        "version DESC": ["5", "4", "3", "2", "1"],
        "created DESC": ["5", "4", "3", "2", "1"],
        "updated DESC": ["2", "5", "4", "3", "1"],
        "default": ["2", "5", "4", "3", "1"],
        "pages of 2": [["1", "2"], ["3", "4"], ["5"]],
    }


def test_search_model_versions_rejects_what_it_cannot_answer(same_as_oracle: Observe) -> None:
    def scenario(s: Scope) -> dict[str, Any]:
        search = s.client.search_model_versions
        name = s.name()
        return {
            "unknown attribute": error_of(lambda: search("stage = 'Production'")),
            "OR": error_of(lambda: search(f"name = '{name}' OR name = 'x'")),
            "non-numeric version": error_of(lambda: search("version_number = 'one'")),
            "IN on version": error_of(lambda: search(f"name = '{name}' AND version_number IN (1, 2)")),
            "unknown order key": error_of(lambda: search(f"name = '{name}'", order_by=["stage ASC"])),
            "max_results too large": error_of(lambda: search(f"name = '{name}'", max_results=200_001)),
            "garbage page token": error_of(lambda: search(f"name = '{name}'", page_token="not a token")),
        }

    seen = same_as_oracle(scenario)
    assert seen == dict.fromkeys(seen, INVALID)


# --- stages -----------------------------------------------------------------------------------------------------


def test_stage_names_are_case_insensitive_and_come_back_canonical(same_as_oracle: Observe) -> None:
    def scenario(s: Scope) -> dict[str, Any]:
        name = model_with_versions(s, 4)
        transition = s.client.transition_model_version_stage
        return {
            "returned": [
                transition(name, "1", "staging").current_stage,
                transition(name, "2", "PRODUCTION").current_stage,
                transition(name, "3", "aRcHiVeD").current_stage,
                transition(name, "4", "archived").current_stage,
                transition(name, "4", "none").current_stage,
            ],
            "stored": stages_of(s.client.search_model_versions(f"name = '{name}'")),
            "bad stage": error_of(lambda: transition(name, "1", "Prod")),
            "latest, bad stage": error_of(lambda: s.client.get_latest_versions(name, ["Prod"])),
        }

    assert same_as_oracle(scenario) == {
        "returned": ["Staging", "Production", "Archived", "Archived", "None"],
        "stored": {"1": "Staging", "2": "Production", "3": "Archived", "4": "None"},
        "bad stage": INVALID,
        "latest, bad stage": INVALID,
    }


def test_transition_returns_the_version_in_its_new_stage(same_as_oracle: Observe) -> None:
    def scenario(s: Scope) -> dict[str, Any]:
        name = model_with_versions(s, 1)
        before = s.client.get_model_version(name, "1")
        clock_passes(before.last_updated_timestamp)
        moved = s.client.transition_model_version_stage(name, "1", "Staging")
        return {
            "returned": version_view(moved),
            "fetched": version_view(s.client.get_model_version(name, "1")),
            "timestamp moved": later(moved.last_updated_timestamp, before.last_updated_timestamp),
        }

    seen = same_as_oracle(scenario)
    assert seen["returned"] == seen["fetched"]
    assert seen["fetched"]["current_stage"] == "Staging"
    assert seen["timestamp moved"]


def test_archive_existing_versions_archives_the_other_holders(same_as_oracle: Observe) -> None:
    def scenario(s: Scope) -> dict[str, Any]:
        name = model_with_versions(s, 4)
        transition = s.client.transition_model_version_stage
        transition(name, "1", "Production")
        transition(name, "2", "Staging")
        transition(name, "3", "Production", archive_existing_versions=True)
        transition(name, "4", "Staging", archive_existing_versions=True)
        return {
            "stages": stages_of(s.client.search_model_versions(f"name = '{name}'")),
            "latest": stages_of(s.client.get_latest_versions(name)),
        }

    assert same_as_oracle(scenario) == {
        "stages": {"1": "Archived", "2": "Archived", "3": "Production", "4": "Staging"},
        "latest": {"2": "Archived", "3": "Production", "4": "Staging"},
    }


def test_promoting_into_an_occupied_stage_without_archiving(backend: Backend) -> None:
    """(a) STAGE UNIQUENESS: MLflow keeps both holders; smr archives the previous one."""
    created = ["1", "2", "3", "4", "5"]
    transitions = [
        Transition("1", "Production"),
        Transition("2", "Production"),
        Transition("3", "Staging"),
        Transition("4", "staging"),
        Transition("5", "Production", archive_existing_versions=False),
    ]
    s = Scope(backend)
    name = model_with_versions(s, len(created))
    returned = [
        s.client.transition_model_version_stage(name, t.version, t.stage, t.archive_existing_versions).current_stage
        for t in transitions
    ]

    expected = differences.stages_after(backend.name, created, transitions)
    assert returned == ["Production", "Production", "Staging", "Staging", "Production"]
    assert stages_of(s.client.search_model_versions(f"name = '{name}'")) == expected
    assert {v.version: v.current_stage for v in s.client.get_latest_versions(name)} == {
        version: stage for stage, version in differences.latest_by_stage(expected).items()
    }
    in_production = s.client.get_latest_versions(name, ["Production"])
    assert [v.version for v in in_production] == ["5"]


# --- get_latest_versions ----------------------------------------------------------------------------------------


def test_get_latest_versions_with_and_without_stages(same_as_oracle: Observe) -> None:
    def scenario(s: Scope) -> dict[str, Any]:
        name = model_with_versions(s, 5)
        transition = s.client.transition_model_version_stage
        transition(name, "1", "Archived")
        transition(name, "2", "Production")
        transition(name, "3", "Staging")
        latest = s.client.get_latest_versions

        def shown(versions: Any) -> list[tuple[str, str]]:
            return sorted((v.version, v.current_stage) for v in versions)

        return {
            "all": shown(latest(name)),
            "production": shown(latest(name, ["Production"])),
            "two stages, any case": shown(latest(name, ["staging", "NONE"])),
            "none in stage": shown(latest(model_with_versions(s, 1, "fresh"), ["Production"])),
            "empty model": shown(latest(model_with_versions(s, 0, "empty"))),
            "full entities": versions_view(
                sorted(latest(name), key=lambda version: int(version.version)), listed=False
            ),
        }

    seen = same_as_oracle(scenario)
    assert seen["all"] == [("1", "Archived"), ("2", "Production"), ("3", "Staging"), ("5", "None")]
    assert seen["production"] == [("2", "Production")]
    assert seen["two stages, any case"] == [("3", "Staging"), ("5", "None")]
    assert seen["none in stage"] == []
    assert seen["empty model"] == []
