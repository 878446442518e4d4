"""Full refresh, state show/reset/set, backfills and dropping a resource, on DuckDB and PostgreSQL.

One source with a date cursor (orders, merge), an id cursor (transactions, append) and no cursor
(customers, replace), against the local API, whose recorded requests show which window each sync
asked for. One test per engine walks through a user's bad week, checking rows, cursors and requests.
"""

import json
import os
import shutil
import signal
import subprocess
import threading
import uuid
from contextlib import contextmanager

import duckdb
import pytest

from tests.conftest import DANGO
from tests.integration.test_faults import alive, children_of, read_until, wait_for
from tests.postgres_server import PASSWORD, PostgresServer, binaries

SHOP = """
import os
import time
import dlt
from dlt.sources.helpers import requests

URL = "{url}"


@dlt.source
def shop():
    @dlt.resource(write_disposition="merge", primary_key="order_id")
    def orders(updated=dlt.sources.incremental("updated_at", initial_value="2024-01-01")):
        yield requests.get(URL + "/orders", params={{"updated_since": updated.last_value}}).json()

    @dlt.resource(write_disposition="append")
    def transactions(last_id=dlt.sources.incremental("id", initial_value=0)):
        cursor = last_id.last_value
        while True:
            gate = os.environ.get("GATE")  # a file the test creates to let the extraction go on
            if gate:
                print("waiting at the gate", flush=True)
                while not os.path.exists(gate):
                    time.sleep(0.02)
            page = requests.get(URL + "/transactions", params={{"after_id": cursor, "limit": 100}}).json()
            if not page:
                break
            yield page
            cursor = page[-1]["id"]

    @dlt.resource(write_disposition="replace")
    def customers():
        yield requests.get(URL + "/customers").json()

    return orders, transactions, customers
"""


class Engine:
    """Count and change rows in the warehouse of a project, whichever engine holds it."""

    def __init__(self, project, pg: PostgresServer | None):
        self.project, self.pg = project, pg
        self.database = None
        if pg:
            self.database = pg.create_database(f"t_{uuid.uuid4().hex[:10]}")
            import yaml

            document = yaml.safe_load(project.sources_yml.read_text())
            document = {"version": document["version"], "warehouse": pg.settings(self.database), "sources": []}
            project.sources_yml.write_text(yaml.safe_dump(document, sort_keys=False))
            project.write(".env", f"DESTINATION__POSTGRES__CREDENTIALS__PASSWORD={PASSWORD}\n")

    def query(self, sql: str) -> list[tuple]:
        if self.pg:
            return self.pg.query(self.database, sql)
        return self.project.query(sql)

    def execute(self, sql: str) -> None:
        if self.pg:
            conn = self.pg.connect(self.database)
            try:
                conn.cursor().execute(sql)
            finally:
                conn.close()
            return
        with duckdb.connect(str(self.project.warehouse)) as conn:
            conn.execute(sql)

    def count(self, table: str) -> int:
        return self.query(f"select count(*) from {table}")[0][0]

    def tables(self, dataset: str) -> set[str]:
        sql = f"select table_name from information_schema.tables where table_schema = '{dataset}'"
        return {name for (name,) in self.query(sql)}


@pytest.fixture(params=["duckdb", "postgres"])
def engine(request, project):
    if request.param == "duckdb":
        return Engine(project, None)
    if binaries() is None and os.environ.get("CI"):
        raise RuntimeError("CI must run the PostgreSQL tests, and this machine has no PostgreSQL server; see .ci/run")
    if binaries() is None:
        pytest.skip("needs PostgreSQL's server (Debian: apt-get install postgresql)")
    server = PostgresServer().start()
    request.addfinalizer(server.stop)
    return Engine(project, server)


def answer_in_terminal(project, command: str, answer: str) -> str:
    """Run `bin/dango COMMAND` in a real terminal (tmux), answer its question; the screen at its end."""
    if shutil.which("tmux") is None and not os.environ.get("CI"):
        pytest.skip("needs tmux for a real terminal (Debian: apt-get install tmux)")
    server = ["tmux", "-L", f"dango-{uuid.uuid4().hex[:10]}"]  # a tmux server of this test's own
    done = project.root / "terminal-exit-code"
    shell = f"{DANGO} {command}; echo $? > {done}; sleep 600"
    subprocess.run(
        [*server, "new-session", "-d", "-x", "200", "-y", "50", "-c", project.root, shell], env=project.env, check=True
    )
    try:

        def screen() -> str:
            return subprocess.run([*server, "capture-pane", "-p"], capture_output=True, text=True, check=False).stdout

        wait_for(lambda: "go ahead? [y/N]" in screen())
        subprocess.run([*server, "send-keys", answer, "Enter"], check=True)
        wait_for(done.exists)
        wait_for(lambda: done.read_text().strip() != "")
        assert done.read_text().strip() == "0", screen()
        return screen().replace("\n", " ")
    finally:
        subprocess.run([*server, "kill-server"], check=False)


@contextmanager
def watching(engine: Engine | None, sql: str):
    """Run the one-row query `sql` over and over while the block runs; yields the rows seen."""
    seen: list = []
    stop = threading.Event()

    def watch() -> None:
        while engine and not stop.is_set():
            seen.append(engine.query(sql)[0])

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        yield seen
    finally:
        stop.set()
        thread.join()


def asked(api, path: str, key: str) -> list:
    return [query[key] for query in api.seen(path)]


def test_a_bad_week_full_refresh_state_backfill_and_drop(project, engine, api):
    project.add_source("shop", SHOP.format(url=api.url))
    project.sync("shop")
    assert (engine.count("raw_shop.orders"), engine.count("raw_shop.transactions")) == (5, 250)
    failed_and_killed_refreshes_change_nothing(project, engine, api)
    full_refreshes(project, engine, api)
    state_set_reset_and_backfill(project, engine, api)
    drop_and_history(project, engine)


def failed_and_killed_refreshes_change_nothing(project, engine, api):
    # The API now sends corrected data; a full refresh that fails half way changes nothing.
    api.orders[0]["amount"] = 999
    api.fail_paths["/transactions"] = 400
    failed = project.sync("shop", "--full-refresh", check=1)
    assert "[shop] FAILED" in failed.stdout and "400" in failed.stdout
    del api.fail_paths["/transactions"]
    assert engine.query("select amount from raw_shop.orders where order_id = 1") == [(10,)]

    # Killed with SIGKILL during its load: readers see the old rows while it runs, and the swap is
    # one transaction, so the tables and cursors are all old (or, past the commit, all new) after.
    gate = project.root / "gate"
    refresh = subprocess.Popen(
        [DANGO, "sync", "shop", "--full-refresh"],
        cwd=project.root,
        env={**project.env, "GATE": str(gate), "NORMALIZE__LOADER_FILE_FORMAT": "insert_values"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    read_until(refresh, "waiting at the gate")  # extracting, so not holding a DuckDB file's lock
    side_packages = project.root / "data" / "tmp" / "refresh" / "shop" / "load" / "normalized"
    assert engine.query("select amount from raw_shop.orders where order_id = 1") == [(10,)]
    gate.touch()
    wait_for(lambda: side_packages.is_dir() and any(side_packages.iterdir()))
    children = children_of(refresh.pid)
    os.killpg(refresh.pid, signal.SIGKILL)
    refresh.wait()
    wait_for(lambda: not any(map(alive, children)))  # a killed child may hold the file a moment longer
    assert engine.query("select amount from raw_shop.orders where order_id = 1") in ([(10,)], [(999,)])
    assert engine.count("raw_shop.transactions") == 250

    # The next plain sync carries on from the old cursors, as if nothing happened.
    api.transactions.append({"id": 251, "amount": 251})
    project.sync("shop")
    assert asked(api, "/transactions", "after_id")[-2:] == ["250", "251"]
    assert engine.count("raw_shop.transactions") == 251


def full_refreshes(project, engine, api):
    # --resource: orders rebuilt with the corrected row; transactions' rows untouched.
    loads_before = engine.query("select distinct _dlt_load_id from raw_shop.transactions order by 1")
    project.sync("shop", "--full-refresh", "--resource", "orders")
    assert asked(api, "/orders", "updated_since")[-1] == "2024-01-01"
    assert engine.query("select amount from raw_shop.orders where order_id = 1") == [(999,)]
    assert engine.query("select distinct _dlt_load_id from raw_shop.transactions order by 1") == loads_before

    # The whole source: row counts equal the API's, cursors rebuilt, no side dataset left. On
    # PostgreSQL, readers query all along: they never see an empty or half-swapped table. (A DuckDB
    # file cannot be opened by readers while it is written, so readers there wait, as for any sync.)
    totals = "select (select count(*) from raw_shop.orders), (select count(*) from raw_shop.transactions)"
    with watching(engine if engine.pg else None, totals) as seen:
        project.sync("shop", "--full-refresh")
    assert set(seen) <= {(5, 251)} and (seen or not engine.pg)
    assert (engine.count("raw_shop.orders"), engine.count("raw_shop.transactions")) == (5, 251)
    shown = json.loads(project.dango("state", "show", "shop", "--json", check=0).stdout)
    assert {c["resource"]: c["last_value"] for c in shown["cursors"]} == {"orders": "2024-02-05", "transactions": 251}
    assert "raw_shop._dlt_pipeline_state" in shown["state"]["warehouse"]
    schemata = {name for (name,) in engine.query("select schema_name from information_schema.schemata")}
    assert not {"dango_refresh_shop", "dango_refresh_shop_staging"} & schemata


def state_set_reset_and_backfill(project, engine, api):
    # state set on an id cursor (typed like it), reset on a date cursor: the next sync asks from
    # there, even with the working folder gone (dlt restores the state from the warehouse).
    project.dango("state", "set", "shop", "--resource", "transactions", "--cursor", "240", "--yes", check=0)
    if engine.pg:
        project.dango("state", "reset", "shop", "--resource", "orders", "--yes", check=0)
    else:  # what does not depend on the engine is checked once, on DuckDB
        refused = project.dango("state", "set", "shop", "--resource", "orders", "--cursor", "soon", "--yes", check=2)
        assert "is not a date, like the cursor's '2024-02-05'" in refused.stderr
        unasked = project.dango("state", "reset", "shop", check=2)  # no terminal and no --yes: nothing changes
        assert "--yes" in unasked.stderr
        screen = answer_in_terminal(project, "state reset shop --resource orders", "y")
        assert "forget the cursors orders.updated_at (now 2024-02-05)?" in screen
        assert "state reset: shop orders" in screen
    shutil.rmtree(project.root / "data" / "pipelines" / "shop")
    project.sync("shop")
    assert asked(api, "/transactions", "after_id")[-2:] == ["240", "251"]
    assert asked(api, "/orders", "updated_since")[-1] == "2024-01-01"
    assert engine.count("raw_shop.orders") == 5  # merge: reloading from the start duplicates nothing

    # A backfill fills a gap with the source's merge, and leaves the saved cursor where it was.
    engine.execute("delete from raw_shop.orders where order_id in (2, 3)")
    project.sync("shop", "--resource", "orders", "--since", "2024-02-02", "--until", "2024-02-04")
    assert asked(api, "/orders", "updated_since")[-1] == "2024-02-02"
    assert engine.query("select order_id from raw_shop.orders order by 1") == [(1,), (2,), (3,), (4,), (5,)]
    no_cursor = project.sync("shop", "--resource", "customers", "--since", "2024-01-01", check=1)
    assert "resource customers of source shop has no dlt.sources.incremental cursor" in no_cursor.stdout


def drop_and_history(project, engine):
    # Dropping resources: their tables, their state and their generated staging models, unless edited.
    model = project.root / "dbt" / "models" / "staging" / "stg_shop__transactions.sql"
    edited = model.with_name("stg_shop__customers.sql")
    edited.write_text("-- mine\n" + edited.read_text())
    dropped = project.dango("source", "drop", "shop", "--resource", "transactions", "--resource", "customers", "--yes")
    assert (
        dropped.returncode == 0 and "kept dbt/models/staging/stg_shop__customers.sql: you edited it" in dropped.stdout
    )
    assert engine.tables("raw_shop") & {"transactions", "customers"} == set() and not model.exists()
    assert edited.exists()
    if not engine.pg:  # tools reading the read copy see the drop too
        with duckdb.connect(str(project.root / "data" / "read" / "warehouse.duckdb"), read_only=True) as copy:
            assert "transactions" not in {
                name for (name,) in copy.execute("select table_name from duckdb_tables()").fetchall()
            }
    shown = json.loads(project.dango("state", "show", "shop", "--json", check=0).stdout)
    assert {c["resource"]: c["last_value"] for c in shown["cursors"]} == {"orders": "2024-02-05"}

    # Every run and change is in the run history, and `status` shows the last one.
    runs = (project.root / "data" / "runs.jsonl").read_text().splitlines()
    assert [json.loads(line)["action"] for line in runs] == [
        "sync",
        "full refresh",
        "full refresh",  # the one killed, recorded as interrupted by the next sync
        "sync",
        "full refresh of orders",
        "full refresh",
        "state set transactions.id=240",
        "state reset of orders",
        "sync",
        "backfill of orders 2024-02-02..2024-02-04",
        "backfill of customers 2024-01-01..saved cursor",
        "source drop of transactions, customers",
    ]
    last = engine.query("select action from dango.runs order by ended desc limit 1")
    assert last == [("source drop of transactions, customers",)]
    assert "source drop of transactions, customers" in project.dango("status", check=0).stdout


ITEMS = """
import os
import dlt

@dlt.resource(write_disposition="merge", primary_key="{key}")
def items():
    yield [{{"id": 1, "code": "a", "amount": os.environ.get("AMOUNT", 5)}}]
"""


def test_a_changed_primary_key_or_column_type_is_reported_with_its_fix(project):
    project.add_source("items", ITEMS.format(key="id"))
    project.sync("items")
    project.write("custom_sources/items.py", ITEMS.format(key="code"))
    refused = project.sync("items", check=1)
    assert "resource items: primary key changed from id to code since its last load" in refused.stdout
    assert "`bin/dango sync items --full-refresh --resource items`" in refused.stdout
    project.sync("items", "--full-refresh", "--resource", "items")
    project.sync("items")  # the new key is now the table's own
    assert project.query("select id, code from raw_items.items") == [(1, "a")]

    warned = project.sync("items", env={"AMOUNT": "five"})
    assert "column items.amount received values of another type, kept apart in items.amount__v_text" in warned.stdout
    assert "bin/dango sync items --full-refresh --resource items" in warned.stdout
