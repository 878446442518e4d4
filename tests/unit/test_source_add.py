"""`source add`'s answers -> entry, and flags -> answers: the pure part, both ways of adding a source."""

import argparse
import re

import pytest

from runner.add import answers as a
from runner.add import flags
from runner.add.verified import DEFAULT_LOCATION, placeholders, readable
from runner.config.errors import DangoError
from runner.config.project import Project
from runner.sync.loader import verified_source

# The answers about one REST API, as the wizard gives them; the flags must give the same.
SHOP_API = a.RestApi(
    "https://api.example.com/v1/",
    (a.Endpoint("orders"), a.Endpoint("v1/Order-Items", "data.items")),
    a.Auth("api_key", "k-123", key_name="X-Key", location="query"),
    "offset",
    {"limit": 50, "limit_param": "limit", "offset_param": "offset", "total_path": None},
    "id",
)


def parsed(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    flags.add_options(parser)
    return parser.parse_args(argv)


def test_a_rest_api_entry_refers_to_its_secret_and_the_secret_goes_to_env():
    plan = a.plan(a.Answers("shop", SHOP_API))
    assert plan.secrets == {"SHOP_API_KEY": "k-123"}
    assert plan.entry == {
        "name": "shop",
        "type": "rest_api",
        "rest_api": {
            "client": {
                "base_url": "https://api.example.com/v1/",
                "auth": {"type": "api_key", "name": "X-Key", "location": "query", "api_key": "${SHOP_API_KEY}"},
                "paginator": {
                    "type": "offset",
                    "limit": 50,
                    "limit_param": "limit",
                    "offset_param": "offset",
                    "total_path": None,
                },
            },
            "resource_defaults": {"primary_key": "id", "write_disposition": "merge"},
            "resources": [
                "orders",
                {"name": "v1_order_items", "endpoint": {"path": "v1/Order-Items", "data_selector": "data.items"}},
            ],
        },
    }


def test_flags_give_the_answers_the_wizard_gives():
    args = parsed(
        "rest_api",
        "--name",
        "shop",
        "--base-url",
        "https://api.example.com/v1/",
        "--resource",
        "orders",
        "--resource",
        "v1/Order-Items=data.items",
        "--auth",
        "api_key",
        "--api-key",
        "k-123",
        "--key-name",
        "X-Key",
        "--key-location",
        "query",
        "--paginator",
        "offset",
        "--paginator-option",
        "limit=50",
        "--primary-key",
        "id",
    )
    answers = flags.from_flags(args, DEFAULT_LOCATION)
    assert answers.details == SHOP_API  # what the wizard's answers make, in the test above
    single = flags.from_flags(
        parsed("rest_api", "--name", "x", "--base-url", "https://a/", "--resource", "r", "--paginator", "single_page"),
        DEFAULT_LOCATION,
    )
    assert a.plan(single).entry["rest_api"]["client"]["paginator"] == "single_page"
    assert (
        "paginator"
        not in a.plan(
            flags.from_flags(
                parsed("rest_api", "--name", "x", "--base-url", "https://a/", "--resource", "r"), DEFAULT_LOCATION
            )
        ).entry["rest_api"]["client"]
    )


def test_a_server_database_keeps_its_password_in_env_and_sqlite_is_a_url():
    args = parsed(
        "sql_database",
        "--name",
        "crm",
        "--kind",
        "postgresql",
        "--host",
        "db.internal",
        "--database",
        "crm",
        "--username",
        "dango",
        "--password",
        "pw",
        "--table",
        "b",
        "--table",
        "a",
    )
    plan = a.plan(flags.from_flags(args, DEFAULT_LOCATION))
    assert plan.secrets == {"CRM_PASSWORD": "pw"}
    assert plan.entry["sql_database"] == {
        "credentials": {
            "drivername": "postgresql",
            "host": "db.internal",
            "port": 5432,
            "database": "crm",
            "username": "dango",
            "password": "${CRM_PASSWORD}",
        },
        "schema": "public",
        "table_names": ["b", "a"],
    }
    sqlite = a.plan(
        flags.from_flags(
            parsed("sql_database", "--name", "s", "--kind", "sqlite", "--path", "data/s.db"), DEFAULT_LOCATION
        )
    )
    assert sqlite.entry["sql_database"] == {"credentials": "sqlite:///data/s.db"} and sqlite.secrets == {}


def test_files_leave_out_what_is_the_default_and_python_sources_are_dlt_native():
    files = a.plan(a.Answers("exports", a.Files("incoming", "csv", "*.csv", "exports")))
    assert files.entry == {"name": "exports", "type": "files", "files": {"bucket_url": "incoming", "format": "csv"}}
    other = a.plan(a.Answers("exports", a.Files("in", "jsonl", "**/*.jsonl", "events"))).entry["files"]
    assert other == {"bucket_url": "in", "format": "jsonl", "file_glob": "**/*.jsonl", "table_name": "events"}
    native = {"source_module": "mine", "source_function": "mine", "function_kwargs": {}}
    assert a.plan(a.Answers("mine", a.Custom())).entry == {"name": "mine", "type": "dlt_native", "dlt_native": native}
    verified = a.plan(a.Answers("docs", a.Verified("notion", DEFAULT_LOCATION, function="notion_databases")))
    assert verified.entry["dlt_native"]["source_module"] == "notion"


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (["rest_api", "--name", "x", "--resource", "r"], "--base-url"),
        (["rest_api", "--name", "x", "--base-url", "https://a/"], "--resource"),
        (["rest_api", "--name", "x", "--base-url", "https://a/", "--resource", "r", "--auth", "bearer"], "--token"),
        (["sql_database", "--name", "x"], "--kind"),
        (["sql_database", "--name", "x", "--kind", "mysql", "--host", "h", "--database", "d"], "--username"),
        (["files", "--name", "x", "--folder", "in"], "--format"),
        (["verified", "--name", "x"], "--source"),
        (["custom"], "--name"),
    ],
)
def test_a_missing_flag_is_named(argv, flag):
    with pytest.raises(DangoError, match=f"missing {flag};"):
        flags.from_flags(parsed(*argv), DEFAULT_LOCATION)


def test_names_are_checked_like_the_schema_checks_them():
    assert a.name_problem("shop", ["crm"]) is None
    assert "exists already" in a.name_problem("crm", ["crm"])
    assert "lowercase letters" in a.name_problem("My-API", [])
    assert "longer than 59" in a.name_problem("x" * 60, [])


def test_the_default_repository_is_dlts_and_dlt_sources_names_a_verified_source():
    from dlt._workspace.cli import DEFAULT_VERIFIED_SOURCES_REPO

    assert DEFAULT_LOCATION == DEFAULT_VERIFIED_SOURCES_REPO
    assert verified_source("dlt.sources.notion") == "notion"
    assert verified_source("dlt.sources.asana_dlt.helpers") == "asana_dlt"
    assert verified_source("notion") is None and verified_source("my.dlt.sources.x") is None


def test_the_placeholders_dlt_init_leaves_are_listed_with_their_variables(tmp_path):
    (tmp_path / ".dlt").mkdir()
    (tmp_path / ".dlt" / "secrets.toml").write_text(
        '[sources.zendesk]\nsubdomain = "acme"\n[sources.zendesk.credentials]\n'
        'email = "<configure me>"\npassword = "<configure me>"\n[sources.other]\nkey = "<configure me>"\n'
    )
    assert placeholders(Project(tmp_path), "zendesk") == [
        ("credentials.email", "SOURCES__ZENDESK__CREDENTIALS__EMAIL"),
        ("credentials.password", "SOURCES__ZENDESK__CREDENTIALS__PASSWORD"),
    ]


def test_a_repository_address_is_shown_without_its_password():
    url = "https://ci:tok3n@git.internal/verified-sources.git"
    said = readable(f"cannot clone {url}: tok3n refused", url)
    assert said == "cannot clone https://ci:***@git.internal/verified-sources.git: *** refused"
    assert readable("/srv/mirrors/x: no", "/srv/mirrors/x") == "/srv/mirrors/x: no"


def test_the_flag_form_refuses_what_the_wizard_refuses():
    with pytest.raises(
        DangoError, match=re.escape("--base-url 'api.example.com': write an address starting with https://")
    ):
        flags.from_flags(parsed("rest_api", "--name", "x", "--base-url", "api.example.com", "--resource", "r"), "")
    with pytest.raises(DangoError, match="a --resource without a path"):
        flags.from_flags(parsed("rest_api", "--name", "x", "--base-url", "https://a/", "--resource", "=data"), "")
    with pytest.raises(DangoError, match="not a setting of the offset paginator; its settings: limit, limit_param"):
        args = parsed("rest_api", "--name", "x", "--base-url", "https://a/", "--resource", "r", "--paginator", "offset")
        args.paginator_option = ["limt=5"]
        flags.from_flags(args, "")


def test_a_flag_of_another_type_is_refused_not_ignored():
    args = parsed("files", "--name", "x", "--folder", "in", "--format", "csv", "--table", "orders")
    with pytest.raises(DangoError, match="--table is not one of its flags; it takes --folder, --format, --glob"):
        flags.from_flags(args, "")
    with pytest.raises(DangoError, match="--port is not one of its flags"):
        flags.from_flags(parsed("custom", "--name", "x", "--port", "5432"), "")


def test_the_packages_a_database_lacks_are_named_by_their_extras_word():
    from importlib.util import find_spec

    from runner.add.probe import missing_extras

    assert missing_extras("sqlite") == ([] if find_spec("sqlalchemy") else ["sql"])
    assert missing_extras("mssql") == ([] if find_spec("sqlalchemy") else ["sql"]) + (
        [] if find_spec("pymssql") else ["mssql"]
    )
