"""The same project on PostgreSQL: one `warehouse:` setting, a real server started by the tests."""

import os
import shutil
import subprocess
import time
import uuid

import pytest
import yaml

from tests.conftest import DANGO
from tests.integration.test_spec_examples import add_example
from tests.postgres_server import PASSWORD, PostgresServer, binaries

if binaries() is None and os.environ.get("CI"):
    raise RuntimeError("CI must run the PostgreSQL tests, and this machine has no PostgreSQL server; see .ci/run")
if binaries() is None:
    pytest.skip("needs PostgreSQL's server (Debian: apt-get install postgresql)", allow_module_level=True)
PASSWORD_LINE = f"DESTINATION__POSTGRES__CREDENTIALS__PASSWORD={PASSWORD}\n"
ONE_ROW_SOURCE = """
import dlt

@dlt.source
def one_row():
    @dlt.resource(write_disposition="append")
    def items():
        yield {"id": 1}
    return items
"""


@pytest.fixture(scope="module")
def pg():
    server = PostgresServer().start()
    yield server
    server.stop()


def use_postgres(project, pg, password_line: str = PASSWORD_LINE) -> str:
    """Point the project at a new database of the server; its name."""
    database = pg.create_database(f"t_{uuid.uuid4().hex[:10]}")
    document = yaml.safe_load(project.sources_yml.read_text())
    document = {"version": document["version"], "warehouse": pg.settings(database), "sources": document["sources"]}
    project.sources_yml.write_text(yaml.safe_dump(document, sort_keys=False))
    project.write(".env", password_line)
    return database


def outputs(*results) -> str:
    return "".join(result.stdout + result.stderr for result in results)


def test_spec_examples_load_side_by_side_and_resume_incrementally(project, pg, api):
    database = use_postgres(project, pg)
    add_example(project, api, "my_api", "my_api", "my_api")
    add_example(project, api, "ecommerce", "ecommerce_api", "ecommerce_api")
    add_example(project, api, "shop", "orders_by_date", "get_orders")
    add_example(project, api, "ledger", "transactions_by_id", "get_transactions")
    add_example(project, api, "ads", "daily_stats", "get_daily_stats")
    add_example(project, api, "crm", "dependent_resources", "dependent_resources")
    first = project.sync("--jobs", "4")
    assert "into postgres dango@127.0.0.1" in first.stdout and "summary: 6 ok, 0 failed" in first.stdout

    def count(table: str) -> int:
        return pg.query(database, f"select count(*) from {table}")[0][0]

    assert count("raw_my_api.items") == 30
    assert (count("raw_ecommerce.products"), count("raw_ecommerce.products__images")) == (100, 200)
    assert (count("raw_shop.orders"), count("raw_ledger.transactions"), count("raw_ads.daily_stats")) == (5, 250, 20)
    assert pg.query(database, "select id, owner from raw_crm.account_details order by id")[0] == (1, "owner1")
    assert pg.query(database, "select count(*) from dango.runs where status = 'ok'") == [(6,)]
    assert not project.warehouse.exists() and not (project.root / "data" / "warehouse.duckdb.lock").exists()

    api.orders.append({"order_id": 6, "amount": 60, "customer_id": 1, "updated_at": "2024-02-20"})
    api.transactions.append({"id": 251, "amount": 251})
    asked_before = len(api.seen("/transactions"))
    second = project.sync("shop", "ledger")
    assert [q["updated_since"] for q in api.seen("/orders")] == ["2024-01-01", "2024-02-05"]
    assert api.seen("/transactions")[asked_before]["after_id"] == "250"
    assert (count("raw_shop.orders"), count("raw_ledger.transactions")) == (6, 251)
    # With data/pipelines gone, the incremental state comes back from PostgreSQL.
    shutil.rmtree(project.root / "data" / "pipelines")
    project.sync("shop")
    assert api.seen("/orders")[-1]["updated_since"] == "2024-02-20"
    assert count("raw_shop.orders") == 6
    assert PASSWORD not in outputs(first, second)


def test_demo_staging_models_seeds_and_mart_build_on_postgres(demo, pg):
    database = use_postgres(demo, pg)
    synced = demo.sync()
    built = demo.dango("run", check=0)
    assert "PASS=" in built.stdout
    views = pg.query(database, "select table_name from information_schema.views where table_schema = 'main'")
    assert {"stg_demo_shop__products", "stg_demo_shop__carts__products"} <= {name for (name,) in views}
    mart = pg.query(database, "select count(*), count(budget), sum(units) from main.category_sales_vs_budget")[0]
    assert mart[0] > 0 and mart[0] == mart[1] and mart[2] > 0
    listed = demo.dango("source", "list", check=0)
    assert "never" not in listed.stdout and "note:" not in listed.stdout  # the last load, read from PostgreSQL
    docs = demo.dango("docs", check=0)  # the same site as on DuckDB, read from PostgreSQL
    site = demo.root / "data" / "docs"
    products = (site / "tables" / "raw_demo_shop.products.html").read_text()
    assert "40 rows" in products and "stg_demo_shop__products" in products and "category_sales_vs_budget" in products
    catalogued = '"model.dango.category_sales_vs_budget": {"metadata": {"type": "BASE TABLE", "schema": "main"'
    assert catalogued in (site / "dbt.html").read_text()  # dbt's catalog, read from PostgreSQL
    assert not [page for page in site.rglob("*.html") if PASSWORD in page.read_text()]
    # query and shell read PostgreSQL itself, in read-only sessions.
    counted = demo.dango("query", "select count(*) as n from main.category_sales_vs_budget", "--json", check=0)
    assert counted.stdout == f'[{{"n": {mart[0]}}}]\n'
    typed = "select count(*) as n from raw_demo_shop.users;\ninsert into raw_demo_shop.users (id) values (99);\n"
    shell = demo.dango("shell", input=typed, check=0)
    assert "\n12\n(1 row)" in shell.stdout and "INSERT statements are refused" in shell.stdout
    assert pg.query(database, "select count(*) from raw_demo_shop.users") == [(12,)]
    assert PASSWORD not in outputs(synced, built, listed, docs, counted, shell)


def test_loads_of_different_sources_run_at_the_same_time(project, pg):
    database = use_postgres(project, pg)
    project.write("custom_sources/one_row.py", ONE_ROW_SOURCE)
    for name in ("first", "second"):
        project.register(name, "one_row", "one_row")
    project.sync()
    blocker = pg.connect(database)
    blocker.autocommit = False
    blocker.cursor().execute("lock table raw_first.items in access exclusive mode")  # first's load must wait
    sync = subprocess.Popen(
        [str(DANGO), "sync", "--jobs", "2"], cwd=project.root, env=project.env, stdout=subprocess.PIPE, text=True
    )
    try:
        lines = []
        deadline = time.monotonic() + 120
        while not any("[second] ok" in line for line in lines) and time.monotonic() < deadline:
            lines.append(sync.stdout.readline())
        assert any("[second] ok" in line for line in lines), "".join(lines)
        assert not any("[first] ok" in line for line in lines)  # second loaded while first's load waited
    finally:
        blocker.rollback()
        blocker.close()
    assert sync.wait(timeout=120) == 0
    assert pg.query(database, "select (select count(*) from raw_first.items), (select count(*) from raw_second.items)")[
        0
    ] == (2, 2)


def test_migrating_from_duckdb_keeps_data_state_and_cursor(project, pg, api):
    add_example(project, api, "shop", "orders_by_date", "get_orders")
    add_example(project, api, "ecommerce", "ecommerce_api", "ecommerce_api")
    project.sync()
    counts = {table: project.count(table) for table in ("raw_shop.orders", "raw_ecommerce.products__images")}
    database = use_postgres(project, pg)

    migrated = project.dango("migrate-warehouse", "--to", "postgres", check=0)
    assert "[raw_shop] copied:" in migrated.stdout and "2 datasets copied, 0 skipped, 2 runs" in migrated.stdout
    for table, rows in counts.items():
        assert pg.query(database, f"select count(*) from {table}") == [(rows,)]
    assert pg.query(database, "select count(*) from dango.runs") == [(2,)]

    shutil.rmtree(project.root / "data" / "pipelines")  # the cursor can only come from PostgreSQL now
    api.orders.append({"order_id": 6, "amount": 60, "customer_id": 1, "updated_at": "2024-02-20"})
    project.sync("shop")
    assert [q["updated_since"] for q in api.seen("/orders")] == ["2024-01-01", "2024-02-05"]
    assert pg.query(database, "select count(*), count(distinct order_id) from raw_shop.orders") == [(6, 6)]

    again = project.dango("migrate-warehouse", "--to", "postgres", check=1)
    assert "[raw_shop] skipped: postgres dango@127.0.0.1" in again.stdout
    assert pg.query(database, "select count(*) from raw_shop.orders") == [(6,)]  # left as it was


def test_migrating_needs_the_new_warehouse_set_first(project):
    result = project.dango("migrate-warehouse", "--to", "postgres", check=2)
    assert "field 'warehouse': the warehouse is duckdb, not postgres" in result.stderr


def test_validate_names_what_is_missing_or_wrong(project, pg):
    database = use_postgres(project, pg, password_line="")
    project.add_source("one_row", ONE_ROW_SOURCE)
    missing = project.dango("validate", check=1)
    assert "field 'warehouse': no password for postgres dango@127.0.0.1" in missing.stdout
    assert "DESTINATION__POSTGRES__CREDENTIALS__PASSWORD in .env" in missing.stdout

    project.write(".dlt/secrets.toml", '[destination.postgres.credentials]\npassword = "not-the-password"\n')
    wrong = project.dango("validate", check=1)
    assert "cannot connect to postgres dango@127.0.0.1" in wrong.stdout
    assert "password authentication failed" in wrong.stdout and "not-the-password" not in wrong.stdout
    refused = project.sync(check=2)
    assert "nothing was synced" in refused.stderr

    project.write(".dlt/secrets.toml", f'[destination.postgres.credentials]\npassword = "{PASSWORD}"\n')
    project.dango("validate", check=0)
    assert pg.query(database, "select count(*) from information_schema.schemata where schema_name = 'dango'") == [(0,)]


def test_a_password_in_sources_yml_is_refused_with_where_it_goes(project, pg):
    use_postgres(project, pg)
    text = project.sources_yml.read_text().replace("  user: dango\n", "  user: dango\n  password: hunter22\n")
    project.sources_yml.write_text(text)
    result = project.dango("validate", check=1)
    assert "field 'warehouse.password': unknown key 'password'" in result.stdout
    assert "set DESTINATION__POSTGRES__CREDENTIALS__PASSWORD in .env" in result.stdout


def test_a_missing_setting_is_named(project, pg):
    use_postgres(project, pg)
    project.sources_yml.write_text(project.sources_yml.read_text().replace("  user: dango\n", ""))
    result = project.sync(check=2)
    assert "field 'warehouse': missing required field 'user'" in result.stderr


def test_a_run_of_the_same_source_from_another_machine_is_waited_for(project, pg):
    database = use_postgres(project, pg)
    project.add_source("one_row", ONE_ROW_SOURCE)
    other_machine = pg.connect(database)  # what a sync elsewhere holds: the source's advisory lock
    other_machine.cursor().execute("select pg_advisory_lock(hashtext('dango sync one_row'))")
    try:
        blocked = project.sync("--lock-timeout", "2", check=1)
        assert "waiting for another run of this source, held by a session of postgres dango@" in blocked.stdout
        assert "another run of source one_row still held its lock" in blocked.stdout
    finally:
        other_machine.close()
    project.sync()
    assert pg.query(database, "select count(*) from raw_one_row.items") == [(1,)]
