"""`type: sql_database` from sources.yml alone: SQLite, and real PostgreSQL and MariaDB servers
started by the tests, each synced twice with exact row counts and no duplicates."""

import os
import sqlite3
import uuid

import pytest
import yaml

from tests.mariadb_server import PASSWORD as MARIA_PASSWORD
from tests.mariadb_server import MariadbServer, installed
from tests.postgres_server import PASSWORD as PG_PASSWORD
from tests.postgres_server import PostgresServer, binaries

if (binaries() is None or not installed()) and os.environ.get("CI"):
    raise RuntimeError("CI must run the sql_database tests: PostgreSQL's and MariaDB's servers are needed; see .ci/run")
if binaries() is None or not installed():
    pytest.skip(
        "needs PostgreSQL's and MariaDB's servers (apt-get install postgresql mariadb-server)", allow_module_level=True
    )

# customers has a primary key (merged), events none (replaced), orders a cursor (appended).
CREATE = [
    "create table customers (id integer primary key, name varchar(40))",
    "create table events (kind varchar(20), n integer)",
    "create table orders (id integer, amount integer, updated_at {timestamp})",
]
FIRST = {
    "customers": [(i, f"customer {i}") for i in range(1, 6)],
    "events": [("view", n) for n in range(1, 5)],
    "orders": [(i, 10 * i, f"2024-01-{i:02d} 12:00:00") for i in range(1, 7)],
}
# A quoted timestamp: compared with each database's timestamp column, it must become a timestamp.
MERGED = {"customers": {"write_disposition": "merge"}}
ORDERS_CURSOR = {"orders": {"incremental": {"cursor_path": "updated_at", "initial_value": "2024-01-02T00:00:00+00:00"}}}


@pytest.fixture(scope="module")
def servers():
    pg, maria = PostgresServer().start(), None
    try:
        maria = MariadbServer().start()
        yield pg, maria
    finally:
        pg.stop()
        if maria:
            maria.stop()


class Database:
    """One source database, written through its DB-API connection with its own placeholders."""

    def __init__(self, connect, mark: str, timestamp: str):
        self.connect, self.mark, self.timestamp = connect, mark, timestamp

    def run(self, sql: str, rows=()) -> None:
        conn = self.connect()
        try:
            cursor = conn.cursor()
            if rows:
                cursor.executemany(sql.replace("?", self.mark), rows)
            else:
                cursor.execute(sql.format(timestamp=self.timestamp))
            conn.commit()
        finally:
            conn.close()

    def fill(self) -> None:
        for statement in CREATE:
            self.run(statement)
        for table, rows in FIRST.items():
            self.run(f"insert into {table} values ({', '.join('?' * len(rows[0]))})", rows)

    def change(self) -> None:
        """A renamed and a new customer, events replaced by five others, one new order."""
        self.run("update customers set name = ? where id = ?", [("renamed", 1)])
        self.run("insert into customers values (?, ?)", [(6, "customer 6")])
        self.run("delete from events")
        self.run("insert into events values (?, ?)", [("click", n) for n in range(1, 6)])
        self.run("insert into orders values (?, ?, ?)", [(7, 70, "2024-01-07 12:00:00")])


def test_three_databases_sync_twice_without_duplicates(project, servers):
    pg, maria = servers
    pg_db = pg.create_database(f"shop_{uuid.uuid4().hex[:8]}")
    maria_db = f"shop_{uuid.uuid4().hex[:8]}"
    maria.execute(f"create database {maria_db}")
    (project.root / "data").mkdir(exist_ok=True)
    databases = {
        "lite": Database(lambda: sqlite3.connect(project.root / "data" / "shop.db"), "?", "timestamp"),
        "pg_shop": Database(lambda: pg.connect(pg_db), "%s", "timestamp"),
        "maria_shop": Database(lambda: maria.connect(maria_db), "%s", "datetime"),
    }
    for database in databases.values():
        database.fill()
    maria_url = f"mysql://dango:{MARIA_PASSWORD}@127.0.0.1:{maria.port}/{maria_db}"
    pg_url = f"postgresql://dango:{PG_PASSWORD}@127.0.0.1:{pg.port}/{pg_db}"  # no driver named
    project.write(".env", f"PG_PASSWORD={PG_PASSWORD}\nMARIA_URL={maria_url}\nPG_URL={pg_url}\n")
    project.write(".dlt/secrets.toml", '[sources.sql_database]\ncredentials = "sqlite:///data/shop.db"\n')
    postgres = {
        "drivername": "postgresql",
        "host": "127.0.0.1",
        "port": pg.port,
        "database": pg_db,
        "username": "dango",
        "password": "${PG_PASSWORD}",
    }
    blocks = {
        "lite": {},  # the connection from dlt's own section of .dlt/secrets.toml
        "pg_shop": {"credentials": postgres, "schema": "public", "table_names": ["customers", "events", "orders"]},
        "maria_shop": {"credentials": {"env": "MARIA_URL"}, "backend": "sqlalchemy"},
    }
    sources = [
        {"name": name, "type": "sql_database", "sql_database": block, "resources": ORDERS_CURSOR}
        for name, block in blocks.items()
    ]
    # dlt's own sql_database as dlt_native, given a plain postgresql:// URL by reference
    native = {"source_module": "dlt.sources.sql_database", "source_function": "sql_database"}
    native["function_kwargs"] = {"credentials": "${PG_URL}", "table_names": ["customers"]}
    sources.append({"name": "pg_native", "type": "dlt_native", "dlt_native": native, "resources": MERGED})
    project.sources_yml.write_text(yaml.safe_dump({"version": "1.0", "sources": sources}, sort_keys=False))
    checked = project.dango("validate", check=0)
    first = project.sync()
    for name in databases:
        assert f"[{name}] ok" in first.stdout and "customers 5, events 4, orders 5" in first.stdout, first.stdout
    for database in databases.values():
        database.change()
    second = project.sync()
    for name in databases:
        dataset = f"raw_{name}"
        assert project.count(f"{dataset}.customers") == 6
        assert project.query(f"select name from {dataset}.customers where id = 1") == [("renamed",)]
        assert project.query(f"select kind, count(*) from {dataset}.events group by kind") == [("click", 5)]
        assert project.query(f"select count(*), count(distinct id), min(id) from {dataset}.orders") == [(6, 6, 2)]
    assert "[pg_native] ok" in first.stdout + second.stdout
    assert project.query("select count(*), count(distinct id) from raw_pg_native.customers") == [(6, 6)]
    only = project.sync("pg_shop", "--resource", "customers")
    assert "[pg_shop] ok" in only.stdout and "customers 6" in only.stdout and "orders" not in only.stdout
    for secret in (PG_PASSWORD, MARIA_PASSWORD):
        assert secret not in checked.stdout + first.stdout + second.stdout
        assert project.files_with(secret) == []
