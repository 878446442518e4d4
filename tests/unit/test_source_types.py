"""The pure parts of the source types: secret references, typed initial values, driver choice,
the one-line missing-package error, and which requirement files bin/requirements picks."""

import os
import subprocess
from datetime import UTC, date, datetime

import pytest

from runner.config import secret_refs
from runner.config.source_blocks import typed_initial_value
from runner.sources import drivers, hints
from runner.sync.loader import SourceError
from tests.conftest import REPO


def test_references_resolve_from_the_environment_at_any_depth():
    config = {"client": {"auth": {"token": "${API_TOKEN}"}, "headers": [{"env": "HEADER"}]}, "page": 1}
    assert list(secret_refs.references(config)) == [
        (("client", "auth", "token"), "API_TOKEN"),
        (("client", "headers", "0"), "HEADER"),
    ]
    resolved = secret_refs.resolve(config, {"API_TOKEN": "t0k", "HEADER": "h"})
    assert resolved == {"client": {"auth": {"token": "t0k"}, "headers": ["h"]}, "page": 1}
    with pytest.raises(secret_refs.MissingSecret) as missing:
        secret_refs.resolve(config, {"API_TOKEN": "t0k"})
    assert (missing.value.path, missing.value.variable) == ("client.headers.0", "HEADER")


def test_function_kwargs_take_only_the_dollar_form():
    kwargs = {"token": "${TOKEN}", "tags": {"env": "prod"}}
    assert list(secret_refs.references(kwargs, mappings=False)) == [(("token",), "TOKEN")]
    assert secret_refs.resolve(kwargs, {"TOKEN": "t"}, mappings=False) == {"token": "t", "tags": {"env": "prod"}}


def test_literal_secrets_are_found_and_references_and_plain_urls_are_not():
    block = {
        "credentials": {"host": "db", "username": "dango", "password": "hunter2", "port": 5432},
        "url": "postgresql://dango:hunter2@db/shop",
        "plain": "postgresql://dango@db/shop",
        "headers": {"Authorization": "Bearer abc", "Accept": "json"},
        "auth": {"token": "${TOKEN}", "api_key": {"env": "KEY"}},
        "primary_key": "id",
    }
    found = dict(secret_refs.literal_secrets(block))
    assert found == {
        ("credentials", "password"): "a secret",
        ("url",): "a URL with a password",
        ("headers", "Authorization"): "a secret",
    }


def test_referenced_values_include_a_urls_password_for_redaction():
    from runner.config.sources_yml import Source

    source = Source("s", "sql_database", "m", "f", config={"credentials": "${DB_URL}"})
    values = secret_refs.referenced_values(source, {"DB_URL": "mysql://u:p%40ss@h/db"})
    assert values == ["mysql://u:p%40ss@h/db", "p%40ss"]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2024-01-02", date(2024, 1, 2)),
        ("2024-01-02T03:04:05+00:00", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2024-01-02T03:04:05Z", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2024-01-02 03:04:05", datetime(2024, 1, 2, 3, 4, 5)),
        ("abc", "abc"),
        (17, 17),
    ],
)
def test_initial_values_that_look_like_dates_become_dates(written, expected):
    assert typed_initial_value(written) == expected


def test_an_initial_value_that_starts_like_a_date_and_is_not_one_is_an_error():
    with pytest.raises(ValueError):
        typed_initial_value("2024-02-30")


def test_initial_value_takes_the_cursor_columns_type():
    import dlt

    columns = {
        "naive": {"data_type": "timestamp", "timezone": False},
        "aware": {"data_type": "timestamp"},
        "day": {"data_type": "date"},
        "n": {"data_type": "bigint"},
        "label": {"data_type": "text"},
    }
    resource = dlt.resource([{"n": 1}], name="rows", columns=columns)
    stamp = "2024-01-02T03:00:00+02:00"

    def typed(cursor, value, source_type="sql_database"):
        return hints.initial_value(resource, cursor, value, source_type)

    assert typed("naive", stamp) == datetime(2024, 1, 2, 1, 0)
    assert typed("aware", "2024-01-02") == datetime(2024, 1, 2, tzinfo=UTC)
    assert typed("day", stamp) == date(2024, 1, 2)
    assert typed("n", "42") == 42
    assert typed("label", date(2024, 1, 2)) == "2024-01-02"
    assert typed("unknown", stamp) == datetime.fromisoformat(stamp)
    assert typed("unknown", stamp, "rest_api") == stamp  # JSON values are text


@pytest.mark.parametrize(
    ("written", "dialect", "modules"),
    [
        ("postgresql", "postgresql+psycopg2", ["sqlalchemy", "psycopg2"]),
        ("mariadb", "mysql+pymysql", ["sqlalchemy", "pymysql"]),
        ("mssql", "mssql+pymssql", ["sqlalchemy", "pymssql"]),
        ("sqlite", "sqlite", ["sqlalchemy", "sqlite3"]),
        ("postgresql+psycopg", "postgresql+psycopg", ["sqlalchemy", "psycopg"]),
    ],
)
def test_a_scheme_gets_the_driver_dango_pins(written, dialect, modules):
    chosen, needed = drivers.with_driver(written)
    assert chosen == dialect and [driver.module for driver in needed] == modules


def test_a_missing_package_is_one_line_with_the_command_that_installs_it():
    missing = drivers.Driver("", "no_such_module_for_dango", "PyMySQL", "mysql")
    with pytest.raises(SourceError) as error:
        drivers.require([missing], "sql_database.credentials", "a mysql:// source")
    assert str(error.value) == (
        "the package PyMySQL is not installed (a mysql:// source needs it). Run `make setup EXTRAS=mysql` "
        "(plain `make setup` installs it when sources.yml names it)."
    )


def requirement_files(tmp_path, sources_yml: str, extras: str = "") -> list[str]:
    (tmp_path / ".dango").mkdir(exist_ok=True)
    (tmp_path / ".dango" / "sources.yml").write_text(sources_yml)
    (tmp_path / "requirements.txt").write_text("")
    env = {**os.environ, "DANGO_PROJECT_DIR": str(tmp_path), "EXTRAS": extras}
    listed = subprocess.run([REPO / "bin" / "requirements"], env=env, capture_output=True, text=True, check=True)
    return [line.replace(str(REPO), "").replace(str(tmp_path), "project") for line in listed.stdout.split()]


def test_bin_requirements_installs_what_sources_yml_needs(tmp_path):
    base = ["/runner/requirements.txt", "/requirements.txt", "project/requirements.txt"]
    assert requirement_files(tmp_path, "sources: []\n") == base
    needs_drivers = """
    sources:
      - type: sql_database
        sql_database: {credentials: "postgresql://u@h/db"}
      - type: sql_database
        sql_database: {credentials: {drivername: mariadb, host: h}}
      - type: files
        files: {bucket_url: "s3://bucket/x"}
      # mssql://u@h/db is a comment
    """
    assert requirement_files(tmp_path, needs_drivers) == base + [
        "/runner/requirements-postgres.txt",
        "/runner/requirements-sql.txt",
        "/runner/requirements-mysql.txt",
        "/runner/requirements-s3.txt",
    ]
    native = "sources:\n  - dlt_native: {source_module: dlt.sources.sql_database}\n"
    assert requirement_files(tmp_path, native) == base + ["/runner/requirements-sql.txt"]
    assert requirement_files(tmp_path, "sources: []\n", "mssql test")[3:] == [
        "/runner/requirements-sql.txt",
        "/runner/requirements-mssql.txt",
        "/runner/requirements-test.txt",
    ]


def test_a_field_dlt_rejects_is_located_below_the_block():
    from dlt.common.exceptions import DictValidationException

    from runner.validate.inspect_source import rejected_field

    error = DictValidationException("bad", "./resources[0]/endpoint", field="paginator")
    assert rejected_field(error, "rest_api") == "rest_api.resources.0.endpoint.paginator"
    assert rejected_field(ValueError("x"), "rest_api") == "rest_api"


def two_tables():
    import dlt

    @dlt.source
    def shop():
        return [dlt.resource([{"id": 1}], name="orders"), dlt.resource([{"id": 1}], name="audit_log")]

    return shop()


def test_resources_settings_apply_hints_and_deselect():
    from runner.config.sources_yml import Source

    settings = {"orders": {"write_disposition": "merge", "primary_key": "id"}, "audit_log": {"selected": False}}
    built = hints.apply(two_tables(), Source("shop", "dlt_native", "m", "f", resources=settings))
    assert list(built.selected_resources) == ["orders"]
    orders = built.resources["orders"]
    assert orders.write_disposition == "merge" and orders.compute_table_schema()["columns"]["id"]["primary_key"]


def test_sync_resource_selects_and_a_resources_block_with_an_unknown_name_is_refused():
    from runner.config.sources_yml import Source
    from runner.sync import options

    wanted = options.SyncOptions(resources=("audit_log",))
    only = options.prepare(two_tables(), wanted, "shop", lambda resource, column: None)
    assert list(only.selected_resources) == ["audit_log"]
    with pytest.raises(SourceError) as error:
        hints.apply(two_tables(), Source("shop", "dlt_native", "m", "f", resources={"ordres": {}}))
    assert str(error.value) == (
        "source `shop` has no resource `ordres`; its resources: `orders`, `audit_log`. "
        "Fix the name in .dango/sources.yml."
    )
    assert error.value.field == "resources.ordres"
