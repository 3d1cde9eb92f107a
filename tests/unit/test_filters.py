"""The MLflow search grammar (registry_core.search) against mlflow itself.

The oracle is mlflow's own SQL store on SQLite (what `mlflow server` runs by default): for every filter and order_by
below, it and our module must agree on accept/reject and on which entities match, in which order. Where mlflow's
in-memory `SearchModelUtils.filter` disagrees with its SQL store, we follow the SQL store (see IN_MEMORY_DIVERGENCES).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from mlflow.entities.model_registry import ModelVersionTag, RegisteredModelTag
from mlflow.store.model_registry.dbmodels.models import SqlModelVersion, SqlRegisteredModel
from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore
from mlflow.utils.search_utils import SearchModelUtils, SearchModelVersionUtils

from registry_core.domain.errors import InvalidParameterValue
from registry_core.search.filters import (
    Comparison,
    matches_model_version,
    matches_registered_model,
    parse_model_version_filter,
    parse_model_version_order_by,
    parse_registered_model_filter,
    parse_registered_model_order_by,
    sort_key_model_version,
    sort_key_registered_model,
)
from registry_core.search.index_plan import exact_name, name_prefix, run_ids
from registry_core.search.like import sql_ilike, sql_like

PROMPT = "mlflow.prompt.is_prompt"
CLIENT_PROMPT_FILTER = f"tags.`{PROMPT}` != 'true'"
"""What MLflow 3's client appends to every search_registered_models filter (as `tag.`, singular)."""

# --- the reference registry -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelSeed:
    name: str
    tags: Mapping[str, str]
    last_updated: int | None
    created: int


@dataclass(frozen=True)
class VersionSeed:
    name: str
    run_id: str | None
    source: str | None
    tags: Mapping[str, str]
    last_updated: int | None
    created: int


MODELS = (
    ModelSeed("alpha", {"team": "vision", "stage": "prod"}, 5_000, 100),
    ModelSeed("Alpha-2", {"team": "Vision"}, 5_000, 200),
    ModelSeed("beta", {"team": "nlp", PROMPT: "false"}, 3_000, 300),
    ModelSeed("beta_1", {}, 9_000, 400),
    ModelSeed("gamma%x", {"note": "50% off", "a.b": "dotted", "a b": "spaced"}, 1_000, 500),
    ModelSeed("A\nb", {"team": "multi\nline"}, None, 600),
    ModelSeed("Éclair", {"team": "Éclair"}, 7_000, 700),
    ModelSeed("it's", {"quote": "it''s", "k:q": "ticks"}, 2_000, 800),
    ModelSeed("prompt-a", {PROMPT: "true", "team": "vision"}, 8_000, 900),
    ModelSeed("prompt-B", {PROMPT: "TRUE"}, 8_000, 1_000),
    ModelSeed("back\\slash", {"path": "a\\b"}, 4_000, 1_100),
)

VERSIONS = (
    VersionSeed("alpha", "r1", "s3://bucket/alpha/1", {"env": "prod"}, 10, 1),
    VersionSeed("alpha", "r2", "s3://bucket/alpha/2", {"env": "staging", "owner": "ann"}, 30, 2),
    VersionSeed("alpha", None, "file:///models/x", {}, 30, 3),
    VersionSeed("beta", "r1", "s3://bucket/beta/1", {"env": "prod", PROMPT: "false"}, 20, 4),
    VersionSeed("Alpha-2", "R1", "S3://BUCKET/x", {"env": "Prod"}, None, 5),
    VersionSeed("prompt-a", None, "s3://p/1", {PROMPT: "true"}, 40, 6),
    VersionSeed("prompt-a", None, "s3://p/2", {PROMPT: "true"}, 50, 7),
    VersionSeed("Éclair", "r3", None, {"env": "prod"}, 60, 8),
    *(VersionSeed("gamma%x", f"g{n}", f"s3://g/{n}", {"n": str(n)}, 70, 8 + n) for n in range(1, 12)),
)


@dataclass
class Registry:
    store: SqlAlchemyStore
    models: list[dict[str, Any]]
    versions: list[dict[str, Any]]

    def search_models(self, filter_string: str | None = None, order_by: list[str] | None = None) -> list[str]:
        found = self.store.search_registered_models(filter_string, max_results=1000, order_by=order_by)
        return [model.name for model in found]

    def search_versions(
        self, filter_string: str | None = None, order_by: list[str] | None = None
    ) -> list[tuple[str, int]]:
        found = self.store.search_model_versions(filter_string, max_results=1000, order_by=order_by)
        return [(version.name, int(version.version)) for version in found]


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("mlflow").setLevel(logging.WARNING)
    database: Path = tmp_path_factory.mktemp("mlflow") / "registry.db"
    store = SqlAlchemyStore(f"sqlite:///{database}")
    for model in MODELS:
        store.create_registered_model(model.name, tags=[RegisteredModelTag(k, v) for k, v in model.tags.items()])
    for version in VERSIONS:
        store.create_model_version(
            version.name,
            version.source or "placeholder",
            run_id=version.run_id,
            tags=[ModelVersionTag(k, v) for k, v in version.tags.items()],
        )
    _set_timestamps_and_nulls(store)
    yield Registry(store, [_model_view(store, model.name) for model in MODELS], _version_views(store))
    store.engine.dispose()


def _set_timestamps_and_nulls(store: SqlAlchemyStore) -> None:
    """Give rows known timestamps (ties and NULLs included) so that ordering is worth comparing."""
    with store.ManagedSessionMaker(read_only=False) as session:
        for model in MODELS:
            row = session.query(SqlRegisteredModel).filter(SqlRegisteredModel.name == model.name).one()
            row.last_updated_time = model.last_updated
            row.creation_time = model.created
        rows = session.query(SqlModelVersion).order_by(SqlModelVersion.creation_time).all()
        counters: dict[str, int] = {}
        for version in VERSIONS:
            counters[version.name] = counters.get(version.name, 0) + 1
            row = next(r for r in rows if r.name == version.name and r.version == counters[version.name])
            row.last_updated_time = version.last_updated
            row.creation_time = version.created
            row.source = version.source


def _model_view(store: SqlAlchemyStore, name: str) -> dict[str, Any]:
    model = store.get_registered_model(name)
    return {
        "name": model.name,
        "tags": dict(model._tags),  # every tag, the reserved prompt tag included
        "creation_timestamp": model.creation_timestamp,
        "last_updated_timestamp": model.last_updated_timestamp,
        "description": model.description,
    }


def _version_views(store: SqlAlchemyStore) -> list[dict[str, Any]]:
    views = []
    for name in dict.fromkeys(version.name for version in VERSIONS):
        count = sum(1 for version in VERSIONS if version.name == name)
        for number in range(1, count + 1):
            version = store.get_model_version(name, number)
            views.append(
                {
                    "name": version.name,
                    "version": int(version.version),
                    "run_id": version.run_id,
                    "source": version.source,
                    "current_stage": version.current_stage,
                    "status": version.status,
                    "user_id": version.user_id,
                    "description": version.description,
                    "creation_timestamp": version.creation_timestamp,
                    "last_updated_timestamp": version.last_updated_timestamp,
                    "tags": dict(version.tags),
                }
            )
    return views


# --- our side, the same shape as the store's answers ------------------------------------------------------------


def our_model_search(registry: Registry, filter_string: str | None, order_by: list[str] | None = None) -> list[str]:
    clauses = parse_registered_model_filter(filter_string)
    key = sort_key_registered_model(parse_registered_model_order_by(order_by))
    found = sorted((m for m in registry.models if matches_registered_model(m, clauses)), key=key)
    return [model["name"] for model in found]


def our_version_search(
    registry: Registry, filter_string: str | None, order_by: list[str] | None = None
) -> list[tuple[str, int]]:
    clauses = parse_model_version_filter(filter_string)
    key = sort_key_model_version(parse_model_version_order_by(order_by))
    found = sorted((v for v in registry.versions if matches_model_version(v, clauses)), key=key)
    return [(version["name"], version["version"]) for version in found]


def assert_same_answer(oracle: Callable[[], Any], ours: Callable[[], Any]) -> None:
    """Both reject, or both accept with the same result."""
    try:
        expected = oracle()
    except Exception as mlflow_error:  # MlflowException, or the ValueError/DB error mlflow lets escape
        with pytest.raises(InvalidParameterValue):
            result = ours()
            pytest.fail(f"mlflow rejects ({mlflow_error}) but we answered {result!r}")
        return
    assert ours() == expected


# --- filters: the corpus ----------------------------------------------------------------------------------------

COMMON_FILTERS = (
    None,
    "",
    "   ",
    "AND",
    "and AND",
    # names: =, !=, LIKE, ILIKE, IN, NOT IN, quoting
    "name = 'alpha'",
    "name='alpha'",
    'name = "alpha"',
    "name = 'Alpha'",
    "name != 'alpha'",
    "name LIKE 'alpha%'",
    "name LIKE 'Alpha%'",
    "name LIKE '%a%'",
    "name LIKE 'a%'",
    "name LIKE 'beta_1'",
    "name LIKE 'beta_'",
    "name LIKE 'beta__'",
    "name LIKE 'gamma%x'",
    "name LIKE '%\\%'",
    "name LIKE 'back\\slash'",
    "name LIKE 'A_b'",
    "name LIKE 'A%b'",
    "name LIKE '%'",
    "name LIKE ''",
    "name LIKE '%%%%a%%%%'",
    "name like 'alpha'",
    "name ILIKE 'ALPHA%'",
    "name ILIKE 'éclair'",
    "name ILIKE 'ÉCLAIR'",
    "name ILIKE '%2'",
    "name IN ('alpha', 'beta')",
    "name IN ('alpha')",
    "name IN ('alpha',)",
    "name in ('alpha', \"beta\")",
    "name IN('alpha')",
    "name IN ('al' 'pha')",
    "name IN (('alpha'))",
    "name IN ('\\x61lpha')",
    "name IN ('alpha', # comment\n 'beta')",
    "name NOT IN ('alpha', 'beta')",
    "name not  in ('alpha')",
    "name IN ()",
    "name IN (1)",
    "name IN ('a', 1)",
    "name IN ('a', ('b',))",
    "name IN (b'alpha')",
    "name IN ('a',,)",
    "name IN (name)",
    "name IN ('a' if 1 else 'b')",
    "name IN 'alpha'",
    "name IN ('alpha'",
    "name IN ('alpha'))",
    "name IN (')')",
    "name = ('alpha')",
    "name = ('alpha', 'beta')",
    "name != ('alpha', 'beta')",
    "name LIKE ('alpha')",
    "name = 'it''s'",
    "name = 'it\\'s'",
    'name = "it\'s"',
    "name = 'a\\'",
    "name = 'a\\' AND name = 'b'",
    "name = ''",
    "name = 'A\nb'",
    # attribute prefixes and identifiers
    "attribute.name = 'alpha'",
    "attribute.`name` = 'alpha'",
    "`name` = 'alpha'",
    "\"name\" = 'alpha'",
    "NAME = 'alpha'",
    "Name = 'alpha'",
    "attributes.name = 'alpha'",
    "attr.name = 'alpha'",
    "Tags.team = 'vision'",
    "TAG.team = 'vision'",
    "metrics.acc > 1",
    "params.x = 'y'",
    "description = 'x'",
    "creation_timestamp > 0",
    "last_updated_timestamp > 0",
    "timestamp > 0",
    "user_id = 'x'",
    "current_stage = 'None'",
    "status = 'READY'",
    # tags
    "tags.team = 'vision'",
    "tag.team = 'vision'",
    "tags.team != 'vision'",
    "tags.team != 'nobody'",
    "tags.team LIKE 'vis%'",
    "tags.team ILIKE 'VIS%'",
    "tags.team ILIKE 'éclair'",
    "tags.team LIKE 'multi_line'",
    "tags.team = 'vision' AND tags.team != 'nlp'",
    "tags.team = 'vision' AND tags.team = 'nlp'",
    "tags.team LIKE '%' AND tags.team != 'vision'",
    "tags.team = 'vision' AND tags.stage = 'prod'",
    "tags.team = 'vision' AND name = 'alpha'",
    "tags.`team` = 'vision'",
    "tags.\"team\" = 'vision'",
    "tags.'team' = 'vision'",
    "tags.`a.b` = 'dotted'",
    "tags.a.b = 'dotted'",
    "tags.`a b` = 'spaced'",
    "tags.\"a b\" = 'spaced'",
    "tags.'a b' = 'spaced'",
    "tags.`k``q` = 'ticks'",
    "tags.`k:q` = 'ticks'",
    "tags.k:q = 'ticks'",
    "tags.quote = 'it''s'",
    "tags.path = 'a\\b'",
    "tags.path LIKE 'a\\b'",
    "tags.`` = 'x'",
    "tags.note LIKE '50\\% off'",
    "tags.note LIKE '50% off'",
    "tags.nope = 'x'",
    "tags.nope != 'x'",
    "tags.team IN ('vision')",
    "tags.team NOT IN ('vision')",
    "tags.team = ('vision')",
    "tags.team = 1",
    "tags.team = vision",
    "tags.team = `vision`",
    "tags.team > 'a'",
    "tags.team <> 'a'",
    "tags.team IS NULL",
    "tags.team IS NOT NULL",
    "tags.team RLIKE 'v'",
    "tags.team NOT LIKE 'v%'",
    "tags.select = 'x'",
    "tags.from = 'x'",
    "tags.in = 'x'",
    "tags.as = 'x'",
    "tags.and = 'x'",
    "tags.1a = 'x'",
    "tags.1 = 'x'",
    "tags.12a = 'x'",
    "tags._x = 'x'",
    "tags.é = 'x'",
    "tags.x-y = 'x'",
    "tags.x$y = 'x'",
    "tags.x:y = 'x'",
    "tags . team = 'vision'",
    "`tags`.team = 'vision'",
    "tags.`team`x = 'vision'",
    "tags.`a`b` = 'x'",
    # the prompt tag
    CLIENT_PROMPT_FILTER,
    f"tag.`{PROMPT}` != 'true'",
    f"tags.`{PROMPT}` = 'true'",
    f"tags.`{PROMPT}` = 'TRUE'",
    f"tags.`{PROMPT}` = 'True'",
    f"tags.`{PROMPT}` = 'false'",
    f"tags.`{PROMPT}` != 'false'",
    f"tags.`{PROMPT}` != 'FALSE'",
    f"tags.`{PROMPT}` LIKE '%'",
    f"tags.`{PROMPT}` LIKE 't%'",
    f"tags.`{PROMPT}` = 'false' AND tags.`{PROMPT}` = 'true'",
    f"tags.`{PROMPT}` = 'true' AND tags.`{PROMPT}` = 'false'",
    f"tags.`{PROMPT}` = 'true' AND tags.team = 'vision'",
    f"tags.team = 'vision' AND {CLIENT_PROMPT_FILTER}",
    f"name LIKE 'prompt%' AND {CLIENT_PROMPT_FILTER}",
    f"name = 'alpha' AND tag.`{PROMPT}` != 'true'",
    f"tags.{PROMPT} = 'true'",
    # AND, whitespace, and what sqlparse tolerates around it
    "name = 'alpha' AND name = 'beta'",
    "name = 'alpha' and tags.team = 'vision'",
    "name = 'alpha' AND",
    "AND name = 'alpha'",
    "name = 'alpha' AND AND tags.team = 'vision'",
    "name = 'alpha' tags.team = 'vision'",
    "name = 'alpha'tags.team = 'vision'",
    "name='alpha'AND tags.team='vision'",
    "name = 'alpha'\nAND\n\ttags.team = 'vision'",
    "  name = 'alpha'  ",
    "name = 'alpha' ANDname = 'beta'",
    # what MLflow rejects
    "name = 'alpha' OR name = 'beta'",
    "name = 'alpha' AND NOT name = 'beta'",
    "NOT name = 'alpha'",
    "(name = 'alpha')",
    "name = 'alpha';",
    "name = 'alpha'; name = 'beta'",
    "name = 'alpha' -- comment",
    "name = 'alpha' /* comment */",
    "name = 'alpha' # comment",
    "name = 'alpha",
    "name = 'alpha''",
    "name = alpha",
    "name = `alpha`",
    "name = 1",
    "name = -1",
    "name = 1.5",
    "name = NULL",
    "name = $$alpha$$",
    "name = N'alpha'",
    "name = 'alpha'::text",
    "name",
    "name =",
    "= 'alpha'",
    "'alpha' = name",
    "name = 'alpha' = 'beta'",
    "name == 'alpha'",
    "name <> 'alpha'",
    "name !== 'alpha'",
    "name < 'b'",
    "name >= 'b'",
    "name NOT LIKE 'a%'",
    "name RLIKE 'a'",
    "name REGEXP 'a'",
    "name LIKE 'a' ESCAPE '\\'",
    "name IS NULL",
    "name IS NOT NULL",
    "name BETWEEN 'a' AND 'b'",
    "nameIN('alpha')",
    "name ILIKE",
    "tags.team",
    "tags.team = 'vision' AND tags.stage",
)

MODEL_ONLY_FILTERS = (
    "run_id = 'r1'",
    "version_number = 1",
    "source_path = 'x'",
)

VERSION_ONLY_FILTERS = (
    "run_id = 'r1'",
    'run_id = "r1"',
    "run_id = 'R1'",
    "run_id != 'r1'",
    "run_id LIKE 'r%'",
    "run_id ILIKE 'r1'",
    "run_id IN ('r1', 'r3')",
    "run_id IN ('r1')",
    "run_id NOT IN ('r1')",
    "run_id NOT IN ('nope')",
    "run_id = ('r1', 'r2')",
    "run_id IN ()",
    "run_id > 'r1'",
    "attribute.run_id = 'r2'",
    "run_id = 'r1' AND name = 'alpha'",
    "run_id IN ('r1', 'r2') AND run_id = 'r2'",
    "source_path = 's3://bucket/alpha/1'",
    "source_path != 's3://bucket/alpha/1'",
    "source_path LIKE 's3://bucket/%'",
    "source_path ILIKE 's3://bucket/%'",
    "source_path IN ('s3://bucket/alpha/1')",
    "source_path NOT IN ('x')",
    "source = 'x'",
    "source_path LIKE '%/1'",
    "version_number = 1",
    "version_number = 10",
    "version_number != 1",
    "version_number > 9",
    "version_number >= 10",
    "version_number < 2",
    "version_number <= 2",
    "version_number = '2'",
    "version_number = ' 2 '",
    "version_number = '+2'",
    "version_number = '1_0'",
    "version_number = 'x'",
    "version_number = ''",
    "version_number = '2.0'",
    "version_number = 2.0",
    "version_number = 2.",
    "version_number = .5",
    "version_number = 1e1",
    "version_number = -1",
    "version_number >-1",
    "version_number=-1",
    "version_number = - 1",
    "version_number = +1",
    "version_number = 0x1F",
    "version_number = 01",
    "version_number = 1a",
    "version_number = 99999999999999999999",
    "version_number IN (1, 2)",
    "version_number IN ('1')",
    "version_number LIKE '1%'",
    "version_number == 1",
    "version_number <> 1",
    "version_number > 1 AND version_number < 4 AND name = 'alpha'",
    "version_number = 1 AND name LIKE 'gamma%'",
    "attribute.version_number = 3",
    "`version_number` = 3",
    "name = 5",
    "run_id = 5",
    "tags.env = 'prod'",
    "tags.env ILIKE 'PROD'",
    "tags.env != 'prod'",
    "tags.n = '10'",
    "tags.n > '5'",
    "tags.n = 10",
    "creation_timestamp > 0",
    "last_updated_timestamp > 0",
    "run_id IS NULL",
)


@pytest.mark.parametrize("filter_string", COMMON_FILTERS + MODEL_ONLY_FILTERS)
def test_registered_model_filter_agrees_with_mlflow_sql_store(registry: Registry, filter_string: str | None) -> None:
    assert_same_answer(
        lambda: (
            registry.search_models(filter_string),
            [_mlflow_clause(clause) for clause in SearchModelUtils.parse_search_filter(filter_string)],
        ),
        lambda: (our_model_search(registry, filter_string), _our_clauses(parse_registered_model_filter(filter_string))),
    )


@pytest.mark.parametrize("filter_string", COMMON_FILTERS + VERSION_ONLY_FILTERS)
def test_model_version_filter_agrees_with_mlflow_sql_store(registry: Registry, filter_string: str | None) -> None:
    assert_same_answer(
        lambda: (
            registry.search_versions(filter_string),
            [_mlflow_clause(clause) for clause in SearchModelVersionUtils.parse_search_filter(filter_string)],
        ),
        lambda: (our_version_search(registry, filter_string), _our_clauses(parse_model_version_filter(filter_string))),
    )


def _mlflow_clause(parsed: Mapping[str, Any]) -> tuple[str, str, str, Any]:
    """mlflow's parsed clause in our terms: view keys, and the integer the SQL store makes of a version number."""
    view_keys = {"source_path": "source", "version_number": "version"}
    key, value = parsed["key"], parsed["value"]
    if parsed["type"] == "attribute":
        key = view_keys.get(key, key)
        if key == "version":
            value = int(value)
    return (parsed["type"], key, parsed["comparator"], value)


def _our_clauses(clauses: Sequence[Comparison]) -> list[tuple[str, str, str, Any]]:
    return [(clause.kind, clause.key, clause.op, clause.value) for clause in clauses]


# --- filters: the semantics worth a name ------------------------------------------------------------------------


def test_client_prompt_filter_keeps_models_without_the_prompt_tag(registry: Registry) -> None:
    names = our_model_search(registry, f"tags.team = 'vision' AND {CLIENT_PROMPT_FILTER}")
    assert names == ["alpha"]  # prompt-a has team=vision too, but is a prompt
    assert "beta_1" in our_model_search(registry, CLIENT_PROMPT_FILTER)  # no tags at all


def test_not_equal_on_any_other_tag_needs_the_tag() -> None:
    clauses = parse_registered_model_filter("tags.team != 'vision'")
    assert not matches_registered_model({"name": "m", "tags": {}}, clauses)
    assert matches_registered_model({"name": "m", "tags": {"team": "nlp"}}, clauses)


def test_prompts_are_left_out_unless_asked_for() -> None:
    prompt = {"name": "p", "tags": {PROMPT: "true"}}
    assert not matches_registered_model(prompt, [])
    assert not matches_registered_model(prompt, parse_registered_model_filter(f"tags.`{PROMPT}` = 'false'"))
    assert matches_registered_model(prompt, parse_registered_model_filter(f"tags.`{PROMPT}` = 'true'"))
    assert matches_registered_model(prompt, parse_registered_model_filter(f"tags.`{PROMPT}` != 'FALSE'"))
    # Only the first clause on the prompt tag decides; the later ones are then dropped with it.
    mixed = f"tags.`{PROMPT}` = 'false' AND tags.`{PROMPT}` = 'true'"
    assert matches_registered_model({"name": "m", "tags": {}}, parse_registered_model_filter(mixed))


def test_prompt_versions_are_left_out_by_their_own_tag() -> None:
    version = {"name": "p", "version": 1, "tags": {PROMPT: "true"}}
    assert not matches_model_version(version, [])
    assert matches_model_version(version, parse_model_version_filter(f"tag.`{PROMPT}` = 'true'"))


def test_a_missing_attribute_matches_no_comparison() -> None:
    version = {"name": "m", "version": 1, "run_id": None, "source": None, "tags": {}}
    for filter_string in ("run_id != 'r1'", "run_id NOT IN ('r1')", "run_id LIKE '%'", "source_path != 'x'"):
        assert not matches_model_version(version, parse_model_version_filter(filter_string)), filter_string


def test_version_numbers_compare_as_integers() -> None:
    tenth = {"name": "m", "version": 10, "tags": {}}
    assert matches_model_version(tenth, parse_model_version_filter("version_number > 9"))
    assert matches_model_version(tenth, parse_model_version_filter("version_number = '10'"))
    assert parse_model_version_filter("version_number = ' 10 '")[0].value == 10


@pytest.mark.parametrize(
    ("filter_string", "message"),
    [
        ("name = 'a' OR name = 'b'", "Invalid clause(s) in filter string"),
        ("run_id = 'r'", "Invalid attribute key 'run_id' specified"),
        ("name < 'b'", "Invalid comparator for attribute: <"),
        ("tags.k IN ('a')", "Expected a quoted string value for tag"),
        ("name = a", "Parameter value is either not quoted"),
        ("name IN ()", "expected a non-empty list of string values, but got empty list"),
        ("labels.k = 'v'", "Invalid entity type 'labels'"),
    ],
)
def test_rejections_carry_mlflow_messages(filter_string: str, message: str) -> None:
    with pytest.raises(InvalidParameterValue) as raised:
        parse_registered_model_filter(filter_string)
    assert message in raised.value.message
    assert raised.value.error_code == "INVALID_PARAMETER_VALUE"


@pytest.mark.parametrize(
    ("filter_string", "message"),
    [
        ("version_number = 1.0", "Invalid value for numeric attribute 'version_number'"),
        ("version_number = 'x'", "Invalid value for numeric attribute 'version_number'"),
        ("version_number LIKE '1'", "Invalid comparator for attribute version_number: LIKE"),
        ("source_path IN ('a')", "Only ['name', 'run_id'] attributes support comparison with a list"),
        ("creation_timestamp > 1", "Invalid attribute key 'creation_timestamp' specified"),
    ],
)
def test_model_version_rejections_carry_mlflow_messages(filter_string: str, message: str) -> None:
    with pytest.raises(InvalidParameterValue) as raised:
        parse_model_version_filter(filter_string)
    assert message in raised.value.message


# Where we knowingly part from mlflow. Each is accepted by mlflow only because sqlparse, a SQL parser, folds more
# into one identifier than a tag key: whitespace around dots, `@name`/`#name`, `*`, `[brackets]`, `f(x)`, `x::type`,
# and a comment holding a parenthesis inside an IN list. Such keys cannot match a stored tag (mlflow keeps the
# whitespace or punctuation in the key), and backticks express any real key; so we answer INVALID_PARAMETER_VALUE.
DELIBERATE_REJECTIONS = (
    "tags. team = 'vision'",
    "tags.team .x = 'vision'",
    "tags.\nteam = 'vision'",
    "tags.@team = 'vision'",
    "tags.#team = 'vision'",
    "tags.* = 'vision'",
    "tags.[team] = 'vision'",
    "tags.team(1) = 'vision'",
    "tags.team::text = 'vision'",
    "name IN ('alpha', # a (comment\n 'beta')",
)


@pytest.mark.parametrize("filter_string", DELIBERATE_REJECTIONS)
def test_sqlparse_artefacts_that_mlflow_accepts_are_rejected(registry: Registry, filter_string: str) -> None:
    registry.search_models(filter_string)  # mlflow accepts; if it stops doing so, drop the case
    with pytest.raises(InvalidParameterValue):
        parse_registered_model_filter(filter_string)


# mlflow's in-memory filters (used by its file store) disagree with its SQL store on these; we follow the SQL store.
IN_MEMORY_DIVERGENCES = (
    ("model", None),  # SQL leaves prompts out even without a filter
    ("model", f"tags.`{PROMPT}` LIKE '%'"),  # SQL drops the clause and leaves prompts out
    ("model", "name LIKE 'A_b'"),  # SQL's _ and % match a newline, the regex's . does not
    ("model", "name ILIKE 'éclair'"),  # SQLite lowercases ASCII only
    ("version", None),
    ("version", f"tags.`{PROMPT}` LIKE 't%'"),
)


@pytest.mark.parametrize(("entity", "filter_string"), IN_MEMORY_DIVERGENCES)
def test_mlflow_in_memory_filter_differs_from_its_sql_store_and_we_follow_sql(
    registry: Registry, entity: str, filter_string: str | None
) -> None:
    in_memory: list[Any]
    sql: list[Any]
    ours: list[Any]
    if entity == "model":
        models = [registry.store.get_registered_model(model.name) for model in MODELS]
        in_memory = sorted(model.name for model in SearchModelUtils.filter(models, filter_string))
        sql = sorted(registry.search_models(filter_string))
        ours = sorted(our_model_search(registry, filter_string))
    else:
        versions = [registry.store.get_model_version(v["name"], v["version"]) for v in registry.versions]
        in_memory_versions = SearchModelVersionUtils.filter(versions, filter_string)
        in_memory = sorted((version.name, int(version.version)) for version in in_memory_versions)
        sql = sorted(registry.search_versions(filter_string))
        ours = sorted(our_version_search(registry, filter_string))
    assert in_memory != sql
    assert ours == sql


# --- order_by ---------------------------------------------------------------------------------------------------

ORDER_BYS: tuple[list[str] | None, ...] = (
    None,
    [],
    ["name"],
    ["name DESC"],
    ["name desc"],
    ["name Asc"],
    ["name\tDESC"],
    ["name  DESC"],
    ["timestamp"],
    ["timestamp DESC"],
    ["timestamp ASC", "name DESC"],
    ["last_updated_timestamp"],
    ["last_updated_timestamp DESC"],
    ["last_updated_timestamp ASC", "name DESC"],
    ["last_updated_timestamp DESC", "version_number ASC"],
    ["creation_timestamp"],
    ["creation_timestamp DESC"],
    ["version_number"],
    ["version_number DESC", "name DESC"],
    ["name DESC", "version_number ASC"],
    ["name", "last_updated_timestamp DESC"],
    ["attribute.name DESC"],
    ["attribute.version_number"],
    ["tags.name DESC"],
    ["tag.version_number"],
    ["tags.`creation_timestamp` ASC"],
    ["tags.x"],
    ["attributes.name"],
    ["`name`"],
    ["`name` DESC"],
    ['"name" DESC'],
    ['"name"'],
    ["'name'"],
    ["attribute.`name`"],
    ['"attribute.name" DESC'],
    ["`tags.name`"],
    ["NAME"],
    ["Name DESC"],
    ["TIMESTAMP"],
    ["name ASC DESC"],
    ["name foo"],
    ["name DESC NULLS FIRST"],
    [" name"],
    ["name "],
    [""],
    ["name;"],
    ["name, timestamp"],
    ["(name)"],
    ["name -- comment"],
    ["timestamp", "last_updated_timestamp DESC"],
    ["name", "name DESC"],
    ["name", "attribute.name"],
)


@pytest.mark.parametrize("order_by", ORDER_BYS)
def test_registered_model_order_agrees_with_mlflow_sql_store(registry: Registry, order_by: list[str] | None) -> None:
    assert_same_answer(
        lambda: registry.search_models(CLIENT_PROMPT_FILTER, order_by),
        lambda: our_model_search(registry, CLIENT_PROMPT_FILTER, order_by),
    )


@pytest.mark.parametrize("order_by", ORDER_BYS)
def test_model_version_order_agrees_with_mlflow_sql_store(registry: Registry, order_by: list[str] | None) -> None:
    assert_same_answer(
        lambda: registry.search_versions(None, order_by),
        lambda: our_version_search(registry, None, order_by),
    )


def test_registered_model_order_by_defaults_and_tie_breaker() -> None:
    assert parse_registered_model_order_by(None) == [("name", True)]
    assert parse_registered_model_order_by(["timestamp DESC"]) == [("last_updated_timestamp", False), ("name", True)]
    assert parse_registered_model_order_by(["name DESC", "timestamp"]) == [
        ("name", False),
        ("last_updated_timestamp", True),
    ]


def test_model_version_order_by_defaults_and_tie_breakers() -> None:
    default = [("last_updated_timestamp", False), ("name", True), ("version", False)]
    assert parse_model_version_order_by(None) == default
    assert parse_model_version_order_by([]) == default
    assert parse_model_version_order_by(["version_number ASC"]) == [("version", True), ("name", True)]
    assert parse_model_version_order_by(["creation_timestamp"]) == [
        ("creation_timestamp", True),
        ("name", True),
        ("version", False),
    ]


def test_duplicate_order_by_fields_are_invalid_parameters() -> None:
    # mlflow raises this one as INTERNAL_ERROR (500); it is the client's mistake.
    with pytest.raises(InvalidParameterValue, match="duplicate fields"):
        parse_registered_model_order_by(["timestamp", "last_updated_timestamp DESC"])


def test_sort_puts_missing_values_first_ascending_and_last_descending() -> None:
    views: list[dict[str, Any]] = [
        {"name": "b", "last_updated_timestamp": 2},
        {"name": "a", "last_updated_timestamp": None},
        {"name": "c", "last_updated_timestamp": 1},
    ]
    ascending = sorted(views, key=sort_key_registered_model(parse_registered_model_order_by(["timestamp"])))
    descending = sorted(views, key=sort_key_registered_model(parse_registered_model_order_by(["timestamp DESC"])))
    assert [view["name"] for view in ascending] == ["a", "c", "b"]
    assert [view["name"] for view in descending] == ["b", "c", "a"]


def test_sort_descends_on_strings_and_breaks_ties_by_version() -> None:
    views = [{"name": name, "version": version} for name, version in (("a", 1), ("B", 2), ("b", 1), ("b", 3))]
    order = parse_model_version_order_by(["name DESC"])
    ordered = sorted(views, key=sort_key_model_version(order))
    assert [(view["name"], view["version"]) for view in ordered] == [("b", 3), ("b", 1), ("a", 1), ("B", 2)]


# --- pushdown helpers -------------------------------------------------------------------------------------------


def _clauses(filter_string: str) -> list[Comparison]:
    return parse_model_version_filter(filter_string)


@pytest.mark.parametrize(
    ("filter_string", "expected"),
    [
        ("name = 'm'", "m"),
        ("tags.k = 'v' AND attribute.name = \"m\"", "m"),
        ("name LIKE 'm'", None),
        ("name != 'm'", None),
        ("name IN ('m')", None),
        ("tags.name = 'm'", None),
        ("run_id = 'm'", None),
    ],
)
def test_exact_name(filter_string: str, expected: str | None) -> None:
    assert exact_name(_clauses(filter_string)) == expected


@pytest.mark.parametrize(
    ("filter_string", "expected"),
    [
        ("name LIKE 'abc%'", "abc"),
        ("name LIKE 'abc%%'", "abc"),
        ("name = 'x' AND name LIKE 'ab%'", "ab"),
        ("name LIKE 'abc'", None),
        ("name LIKE '%'", None),
        ("name LIKE '%abc%'", None),
        ("name LIKE 'a_c%'", None),
        ("name LIKE 'a%c%'", None),
        ("name LIKE 'a\\b%'", None),
        ("name ILIKE 'abc%'", None),
        ("tags.name LIKE 'abc%'", None),
        ("source_path LIKE 'abc%'", None),
    ],
)
def test_name_prefix(filter_string: str, expected: str | None) -> None:
    assert name_prefix(_clauses(filter_string)) == expected


@pytest.mark.parametrize(
    ("filter_string", "expected"),
    [
        ("run_id = 'r1'", ("r1",)),
        ("run_id IN ('r1', 'r2', 'r1')", ("r1", "r2")),
        ("run_id IN ('r1', 'r2') AND run_id = 'r2'", ("r2",)),
        ("run_id = 'r1' AND run_id = 'r2'", ()),
        ("run_id != 'r1'", None),
        ("run_id NOT IN ('r1')", None),
        ("run_id LIKE 'r1'", None),
        ("tags.run_id = 'r1'", None),
        ("name = 'm'", None),
    ],
)
def test_run_ids(filter_string: str, expected: tuple[str, ...] | None) -> None:
    assert run_ids(_clauses(filter_string)) == expected


def test_pushdown_helpers_narrow_never_widen(registry: Registry) -> None:
    """Whatever a helper returns, every match of the whole filter satisfies it."""
    for filter_string in ("name = 'alpha' AND run_id IN ('r1', 'r2')", "name LIKE 'gam%' AND version_number > 3"):
        clauses = parse_model_version_filter(filter_string)
        for version in (v for v in registry.versions if matches_model_version(v, clauses)):
            assert exact_name(clauses) in (None, version["name"])
            assert version["name"].startswith(name_prefix(clauses) or "")
            assert version["run_id"] in (run_ids(clauses) or (version["run_id"],))


# --- LIKE -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "pattern", "expected"),
    [
        ("abc", "abc", True),
        ("abc", "ab", False),
        ("abc", "a%", True),
        ("abc", "%c", True),
        ("abc", "%b%", True),
        ("abc", "a_c", True),
        ("abc", "a__c", False),
        ("ac", "a%c", True),
        ("a\nc", "a_c", True),
        ("a\nc", "a%c", True),
        ("abc", "ABC", False),
        ("a.c", "a.c", True),
        ("abc", "a.c", False),
        ("a\\c", "a\\c", True),
        ("abcabc", "%bc%bc", True),
        ("abab", "%ab%ab%ab%", False),
        ("", "%", True),
        ("", "", True),
        ("a", "", False),
        ("é", "_", True),
    ],
)
def test_sql_like(value: str, pattern: str, expected: bool) -> None:
    assert sql_like(value, pattern) is expected


def test_sql_ilike_folds_ascii_only_like_sqlite() -> None:
    assert sql_ilike("Alpha", "aLPHA")
    assert not sql_ilike("Éclair", "éclair")


def test_sql_like_stays_fast_on_patterns_full_of_wildcards() -> None:
    value = "a" * 20_000
    started = time.perf_counter()
    assert not sql_like(value, "%a" * 500 + "%b%")
    assert not sql_like(value, "%a_" * 500 + "%b")
    assert time.perf_counter() - started < 1.0


def test_lists_nest_no_deeper_than_sqlparse_allows() -> None:
    assert parse_registered_model_filter("name IN " + "(" * 50 + "'a'" + ")" * 50)[0].value == ("a",)
    with pytest.raises(InvalidParameterValue):
        parse_registered_model_filter("name IN " + "(" * 200 + "'a'" + ")" * 200)


def test_parsed_clauses_are_plain_values() -> None:
    assert parse_model_version_filter("run_id IN ('a', 'b') AND tags.`k.x` LIKE 'v%' AND version_number >= 2") == [
        Comparison("attribute", "run_id", "IN", ("a", "b")),
        Comparison("tag", "k.x", "LIKE", "v%"),
        Comparison("attribute", "version", ">=", 2),
    ]


def test_numbers_too_long_for_python_are_invalid_parameters() -> None:
    for filter_string in ("version_number = " + "1" * 5_000, f"version_number = '{'1' * 5_000}'"):
        with pytest.raises(InvalidParameterValue):
            parse_model_version_filter(filter_string)
