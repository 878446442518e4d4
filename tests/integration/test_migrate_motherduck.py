"""migrate-warehouse --to motherduck, up to where MotherDuck itself must answer (it cannot be reached
from the test machines): a missing token and a failed connection are clear errors, and the DuckDB
file is left as it was."""

import duckdb
import pytest

TOKEN = "md-token-for-the-test"


@pytest.fixture
def md_project(project):
    project.sources_yml.write_text("version: '1.0'\nwarehouse: {type: motherduck, database: analytics}\nsources: []\n")
    project.warehouse.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(project.warehouse)) as conn:
        conn.execute("create schema raw_shop; create table raw_shop.orders as select range as id from range(3)")
    return project


def test_without_a_token_nothing_is_migrated(md_project):
    result = md_project.dango("migrate-warehouse", "--to", "motherduck", check=2)
    assert "no MotherDuck token for md:analytics: set MOTHERDUCK_TOKEN" in result.stderr
    assert "nothing was migrated" in result.stderr
    assert md_project.count("raw_shop.orders") == 3


def test_a_failed_connection_is_an_error_not_a_traceback(md_project):
    (md_project.root / ".env").write_text(f"MOTHERDUCK_TOKEN={TOKEN}\n")  # read from .env, as sync does
    result = md_project.dango("migrate-warehouse", "--to", "motherduck", check=2)
    assert "cannot upload to motherduck md:analytics: " in result.stderr
    assert "Check the token and the network; nothing was migrated." in result.stderr
    assert "Traceback" not in result.stderr and TOKEN not in result.stdout + result.stderr
    assert md_project.count("raw_shop.orders") == 3
